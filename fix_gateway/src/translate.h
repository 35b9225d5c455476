// FIX <-> command/event translation. Stateless: prices and quantities are read from the raw
// field text (never through QuickFIX's double-based getters) and written as exact decimals.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "dazong/common/commands.h"
#include "dazong/common/config.h"
#include "dazong/common/events.h"
#include "dazong/quickfix.h"

namespace dazong::fix_gateway {

// Custom tags (see fix_gateway/spec/README.md).
inline constexpr int kRejectCodeTag = 20001;
inline constexpr int kStpModeTag = 20040;
inline constexpr int kPriceBandLowTag = 20020;
inline constexpr int kPriceBandHighTag = 20021;
inline constexpr int kReferencePriceTag = 20022;
inline constexpr int kPriceUnitQtyTag = 20023;
inline constexpr int kBaseUnitTag = 20024;
inline constexpr int kAggressorSideTag = 20041;
inline constexpr int kNoReceiptsTag = 20010;
inline constexpr int kReceiptIdTag = 20011;
inline constexpr int kReceiptQtyTag = 20012;
inline constexpr int kWarehouseCodeTag = 20013;
inline constexpr int kReceiptStatusTag = 20014;
inline constexpr int kReceiptGradeTag = 20015;
inline constexpr int kReceiptLedgerIdTag = 20016;
inline constexpr int kCashAvailableTag = 20030;
inline constexpr int kCashReservedTag = 20031;

// An instrument's static price band as the gateway publishes it.
struct PriceBandView {
  Price low;
  Price high;
};

// A message that could not become a command: the reason to report.
struct EdgeReject {
  RejectReason reason;
  std::string text;
};

// NewOrderSingle (D) -> NewOrderCommand. `member`/`session` come from the session, never
// from the message.
std::variant<NewOrderCommand, EdgeReject> ParseNewOrder(const FIX::Message& msg,
                                                        const ExchangeConfig& config,
                                                        MemberId member, uint32_t session);
// OrderCancelRequest (F) -> CancelOrderCommand.
std::variant<CancelOrderCommand, EdgeReject> ParseCancel(const FIX::Message& msg,
                                                         const ExchangeConfig& config,
                                                         MemberId member, uint32_t session);

// OrderCancelReplaceRequest (G) -> ReplaceOrderCommand.
std::variant<ReplaceOrderCommand, EdgeReject> ParseReplace(const FIX::Message& msg,
                                                           const ExchangeConfig& config,
                                                           MemberId member, uint32_t session);
// OrderMassCancelRequest (q) -> MassCancelCommand (the member's own orders only).
std::variant<MassCancelCommand, EdgeReject> ParseMassCancel(const FIX::Message& msg,
                                                            const ExchangeConfig& config,
                                                            MemberId member, uint32_t session);

// ExecutionReport rejecting a NewOrderSingle that never reached the core.
FIX44::ExecutionReport EdgeRejectReport(const FIX::Message& order, const EdgeReject& reject,
                                        const std::string& exec_id);
// OrderCancelReject for an OrderCancelRequest that never reached the core.
FIX44::OrderCancelReject EdgeCancelReject(const FIX::Message& cancel, const EdgeReject& reject);

// The report a member's session gets for an event about one of its orders.
FIX44::ExecutionReport OrderReport(const OrderView& order, const InstrumentConfig& instrument,
                                   char exec_type, const std::string& exec_id, Timestamp time);
FIX44::ExecutionReport RejectReport(const OrderRejected& reject, const InstrumentConfig* instrument,
                                    const std::string& exec_id, Timestamp time);
FIX44::ExecutionReport TradeReport(const TradeEvent& trade, const OrderView& order,
                                   const InstrumentConfig& instrument, const std::string& exec_id);
FIX44::OrderCancelReject CancelRejectMessage(const CancelRejected& reject);
// OrderReport and TradeReport built into `er`, an ExecutionReport a sender thread keeps and
// reuses (its fields' storage stays allocated: no allocation per field). Every optional field
// any report built this way may carry (Price, LastPx, LastQty, TrdMatchID, OrigClOrdID) is
// removed first, and every other field is set, so nothing carries over from the last report.
void FillOrderReport(FIX::Message& er, const OrderView& order, const InstrumentConfig& instrument,
                     char exec_type, const std::string& exec_id, Timestamp time);
void FillTradeReport(FIX::Message& er, const TradeEvent& trade, const OrderView& order,
                     const InstrumentConfig& instrument, const std::string& exec_id);
FIX44::ExecutionReport ReplacedReport(const OrderReplaced& replaced, const InstrumentConfig& instrument,
                                      const std::string& exec_id, Timestamp time);
FIX44::OrderMassCancelReport MassCancelReport(const MassCancelDone& done, const std::string& report_id);
// The reject text: "<code>: <reason>", with the band for kPriceOutsideBand.
std::string RejectText(const OrderRejected& reject);

// FIX OrdRejReason (103) for a reject reason.
int OrdRejReasonFor(RejectReason reason);
// "YYYYMMDD-HH:MM:SS.sss" for a nanosecond time stamp.
std::string UtcTimestamp(Timestamp time);
// The inverse, accepting "YYYYMMDD-HH:MM:SS" with optional ".sss"; nullopt when malformed.
std::optional<Timestamp> ParseUtcTimestamp(const std::string& text);

}  // namespace dazong::fix_gateway
