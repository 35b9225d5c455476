#include "dazong/warehouse_receipts/types.h"

#include <charconv>

#include "dazong/common/civil_date.h"
#include "dazong/warehouse_receipts/commands.h"
#include "dazong/warehouse_receipts/events.h"

namespace dazong::receipts {

std::string HashHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string_view PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kMember: return "member";
    case PrincipalKind::kWarehouse: return "warehouse";
    case PrincipalKind::kBank: return "bank";
    case PrincipalKind::kSupervisor: return "supervisor";
    case PrincipalKind::kExchange: return "exchange";
  }
  return "unknown";
}

std::string PrincipalString(const Principal& p) {
  return std::string(PrincipalKindName(p.kind)) + ":" + p.code;
}

std::string_view ReceiptStatusName(ReceiptStatus status) {
  switch (status) {
    case ReceiptStatus::kActive: return "active";
    case ReceiptStatus::kLoadOutRequested: return "load_out_requested";
    case ReceiptStatus::kExpired: return "expired";
    case ReceiptStatus::kRetired: return "retired";
    case ReceiptStatus::kCancelled: return "cancelled";
    case ReceiptStatus::kVoided: return "voided";
  }
  return "unknown";
}

std::string_view EncumbranceKindName(EncumbranceKind kind) {
  switch (kind) {
    case EncumbranceKind::kNone: return "none";
    case EncumbranceKind::kPledge: return "pledge";
    case EncumbranceKind::kFrozenForSale: return "frozen_for_sale";
    case EncumbranceKind::kFrozenForDelivery: return "frozen_for_delivery";
  }
  return "unknown";
}

Quantity Receipt::held_quantity() const {
  int64_t sum = 0;
  for (const SaleHold& h : holds) sum += h.quantity.raw();
  return Quantity::FromRaw(sum);
}

std::string_view LedgerReasonText(LedgerReason reason) {
  switch (reason) {
    case LedgerReason::kNone: return "no error";
    case LedgerReason::kWrongRole: return "this role may not perform this operation";
    case LedgerReason::kUnknownPrincipal: return "unknown or disabled principal";
    case LedgerReason::kUnknownReceipt: return "unknown receipt";
    case LedgerReason::kNotHolder: return "only the receipt's holder may do this";
    case LedgerReason::kNotIssuer: return "only the issuing warehouse may do this";
    case LedgerReason::kNotPledgee: return "only the pledgee bank may do this";
    case LedgerReason::kNotLive: return "receipt is retired, cancelled or voided";
    case LedgerReason::kNotActive: return "receipt is expired or awaiting load-out";
    case LedgerReason::kEncumbered: return "receipt is pledged or frozen";
    case LedgerReason::kNotEncumbered: return "receipt carries no such encumbrance";
    case LedgerReason::kExpired: return "receipt is past its expiry";
    case LedgerReason::kLicenceInvalid: return "warehouse licence is not valid";
    case LedgerReason::kNumberOutOfRange: return "receipt number outside the warehouse's range";
    case LedgerReason::kNumberUsed: return "receipt number already used";
    case LedgerReason::kDuplicateLot: return "a live receipt already covers this lot";
    case LedgerReason::kExceedsStock: return "receipted quantity would exceed inspected stock";
    case LedgerReason::kStockBelowReceipted: return "reported stock is below receipted quantity";
    case LedgerReason::kCommodityNotStored: return "commodity not stored by this warehouse";
    case LedgerReason::kInvalidQuantity: return "invalid quantity";
    case LedgerReason::kInvalidElement: return "a receipt element is missing or invalid";
    case LedgerReason::kMergeMismatch: return "receipts differ and cannot be merged";
    case LedgerReason::kAffiliate:
      return "a warehouse's affiliate may not trade or finance its receipts";
    case LedgerReason::kNoPledgeRequest: return "no pending pledge request for this bank";
    case LedgerReason::kInsufficientFunds: return "insufficient available cash";
    case LedgerReason::kReasonRequired: return "a reason is required";
    case LedgerReason::kOverflow: return "amount too large";
    case LedgerReason::kNotLoadOutRequested: return "no load-out was requested";
    case LedgerReason::kDuplicateReceipt: return "the same receipt is named twice";
    case LedgerReason::kNotSettlementBank: return "only the settlement bank may move cash";
  }
  return "unknown reason";
}

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

absl::StatusOr<int64_t> ParseDays(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError("\"" + std::string(text) + "\" is not a YYYY-MM-DD date");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  auto num = [&](size_t pos, size_t len, int64_t& out) {
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
    }
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return ec == std::errc() && p == text.data() + pos + len;
  };
  int64_t y = 0, m = 0, d = 0;
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return bad();
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return bad();
  const int64_t max_day = kDays[m - 1] + ((m == 2 && IsLeap(y)) ? 1 : 0);
  if (d > max_day) return bad();
  return DaysFromCivil(y, m, d);
}

constexpr int64_t kCstOffsetNanos = 8 * 3600 * kNanosPerSecond;

}  // namespace

absl::StatusOr<Timestamp> StartOfDayCst(std::string_view yyyy_mm_dd) {
  absl::StatusOr<int64_t> days = ParseDays(yyyy_mm_dd);
  if (!days.ok()) return days.status();
  return *days * kNanosPerDay - kCstOffsetNanos;
}

absl::StatusOr<Timestamp> EndOfDayCst(std::string_view yyyy_mm_dd) {
  absl::StatusOr<Timestamp> start = StartOfDayCst(yyyy_mm_dd);
  if (!start.ok()) return start.status();
  return *start + kNanosPerDay;
}

namespace {
template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

std::string_view CommandName(const LedgerCommand& cmd) {
  static constexpr std::string_view kNames[] = {
      "ReportStock",    "RegisterReceipt", "TransferReceipt", "SplitReceipt",
      "MergeReceipts",  "RequestPledge",   "AcceptPledge",    "DeclinePledge",
      "ReleasePledge",  "EnforcePledge",   "FreezeReceipt",   "UnfreezeReceipt",
      "RequestLoadOut", "ConfirmLoadOut",  "CorrectReceipt",  "ExpireReceipts",
      "Deposit",        "Withdraw"};
  static_assert(std::size(kNames) == std::variant_size_v<LedgerCommand>);
  return kNames[cmd.index()];
}

const Principal& CommandActor(const LedgerCommand& cmd) {
  return std::visit([](const auto& c) -> const Principal& { return c.actor; }, cmd);
}

std::string_view EventName(const EventBody& body) {
  static constexpr std::string_view kNames[] = {
      "StockReported",   "ReceiptIssued",        "ReceiptCancelled", "ReceiptSplit",
      "ReceiptsMerged",  "HolderChanged",        "PledgeRequested",  "PledgeRequestCleared",
      "EncumbranceChanged", "StatusChanged",     "CashDeposited",    "CashWithdrawn",
      "OrderOpened",     "OrderResized",         "OrderClosed",      "CashReserved",
      "CashReleased",    "HoldPlaced",           "HoldReleased",     "TradeSettled",
      "Rejected"};
  static_assert(std::size(kNames) == std::variant_size_v<EventBody>);
  return kNames[body.index()];
}

}  // namespace dazong::receipts
