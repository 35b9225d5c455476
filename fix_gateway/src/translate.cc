#include "translate.h"

#include "absl/strings/str_cat.h"
#include "dazong/common/civil_date.h"

namespace dazong::fix_gateway {
namespace {

std::string FieldOr(const FIX::FieldMap& msg, int tag, const std::string& fallback = "") {
  return msg.isSetField(tag) ? msg.getField(tag) : fallback;
}

EdgeReject Reject(RejectReason reason, std::string text = "") {
  if (text.empty()) text = std::string(RejectReasonText(reason));
  return EdgeReject{reason, std::move(text)};
}

std::string RejectText(RejectReason reason) {
  return absl::StrCat(RejectReasonCode(reason), ": ", std::string(RejectReasonText(reason)));
}

// AvgPx to four decimals, half-even: cum_notional (fen) per price unit.
std::string AveragePrice(const OrderView& order, const InstrumentConfig& instrument) {
  if (!order.cum_quantity.is_positive()) return "0";
  const Int128 scaled = static_cast<Int128>(order.cum_notional.raw()) *
                          instrument.base_units_per_price_unit * 100;
  absl::StatusOr<int64_t> avg = DivRoundHalfEven(scaled, order.cum_quantity.raw());
  return avg.ok() ? FormatDecimal(*avg, 4) : "0";
}

char OrdStatusFor(const OrderView& order) {
  if (order.leaves_quantity.is_zero()) {
    return order.cum_quantity == order.quantity ? FIX::OrdStatus_FILLED : FIX::OrdStatus_CANCELED;
  }
  return order.cum_quantity.is_positive() ? FIX::OrdStatus_PARTIALLY_FILLED : FIX::OrdStatus_NEW;
}

char SideChar(Side side) { return side == Side::kBuy ? FIX::Side_BUY : FIX::Side_SELL; }

void SetOrderFields(FIX::Message& er, const OrderView& order, const InstrumentConfig& instrument) {
  er.setField(FIX::OrderID(absl::StrCat(order.order_id.value())));
  er.setField(FIX::ClOrdID(std::string(order.cl_ord_id.view())));
  er.setField(FIX::Symbol(instrument.symbol));
  er.setField(FIX::Side(SideChar(order.side)));
  er.setField(FIX::OrdType(order.type == OrderType::kLimit ? FIX::OrdType_LIMIT : FIX::OrdType_MARKET));
  if (order.type == OrderType::kLimit) er.setField(FIX::FIELD::Price, FormatPrice(order.price));
  er.setField(FIX::FIELD::OrderQty, absl::StrCat(order.quantity.raw()));
  er.setField(FIX::TimeInForce(static_cast<char>('0' + static_cast<int>(order.tif))));
  er.setField(FIX::FIELD::CumQty, absl::StrCat(order.cum_quantity.raw()));
  er.setField(FIX::FIELD::LeavesQty, absl::StrCat(order.leaves_quantity.raw()));
  er.setField(FIX::FIELD::AvgPx, AveragePrice(order, instrument));
}

// Side(54): 1 buy, 2 sell; false for anything else.
bool ParseSide(const FIX::Message& msg, Side* side) {
  const std::string text = FieldOr(msg, FIX::FIELD::Side);
  if (text == "1") {
    *side = Side::kBuy;
  } else if (text == "2") {
    *side = Side::kSell;
  } else {
    return false;
  }
  return true;
}

EdgeReject BadSide() { return Reject(RejectReason::kUnsupportedOrderType, "side must be 1 (buy) or 2 (sell)"); }

// ClOrdID, OrigClOrdID and Symbol of a cancel or replace request.
template <typename Command>
std::optional<EdgeReject> ParseOrderReference(const FIX::Message& msg, const ExchangeConfig& config,
                                              Command& cmd) {
  if (!cmd.cl_ord_id.Assign(FieldOr(msg, FIX::FIELD::ClOrdID)) || cmd.cl_ord_id.empty() ||
      !cmd.orig_cl_ord_id.Assign(FieldOr(msg, FIX::FIELD::OrigClOrdID)) ||
      cmd.orig_cl_ord_id.empty()) {
    return Reject(RejectReason::kInvalidClOrdId);
  }
  const InstrumentConfig* instrument = config.FindInstrument(FieldOr(msg, FIX::FIELD::Symbol));
  if (instrument == nullptr) return Reject(RejectReason::kUnknownInstrument);
  cmd.instrument = instrument->id;
  return std::nullopt;
}

// A positive decimal integer with no sign, spaces or leading zeros that fits in 63 bits.
std::optional<uint64_t> ParseReceiptId(const std::string& text) {
  if (text.empty() || text.size() > 18 || text[0] == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// NoReceipts(20010) on a NewOrderSingle: the receipts a sell delivers. QuickFIX checks only
// the group's shape against the dictionary (and nothing inside it), so every rule is checked
// here: a count that matches the entries, at most kMaxNamedReceipts, sells only, each
// ReceiptID(20011) a positive integer named once, each ReceiptQty(20012) a positive whole
// number of base units, and the quantities summing to OrderQty(38).
std::optional<EdgeReject> ParseNamedReceipts(const FIX::Message& msg, NewOrderCommand& cmd) {
  const int entries = msg.groupCount(kNoReceiptsTag);
  if (!msg.isSetField(kNoReceiptsTag) && entries == 0) return std::nullopt;
  const std::string declared_text = FieldOr(msg, kNoReceiptsTag);
  const std::optional<uint64_t> declared =
      declared_text == "0" ? std::optional<uint64_t>(0) : ParseReceiptId(declared_text);
  if (!declared.has_value() || *declared != static_cast<uint64_t>(entries)) {
    return Reject(RejectReason::kInsufficientReceipts,
                  absl::StrCat("NoReceipts(20010)=", declared_text, " does not match the ", entries,
                               " receipt entries that follow"));
  }
  if (entries == 0) return std::nullopt;
  if (cmd.side != Side::kSell) {
    return Reject(RejectReason::kUnsupportedOrderType,
                  "only a sell order may name receipts (NoReceipts(20010))");
  }
  if (static_cast<size_t>(entries) > kMaxNamedReceipts) {
    return Reject(RejectReason::kInsufficientReceipts,
                  absl::StrCat("at most ", kMaxNamedReceipts, " receipts per order in NoReceipts(20010)"));
  }
  int64_t sum = 0;
  for (int i = 1; i <= entries; ++i) {
    FIX::Group g(kNoReceiptsTag, kReceiptIdTag);
    msg.getGroup(static_cast<unsigned>(i), g);
    const std::string id_text = FieldOr(g, kReceiptIdTag);
    const std::optional<uint64_t> id = ParseReceiptId(id_text);
    if (!id.has_value()) {
      return Reject(RejectReason::kInsufficientReceipts,
                    absl::StrCat("ReceiptID(20011) of receipt entry ", i,
                                 " must be a receipt's ledger id, a positive integer (got '", id_text, "')"));
    }
    for (const NamedReceipt& earlier : cmd.named_receipts()) {
      if (earlier.receipt_id == *id) {
        return Reject(RejectReason::kInsufficientReceipts,
                      absl::StrCat("receipt ", *id, " is named twice in NoReceipts(20010)"));
      }
    }
    const std::string qty_text = FieldOr(g, kReceiptQtyTag);
    absl::StatusOr<Quantity> qty = ParseQuantity(qty_text);
    if (qty_text.empty() || !qty.ok() || !qty->is_positive() || qty->raw() > cmd.quantity.raw()) {
      return Reject(RejectReason::kInvalidQuantity,
                    absl::StrCat("ReceiptQty(20012) of receipt ", *id,
                                 " must be a positive whole number of base units, at most OrderQty(38) (got '",
                                 qty_text, "')"));
    }
    sum += qty->raw();  // each <= OrderQty and at most 4 of them: no overflow
    cmd.AddReceipt(*id, *qty);
  }
  if (sum != cmd.quantity.raw()) {
    return Reject(RejectReason::kInsufficientReceipts,
                  absl::StrCat("ReceiptQty(20012) sums to ", sum, " but OrderQty(38) is ", cmd.quantity.raw()));
  }
  return std::nullopt;
}

}  // namespace

std::optional<Timestamp> ParseUtcTimestamp(const std::string& text) {
  // YYYYMMDD-HH:MM:SS or YYYYMMDD-HH:MM:SS.sss
  if (text.size() != 17 && text.size() != 21) return std::nullopt;
  auto digits = [&](size_t at, size_t n, int* out) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, sec, ms = 0;
  if (!digits(0, 4, &y) || !digits(4, 2, &mo) || !digits(6, 2, &d) || text[8] != '-' ||
      !digits(9, 2, &h) || text[11] != ':' || !digits(12, 2, &mi) || text[14] != ':' ||
      !digits(15, 2, &sec)) {
    return std::nullopt;
  }
  if (text.size() == 21 && (text[17] != '.' || !digits(18, 3, &ms))) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const int64_t days = DaysFromCivil(y, mo, d);
  return ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms) * 1'000'000;
}

std::string UtcTimestamp(Timestamp time) {
  // Floor division, so that times before 1970 format like gmtime's.
  int64_t millis_total = time / 1'000'000;
  if (time % 1'000'000 < 0) --millis_total;
  int64_t days = millis_total / 86'400'000;
  int64_t ms_of_day = millis_total % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    --days;
  }
  // By arithmetic: no gmtime_r (which takes glibc's time-zone lock) on every report.
  const CivilDate date = CivilFromDays(days);
  char out[21];
  auto put = [&out](int at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      out[at + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, date.year, 4);
  put(4, date.month, 2);
  put(6, date.day, 2);
  out[8] = '-';
  put(9, ms_of_day / 3'600'000, 2);
  out[11] = ':';
  put(12, ms_of_day / 60'000 % 60, 2);
  out[14] = ':';
  put(15, ms_of_day / 1000 % 60, 2);
  out[17] = '.';
  put(18, ms_of_day % 1000, 3);
  return std::string(out, sizeof(out));
}

int OrdRejReasonFor(RejectReason reason) {
  switch (reason) {
    case RejectReason::kUnknownInstrument: return FIX::OrdRejReason_UNKNOWN_SYMBOL;
    case RejectReason::kInstrumentNotTrading: return FIX::OrdRejReason_EXCHANGE_CLOSED;
    case RejectReason::kPriceOutsideBand: return FIX::OrdRejReason_ORDER_EXCEEDS_LIMIT;
    case RejectReason::kDuplicateClOrdId: return FIX::OrdRejReason_DUPLICATE_ORDER;
    case RejectReason::kUnknownOrder: return FIX::OrdRejReason_UNKNOWN_ORDER;
    case RejectReason::kInvalidQuantity:
    case RejectReason::kQuantityNotLotMultiple: return FIX::OrdRejReason_INCORRECT_QUANTITY;
    case RejectReason::kUnsupportedOrderType:
    case RejectReason::kUnsupportedTimeInForce:
      return FIX::OrdRejReason_UNSUPPORTED_ORDER_CHARACTERISTIC;
    default: return FIX::OrdRejReason_OTHER;
  }
}

std::variant<NewOrderCommand, EdgeReject> ParseNewOrder(const FIX::Message& msg,
                                                        const ExchangeConfig& config,
                                                        MemberId member, uint32_t session) {
  NewOrderCommand cmd;
  cmd.session = session;
  cmd.member = member;
  if (!cmd.cl_ord_id.Assign(FieldOr(msg, FIX::FIELD::ClOrdID)) || cmd.cl_ord_id.empty()) {
    return Reject(RejectReason::kInvalidClOrdId);
  }
  const InstrumentConfig* instrument = config.FindInstrument(FieldOr(msg, FIX::FIELD::Symbol));
  if (instrument == nullptr) return Reject(RejectReason::kUnknownInstrument);
  cmd.instrument = instrument->id;
  if (!ParseSide(msg, &cmd.side)) return BadSide();
  const std::string ord_type = FieldOr(msg, FIX::FIELD::OrdType);
  if (ord_type == "2") {
    cmd.type = OrderType::kLimit;
  } else if (ord_type == "1") {
    cmd.type = OrderType::kMarket;
  } else {
    return Reject(RejectReason::kUnsupportedOrderType);
  }
  const std::string tif = FieldOr(msg, FIX::FIELD::TimeInForce, "0");
  if (tif == "0") {
    cmd.tif = TimeInForce::kDay;
  } else if (tif == "1") {
    cmd.tif = TimeInForce::kGtc;
  } else if (tif == "3") {
    cmd.tif = TimeInForce::kIoc;
  } else if (tif == "4") {
    cmd.tif = TimeInForce::kFok;
  } else if (tif == "6") {
    cmd.tif = TimeInForce::kGtd;
  } else {
    return Reject(RejectReason::kUnsupportedTimeInForce);
  }
  absl::StatusOr<Quantity> qty = ParseQuantity(FieldOr(msg, FIX::FIELD::OrderQty));
  if (!qty.ok()) {
    return Reject(RejectReason::kInvalidQuantity,
                  "OrderQty(38) must be a whole number of base units");
  }
  cmd.quantity = *qty;
  if (cmd.type == OrderType::kLimit && !msg.isSetField(FIX::FIELD::Price)) {
    return Reject(RejectReason::kInvalidPrice, "Price(44) is required for a limit order");
  }
  if (msg.isSetField(FIX::FIELD::Price)) {
    absl::StatusOr<Price> price = ParsePrice(msg.getField(FIX::FIELD::Price));
    if (!price.ok()) {
      return Reject(RejectReason::kInvalidPrice, "Price(44) must be a decimal with at most 2 places");
    }
    // On a market order, Price(44) is the protection price: it never trades beyond it.
    (cmd.type == OrderType::kLimit ? cmd.price : cmd.protection_price) = *price;
  }
  if (cmd.tif == TimeInForce::kGtd) {
    const std::optional<Timestamp> expire = ParseUtcTimestamp(FieldOr(msg, FIX::FIELD::ExpireTime));
    if (!expire.has_value()) {
      return Reject(RejectReason::kInvalidExpireTime,
                    "ExpireTime(126) as YYYYMMDD-HH:MM:SS[.sss] is required for GTD");
    }
    cmd.expire_time = *expire;
  }
  const std::string stp = FieldOr(msg, kStpModeTag);
  if (!stp.empty()) {
    if (stp.size() != 1 || stp[0] < '1' || stp[0] > '3') {
      return Reject(RejectReason::kUnsupportedOrderType, "STPMode(20040) must be 1, 2 or 3");
    }
    // 1 cancel incoming, 2 cancel resting, 3 cancel both (fix_gateway/spec/README.md).
    cmd.stp = stp[0] == '1'   ? SelfTradePrevention::kCancelIncoming
              : stp[0] == '2' ? SelfTradePrevention::kCancelResting
                              : SelfTradePrevention::kCancelBoth;
  }
  if (auto reject = ParseNamedReceipts(msg, cmd)) return *reject;
  return cmd;
}

std::variant<ReplaceOrderCommand, EdgeReject> ParseReplace(const FIX::Message& msg,
                                                           const ExchangeConfig& config,
                                                           MemberId member, uint32_t session) {
  ReplaceOrderCommand cmd;
  cmd.session = session;
  cmd.member = member;
  if (auto reject = ParseOrderReference(msg, config, cmd)) return *reject;
  if (!ParseSide(msg, &cmd.side)) return BadSide();
  if (msg.isSetField(kNoReceiptsTag) || msg.groupCount(kNoReceiptsTag) > 0) {
    // The dictionary already refuses the group on G; this guards a session without it.
    return Reject(RejectReason::kUnsupportedOrderType,
                  "a replace cannot name receipts (NoReceipts(20010)): cancel and enter a new order");
  }
  if (FieldOr(msg, FIX::FIELD::OrdType) != "2") {
    return Reject(RejectReason::kUnsupportedOrderType, "only limit orders can be replaced");
  }
  absl::StatusOr<Quantity> qty = ParseQuantity(FieldOr(msg, FIX::FIELD::OrderQty));
  if (!qty.ok()) return Reject(RejectReason::kInvalidQuantity, "OrderQty(38) must be a whole number");
  cmd.quantity = *qty;
  absl::StatusOr<Price> price = ParsePrice(FieldOr(msg, FIX::FIELD::Price));
  if (!price.ok()) {
    return Reject(RejectReason::kInvalidPrice, "Price(44) must be a decimal with at most 2 places");
  }
  cmd.price = *price;
  return cmd;
}

std::variant<MassCancelCommand, EdgeReject> ParseMassCancel(const FIX::Message& msg,
                                                            const ExchangeConfig& config,
                                                            MemberId member, uint32_t session) {
  MassCancelCommand cmd;
  cmd.session = session;
  cmd.member = member;
  if (!cmd.cl_ord_id.Assign(FieldOr(msg, FIX::FIELD::ClOrdID)) || cmd.cl_ord_id.empty()) {
    return Reject(RejectReason::kInvalidClOrdId);
  }
  const std::string type = FieldOr(msg, FIX::FIELD::MassCancelRequestType);
  if (type == "1") {
    const InstrumentConfig* instrument = config.FindInstrument(FieldOr(msg, FIX::FIELD::Symbol));
    if (instrument == nullptr) return Reject(RejectReason::kUnknownInstrument);
    cmd.instrument = instrument->id;
  } else if (type != "7") {
    return Reject(RejectReason::kUnsupportedOrderType,
                  "MassCancelRequestType(530) must be 1 (by security) or 7 (all orders)");
  }
  if (msg.isSetField(FIX::FIELD::Side)) {
    if (!ParseSide(msg, &cmd.side)) return BadSide();
    cmd.any_side = false;
  }
  return cmd;
}

std::variant<CancelOrderCommand, EdgeReject> ParseCancel(const FIX::Message& msg,
                                                         const ExchangeConfig& config,
                                                         MemberId member, uint32_t session) {
  CancelOrderCommand cmd;
  cmd.session = session;
  cmd.member = member;
  if (auto reject = ParseOrderReference(msg, config, cmd)) return *reject;
  if (!ParseSide(msg, &cmd.side)) return BadSide();
  return cmd;
}

FIX44::ExecutionReport EdgeRejectReport(const FIX::Message& order, const EdgeReject& reject,
                                        const std::string& exec_id) {
  FIX44::ExecutionReport er;
  er.setField(FIX::OrderID("NONE"));
  er.setField(FIX::ExecID(exec_id));
  er.setField(FIX::ExecType(FIX::ExecType_REJECTED));
  er.setField(FIX::OrdStatus(FIX::OrdStatus_REJECTED));
  er.setField(FIX::ClOrdID(FieldOr(order, FIX::FIELD::ClOrdID, "NONE")));
  er.setField(FIX::Symbol(FieldOr(order, FIX::FIELD::Symbol, "NONE")));
  const std::string side = FieldOr(order, FIX::FIELD::Side, "1");
  er.setField(FIX::Side(side == "2" ? FIX::Side_SELL : FIX::Side_BUY));
  er.setField(FIX::FIELD::LeavesQty, "0");
  er.setField(FIX::FIELD::CumQty, "0");
  er.setField(FIX::FIELD::AvgPx, "0");
  er.setField(FIX::OrdRejReason(OrdRejReasonFor(reject.reason)));
  er.setField(FIX::Text(absl::StrCat(RejectReasonCode(reject.reason), ": ", reject.text)));
  er.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(reject.reason)));
  return er;
}

FIX44::OrderCancelReject EdgeCancelReject(const FIX::Message& cancel, const EdgeReject& reject) {
  CancelRejected r;
  r.cl_ord_id.Assign(FieldOr(cancel, FIX::FIELD::ClOrdID).substr(0, ClOrdId::kCapacity));
  r.orig_cl_ord_id.Assign(FieldOr(cancel, FIX::FIELD::OrigClOrdID).substr(0, ClOrdId::kCapacity));
  r.reason = reject.reason;
  FIX44::OrderCancelReject msg = CancelRejectMessage(r);
  msg.setField(FIX::Text(absl::StrCat(RejectReasonCode(reject.reason), ": ", reject.text)));
  return msg;
}

void FillOrderReport(FIX::Message& er, const OrderView& order, const InstrumentConfig& instrument,
                     char exec_type, const std::string& exec_id, Timestamp time) {
  for (const int tag : {FIX::FIELD::Price, FIX::FIELD::LastPx, FIX::FIELD::LastQty, FIX::FIELD::TrdMatchID,
                        FIX::FIELD::OrigClOrdID}) {
    er.removeField(tag);
  }
  er.setField(FIX::ExecID(exec_id));
  er.setField(FIX::ExecType(exec_type));
  SetOrderFields(er, order, instrument);
  er.setField(FIX::OrdStatus(OrdStatusFor(order)));
  er.setField(FIX::FIELD::TransactTime, UtcTimestamp(time));
}

FIX44::ExecutionReport OrderReport(const OrderView& order, const InstrumentConfig& instrument,
                                   char exec_type, const std::string& exec_id, Timestamp time) {
  FIX44::ExecutionReport er;
  FillOrderReport(er, order, instrument, exec_type, exec_id, time);
  return er;
}

FIX44::ExecutionReport RejectReport(const OrderRejected& reject, const InstrumentConfig* instrument,
                                    const std::string& exec_id, Timestamp time) {
  FIX44::ExecutionReport er;
  er.setField(FIX::OrderID("NONE"));
  er.setField(FIX::ExecID(exec_id));
  er.setField(FIX::ExecType(FIX::ExecType_REJECTED));
  er.setField(FIX::OrdStatus(FIX::OrdStatus_REJECTED));
  er.setField(FIX::ClOrdID(std::string(reject.cl_ord_id.view())));
  er.setField(FIX::Symbol(instrument != nullptr ? instrument->symbol : "NONE"));
  er.setField(FIX::Side(SideChar(reject.side)));
  if (reject.price.is_positive()) er.setField(FIX::FIELD::Price, FormatPrice(reject.price));
  er.setField(FIX::FIELD::OrderQty, absl::StrCat(reject.quantity.raw()));
  er.setField(FIX::FIELD::LeavesQty, "0");
  er.setField(FIX::FIELD::CumQty, "0");
  er.setField(FIX::FIELD::AvgPx, "0");
  er.setField(FIX::OrdRejReason(OrdRejReasonFor(reject.reason)));
  er.setField(FIX::Text(RejectText(reject)));
  er.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(reject.reason)));
  er.setField(FIX::FIELD::TransactTime, UtcTimestamp(time));
  return er;
}

std::string RejectText(const OrderRejected& reject) {
  std::string text = RejectText(reject.reason);
  if (reject.reason == RejectReason::kPriceOutsideBand && reject.band_high.is_positive()) {
    absl::StrAppend(&text, " [", FormatPrice(reject.band_low), ", ", FormatPrice(reject.band_high), "]");
  }
  return text;
}

FIX44::ExecutionReport ReplacedReport(const OrderReplaced& replaced, const InstrumentConfig& instrument,
                                      const std::string& exec_id, Timestamp time) {
  FIX44::ExecutionReport er = OrderReport(replaced.order, instrument, FIX::ExecType_REPLACED, exec_id, time);
  er.setField(FIX::ClOrdID(std::string(replaced.request_cl_ord_id.view())));
  er.setField(FIX::OrigClOrdID(std::string(replaced.orig_cl_ord_id.view())));
  return er;
}

FIX44::OrderMassCancelReport MassCancelReport(const MassCancelDone& done, const std::string& report_id) {
  FIX44::OrderMassCancelReport r;
  r.setField(FIX::ClOrdID(std::string(done.cl_ord_id.view())));
  r.setField(FIX::OrderID(report_id));
  const char type = done.instrument.valid() ? FIX::MassCancelRequestType_CANCEL_ORDERS_FOR_A_SECURITY
                                            : FIX::MassCancelRequestType_CANCEL_ALL_ORDERS;
  r.setField(FIX::MassCancelRequestType(type));
  if (done.reason != RejectReason::kNone) {
    r.setField(FIX::MassCancelResponse(FIX::MassCancelResponse_CANCEL_REQUEST_REJECTED));
    r.setField(FIX::FIELD::MassCancelRejectReason, "99");
    r.setField(FIX::Text(RejectText(done.reason)));
    r.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(done.reason)));
  } else {
    r.setField(FIX::MassCancelResponse(type));
  }
  r.setField(FIX::TotalAffectedOrders(static_cast<int>(done.cancelled)));
  return r;
}

void FillTradeReport(FIX::Message& er, const TradeEvent& trade, const OrderView& order,
                     const InstrumentConfig& instrument, const std::string& exec_id) {
  FillOrderReport(er, order, instrument, FIX::ExecType_TRADE, exec_id, trade.time);
  er.setField(FIX::FIELD::LastPx, FormatPrice(trade.price));
  er.setField(FIX::FIELD::LastQty, absl::StrCat(trade.quantity.raw()));
  er.setField(FIX::TrdMatchID(absl::StrCat(trade.trade_id.value())));
}

FIX44::ExecutionReport TradeReport(const TradeEvent& trade, const OrderView& order,
                                   const InstrumentConfig& instrument, const std::string& exec_id) {
  FIX44::ExecutionReport er;
  FillTradeReport(er, trade, order, instrument, exec_id);
  return er;
}

FIX44::OrderCancelReject CancelRejectMessage(const CancelRejected& reject) {
  FIX44::OrderCancelReject msg;
  msg.setField(FIX::OrderID("NONE"));
  msg.setField(FIX::ClOrdID(std::string(reject.cl_ord_id.view())));
  msg.setField(FIX::OrigClOrdID(std::string(reject.orig_cl_ord_id.view())));
  msg.setField(FIX::OrdStatus(reject.reason == RejectReason::kTooLateToCancel
                                  ? FIX::OrdStatus_FILLED
                                  : FIX::OrdStatus_REJECTED));
  msg.setField(FIX::CxlRejResponseTo(reject.for_replace
                                          ? FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST
                                          : FIX::CxlRejResponseTo_ORDER_CANCEL_REQUEST));
  int cxl_reason = FIX::CxlRejReason_OTHER;
  if (reject.reason == RejectReason::kUnknownOrder) cxl_reason = FIX::CxlRejReason_UNKNOWN_ORDER;
  if (reject.reason == RejectReason::kTooLateToCancel) cxl_reason = FIX::CxlRejReason_TOO_LATE_TO_CANCEL;
  if (reject.reason == RejectReason::kDuplicateClOrdId) {
    cxl_reason = FIX::CxlRejReason_DUPLICATE_CLORDID_RECEIVED;
  }
  msg.setField(FIX::CxlRejReason(cxl_reason));
  msg.setField(FIX::Text(RejectText(reject.reason)));
  msg.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(reject.reason)));
  return msg;
}

}  // namespace dazong::fix_gateway
