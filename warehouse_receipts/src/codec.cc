#include "dazong/warehouse_receipts/codec.h"

#include "dazong/common/byte_codec.h"

#include "absl/strings/str_cat.h"

#include "sha256.h"

#include <charconv>
#include <limits>
#include <optional>
#include <type_traits>

namespace dazong::receipts {
namespace {

enum RecordType : uint8_t {
  kReceiptRecord = 1,
  kAccountRecord = 2,
  kStockRecord = 3,
  kOrderRecord = 4,
  kMetaRecord = 5,
  kTradeRecord = 6,
  kEventRecord = 7,
  kHistoryRecord = 8,
  kCommandRecord = 9,
  kHistoryBlock = 11,
};

uint8_t VersionOf(uint8_t type);

// The ledger's record layout: integers wider than a byte as LEB128 varints (signed ones
// zigzag-encoded), so small ids, counts, lengths and amounts take one to three bytes; times as
// fixed 8 bytes (Fixed64: a nanosecond clock would take 9 as a varint); digests as 32 raw
// bytes; strings and vectors as a varint length then the bytes / elements.
class Writer : public BasicByteWriter<IntLayout::kVarint> {
 public:
  using BasicByteWriter::BasicByteWriter;
  void Fixed64(int64_t value) { Fixed<int64_t>(value); }
  void Digest(const Hash& h) { Raw(HashBytes(h)); }
  template <typename T, typename F>
  void Vec(const std::vector<T>& v, F&& put) {
    Int<uint32_t>(static_cast<uint32_t>(v.size()));
    for (const T& x : v) put(*this, x);
  }
};

class Reader : public BasicByteReader<IntLayout::kVarint> {
 public:
  using BasicByteReader::BasicByteReader;
  int64_t Fixed64() { return Fixed<int64_t>(); }
  Hash Digest() {
    Hash h{};
    const std::string_view bytes = Raw(h.size());
    for (size_t i = 0; i < bytes.size(); ++i) h[i] = static_cast<uint8_t>(bytes[i]);
    return h;
  }
  template <typename T, typename F>
  std::vector<T> Vec(F&& get) {
    const uint32_t n = Int<uint32_t>();
    std::vector<T> v;
    if (!ok() || n > remaining()) {  // every element takes at least one byte
      Fail();
      return v;
    }
    v.reserve(n);
    for (uint32_t i = 0; i < n && ok(); ++i) v.push_back(get(*this));
    return v;
  }
  bool Header(uint8_t type) {
    const uint8_t version = Int<uint8_t>();
    const uint8_t t = Int<uint8_t>();
    if (version != VersionOf(type) || t != type) Fail();
    return ok();
  }
};

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError("corrupt ledger record: " + std::string(what));
}

template <typename T>
absl::StatusOr<T> Finish(const Reader& r, T value, std::string_view what) {
  if (!r.ok()) return Corrupt(std::string(what) + " truncated or malformed");
  if (!r.done()) return Corrupt(std::string(what) + " has trailing bytes");
  return value;
}

uint8_t VersionOf(uint8_t type) {
  return type == kEventRecord || type == kHistoryRecord || type == kHistoryBlock
             ? kLedgerEventFormatVersion
             : kLedgerFormatVersion;
}

void Head(Writer& w, uint8_t type) {
  w.Int<uint8_t>(VersionOf(type));
  w.Int<uint8_t>(type);
}

// ---- field groups -------------------------------------------------------------------------

void PutPrincipal(Writer& w, const Principal& p) {
  w.Enum(p.kind);
  w.Str(p.code);
}
Principal GetPrincipal(Reader& r) {
  Principal p;
  p.kind = r.Enum(PrincipalKind::kMember, PrincipalKind::kExchange);
  p.code = r.Str();
  return p;
}

void PutEncumbrance(Writer& w, const Encumbrance& e) {
  w.Enum(e.kind);
  w.Str(e.bank);
  w.Str(e.reference);
}
Encumbrance GetEncumbrance(Reader& r) {
  Encumbrance e;
  e.kind = r.Enum(EncumbranceKind::kNone, EncumbranceKind::kFrozenForDelivery);
  e.bank = r.Str();
  e.reference = r.Str();
  return e;
}

void PutHold(Writer& w, const SaleHold& h) {
  w.Ident(h.order);
  w.Amt(h.quantity);
}
SaleHold GetHold(Reader& r) {
  SaleHold h;
  h.order = r.Ident<OrderId>();
  h.quantity = r.Amt<Quantity>();
  return h;
}

void PutString(Writer& w, const std::string& s) { w.Str(s); }
std::string GetString(Reader& r) { return r.Str(); }
void PutReceiptId(Writer& w, const ReceiptId& id) { w.Ident(id); }
ReceiptId GetReceiptId(Reader& r) { return r.Ident<ReceiptId>(); }

void PutElements(Writer& w, const ReceiptElements& e) {
  w.Str(e.depositor);
  w.Str(e.commodity);
  w.Str(e.grade);
  w.Str(e.brand);
  w.Str(e.packaging);
  w.Str(e.unit);
  w.Amt(e.quantity);
  w.Vec(e.lots, PutString);
  w.Str(e.storage_location);
  w.Str(e.inspection_certificate);
  w.Fixed64(e.expiry);
  w.Str(e.storage_fee_terms);
  w.Str(e.insurance);
}
ReceiptElements GetElements(Reader& r) {
  ReceiptElements e;
  e.depositor = r.Str();
  e.commodity = r.Str();
  e.grade = r.Str();
  e.brand = r.Str();
  e.packaging = r.Str();
  e.unit = r.Str();
  e.quantity = r.Amt<Quantity>();
  e.lots = r.Vec<std::string>(GetString);
  e.storage_location = r.Str();
  e.inspection_certificate = r.Str();
  e.expiry = r.Fixed64();
  e.storage_fee_terms = r.Str();
  e.insurance = r.Str();
  return e;
}

void PutReceipt(Writer& w, const Receipt& x) {
  w.Ident(x.id);
  w.Str(x.number);
  w.Int<uint64_t>(x.serial);
  w.Ident(x.warehouse);
  w.Str(x.warehouse_code);
  w.Str(x.licence);
  w.Fixed64(x.issued);
  PutElements(w, x.elements);
  w.Vec(x.lot_refs, [](Writer& ww, const LotRef& l) {
    ww.Str(l.lot);
    ww.Ident(l.origin);
  });
  w.Enum(x.origin);
  w.Enum(x.status);
  w.Str(x.status_reason);
  PutPrincipal(w, x.holder);
  PutEncumbrance(w, x.encumbrance);
  w.Vec(x.holds, PutHold);
  w.Str(x.pending_pledgee);
  w.Vec(x.parents, PutReceiptId);
  w.Vec(x.children, PutReceiptId);
  w.Int<uint64_t>(x.version);
  w.Digest(x.history_hash);
}
Receipt GetReceipt(Reader& r) {
  Receipt x;
  x.id = r.Ident<ReceiptId>();
  x.number = r.Str();
  x.serial = r.Int<uint64_t>();
  x.warehouse = r.Ident<WarehouseId>();
  x.warehouse_code = r.Str();
  x.licence = r.Str();
  x.issued = r.Fixed64();
  x.elements = GetElements(r);
  x.lot_refs = r.Vec<LotRef>([](Reader& rr) {
    LotRef l;
    l.lot = rr.Str();
    l.origin = rr.Ident<ReceiptId>();
    return l;
  });
  x.origin = r.Enum(ReceiptOrigin::kRegistered, ReceiptOrigin::kReissued);
  x.status = r.Enum(ReceiptStatus::kActive, ReceiptStatus::kVoided);
  x.status_reason = r.Str();
  x.holder = GetPrincipal(r);
  x.encumbrance = GetEncumbrance(r);
  x.holds = r.Vec<SaleHold>(GetHold);
  x.pending_pledgee = r.Str();
  x.parents = r.Vec<ReceiptId>(GetReceiptId);
  x.children = r.Vec<ReceiptId>(GetReceiptId);
  x.version = r.Int<uint64_t>();
  x.history_hash = r.Digest();
  return x;
}

void PutStockKey(Writer& w, const StockKey& k) {
  w.Ident(k.warehouse);
  w.Str(k.commodity);
  w.Str(k.grade);
}
StockKey GetStockKey(Reader& r) {
  StockKey k;
  k.warehouse = r.Ident<WarehouseId>();
  k.commodity = r.Str();
  k.grade = r.Str();
  return k;
}

void PutOrder(Writer& w, const OrderReservation& o) {
  w.Ident(o.order);
  w.Ident(o.member);
  w.Ident(o.instrument);
  w.Enum(o.side);
  w.Amt(o.reserve_price);
  w.Amt(o.leaves);
  w.Amt(o.cash);
  w.Vec(o.receipts, [](Writer& ww, const ReceiptPortion& p) {
    ww.Ident(p.receipt);
    ww.Amt(p.quantity);
  });
}
OrderReservation GetOrder(Reader& r) {
  OrderReservation o;
  o.order = r.Ident<OrderId>();
  o.member = r.Ident<MemberId>();
  o.instrument = r.Ident<InstrumentId>();
  o.side = r.Enum(Side::kBuy, Side::kSell);
  o.reserve_price = r.Amt<Price>();
  o.leaves = r.Amt<Quantity>();
  o.cash = r.Amt<Money>();
  o.receipts = r.Vec<ReceiptPortion>([](Reader& rr) {
    ReceiptPortion p;
    p.receipt = rr.Ident<ReceiptId>();
    p.quantity = rr.Amt<Quantity>();
    return p;
  });
  return o;
}

// ---- events -------------------------------------------------------------------------------

struct BodyWriter {
  Writer& w;
  void operator()(const StockReported& e) {
    PutStockKey(w, e.key);
    w.Amt(e.quantity);
  }
  void operator()(const ReceiptIssued& e) { PutReceipt(w, e.receipt); }
  void operator()(const ReceiptCancelled& e) {
    w.Ident(e.receipt);
    w.Enum(e.cause);
  }
  void operator()(const ReceiptSplit& e) {
    w.Ident(e.parent);
    w.Vec(e.children, [](Writer& ww, const SplitChild& c) {
      ww.Ident(c.id);
      ww.Amt(c.quantity);
      ww.Vec(c.holds, PutHold);
    });
  }
  void operator()(const ReceiptsMerged& e) {
    w.Vec(e.parents, PutReceiptId);
    w.Ident(e.child);
  }
  void operator()(const HolderChanged& e) {
    w.Ident(e.receipt);
    PutPrincipal(w, e.from);
    PutPrincipal(w, e.to);
    w.Enum(e.cause);
    w.Ident(e.trade);
    w.Ident(e.order);
  }
  void operator()(const PledgeRequested& e) {
    w.Ident(e.receipt);
    w.Str(e.bank);
  }
  void operator()(const PledgeRequestCleared& e) {
    w.Ident(e.receipt);
    w.Str(e.bank);
  }
  void operator()(const EncumbranceChanged& e) {
    w.Ident(e.receipt);
    PutEncumbrance(w, e.from);
    PutEncumbrance(w, e.to);
    w.Enum(e.cause);
  }
  void operator()(const StatusChanged& e) {
    w.Ident(e.receipt);
    w.Enum(e.from);
    w.Enum(e.to);
  }
  void operator()(const CashDeposited& e) {
    w.Ident(e.member);
    w.Amt(e.amount);
  }
  void operator()(const CashWithdrawn& e) {
    w.Ident(e.member);
    w.Amt(e.amount);
  }
  void operator()(const OrderOpened& e) {
    w.Ident(e.order);
    w.Ident(e.member);
    w.Ident(e.instrument);
    w.Enum(e.side);
    w.Amt(e.reserve_price);
    w.Amt(e.leaves);
    w.Amt(e.cash);
  }
  void operator()(const OrderResized& e) {
    w.Ident(e.order);
    w.Amt(e.reserve_price);
    w.Amt(e.leaves);
  }
  void operator()(const OrderClosed& e) { w.Ident(e.order); }
  void operator()(const CashReserved& e) {
    w.Ident(e.order);
    w.Ident(e.member);
    w.Amt(e.amount);
  }
  void operator()(const CashReleased& e) {
    w.Ident(e.order);
    w.Ident(e.member);
    w.Amt(e.amount);
  }
  void operator()(const HoldPlaced& e) {
    w.Ident(e.receipt);
    w.Ident(e.order);
    w.Amt(e.quantity);
  }
  void operator()(const HoldReleased& e) {
    w.Ident(e.receipt);
    w.Ident(e.order);
    w.Amt(e.quantity);
  }
  void operator()(const TradeSettled& e) {
    w.Ident(e.trade);
    w.Ident(e.instrument);
    w.Ident(e.buy_order);
    w.Ident(e.sell_order);
    w.Ident(e.buyer);
    w.Ident(e.seller);
    w.Amt(e.price);
    w.Amt(e.quantity);
    w.Amt(e.notional);
    w.Amt(e.buyer_fee);
    w.Amt(e.seller_fee);
    w.Amt(e.buyer_released);
  }
  void operator()(const Rejected& e) {
    w.Enum(e.reason);
    w.Str(e.text);
    w.Str(e.command);
  }
};

EventBody GetBody(Reader& r, uint8_t tag) {
  switch (tag) {
    case 0: {
      StockReported e;
      e.key = GetStockKey(r);
      e.quantity = r.Amt<Quantity>();
      return e;
    }
    case 1: return ReceiptIssued{GetReceipt(r)};
    case 2: {
      ReceiptCancelled e;
      e.receipt = r.Ident<ReceiptId>();
      e.cause = r.Enum(CancelCause::kLoadOut, CancelCause::kCorrection);
      return e;
    }
    case 3: {
      ReceiptSplit e;
      e.parent = r.Ident<ReceiptId>();
      e.children = r.Vec<SplitChild>([](Reader& rr) {
        SplitChild c;
        c.id = rr.Ident<ReceiptId>();
        c.quantity = rr.Amt<Quantity>();
        c.holds = rr.Vec<SaleHold>(GetHold);
        return c;
      });
      return e;
    }
    case 4: {
      ReceiptsMerged e;
      e.parents = r.Vec<ReceiptId>(GetReceiptId);
      e.child = r.Ident<ReceiptId>();
      return e;
    }
    case 5: {
      HolderChanged e;
      e.receipt = r.Ident<ReceiptId>();
      e.from = GetPrincipal(r);
      e.to = GetPrincipal(r);
      e.cause = r.Enum(HolderCause::kTransfer, HolderCause::kSettlement);
      e.trade = r.Ident<TradeId>();
      e.order = r.Ident<OrderId>();
      return e;
    }
    case 6: {
      PledgeRequested e;
      e.receipt = r.Ident<ReceiptId>();
      e.bank = r.Str();
      return e;
    }
    case 7: {
      PledgeRequestCleared e;
      e.receipt = r.Ident<ReceiptId>();
      e.bank = r.Str();
      return e;
    }
    case 8: {
      EncumbranceChanged e;
      e.receipt = r.Ident<ReceiptId>();
      e.from = GetEncumbrance(r);
      e.to = GetEncumbrance(r);
      e.cause = r.Enum(EncumbranceCause::kPledgeAccepted, EncumbranceCause::kUnfrozen);
      return e;
    }
    case 9: {
      StatusChanged e;
      e.receipt = r.Ident<ReceiptId>();
      e.from = r.Enum(ReceiptStatus::kActive, ReceiptStatus::kVoided);
      e.to = r.Enum(ReceiptStatus::kActive, ReceiptStatus::kVoided);
      return e;
    }
    case 10: {
      CashDeposited e;
      e.member = r.Ident<MemberId>();
      e.amount = r.Amt<Money>();
      return e;
    }
    case 11: {
      CashWithdrawn e;
      e.member = r.Ident<MemberId>();
      e.amount = r.Amt<Money>();
      return e;
    }
    case 12: {
      OrderOpened e;
      e.order = r.Ident<OrderId>();
      e.member = r.Ident<MemberId>();
      e.instrument = r.Ident<InstrumentId>();
      e.side = r.Enum(Side::kBuy, Side::kSell);
      e.reserve_price = r.Amt<Price>();
      e.leaves = r.Amt<Quantity>();
      e.cash = r.Amt<Money>();
      return e;
    }
    case 13: {
      OrderResized e;
      e.order = r.Ident<OrderId>();
      e.reserve_price = r.Amt<Price>();
      e.leaves = r.Amt<Quantity>();
      return e;
    }
    case 14: return OrderClosed{r.Ident<OrderId>()};
    case 15: {
      CashReserved e;
      e.order = r.Ident<OrderId>();
      e.member = r.Ident<MemberId>();
      e.amount = r.Amt<Money>();
      return e;
    }
    case 16: {
      CashReleased e;
      e.order = r.Ident<OrderId>();
      e.member = r.Ident<MemberId>();
      e.amount = r.Amt<Money>();
      return e;
    }
    case 17: {
      HoldPlaced e;
      e.receipt = r.Ident<ReceiptId>();
      e.order = r.Ident<OrderId>();
      e.quantity = r.Amt<Quantity>();
      return e;
    }
    case 18: {
      HoldReleased e;
      e.receipt = r.Ident<ReceiptId>();
      e.order = r.Ident<OrderId>();
      e.quantity = r.Amt<Quantity>();
      return e;
    }
    case 19: {
      TradeSettled e;
      e.trade = r.Ident<TradeId>();
      e.instrument = r.Ident<InstrumentId>();
      e.buy_order = r.Ident<OrderId>();
      e.sell_order = r.Ident<OrderId>();
      e.buyer = r.Ident<MemberId>();
      e.seller = r.Ident<MemberId>();
      e.price = r.Amt<Price>();
      e.quantity = r.Amt<Quantity>();
      e.notional = r.Amt<Money>();
      e.buyer_fee = r.Amt<Money>();
      e.seller_fee = r.Amt<Money>();
      e.buyer_released = r.Amt<Money>();
      return e;
    }
    case 20: {
      Rejected e;
      e.reason = r.Enum(LedgerReason::kNone, kLastLedgerReason);
      e.text = r.Str();
      e.command = r.Str();
      return e;
    }
    default:
      r.Fail();
      return Rejected{};
  }
}
static_assert(std::variant_size_v<EventBody> == 21, "update GetBody for new events");

// The exchange's own events (reservations and settlement) say why with the order or trade
// id their body already carries ("order 12", "trade 7"): such a `why` is stored as a one-byte
// kind and rebuilt on decoding, byte for byte. Any other text is stored as it is.
enum WhyKind : uint8_t { kWhyText = 0, kWhyOrder = 1, kWhyTrade = 2 };

std::optional<uint64_t> BodyOrder(const EventBody& body) {
  if (const auto* e = std::get_if<OrderOpened>(&body)) return e->order.value();
  if (const auto* e = std::get_if<OrderResized>(&body)) return e->order.value();
  if (const auto* e = std::get_if<OrderClosed>(&body)) return e->order.value();
  if (const auto* e = std::get_if<CashReserved>(&body)) return e->order.value();
  if (const auto* e = std::get_if<CashReleased>(&body)) return e->order.value();
  if (const auto* e = std::get_if<HoldPlaced>(&body)) return e->order.value();
  if (const auto* e = std::get_if<HoldReleased>(&body)) return e->order.value();
  return std::nullopt;
}
std::optional<uint64_t> BodyTrade(const EventBody& body) {
  if (const auto* e = std::get_if<HolderChanged>(&body)) {
    if (e->cause == HolderCause::kSettlement) return e->trade.value();
    return std::nullopt;
  }
  if (const auto* e = std::get_if<TradeSettled>(&body)) return e->trade.value();
  return std::nullopt;
}
// `why` == prefix + the decimal id, exactly.
bool IsIdWhy(std::string_view why, std::string_view prefix, std::optional<uint64_t> id) {
  if (!id.has_value() || why.size() <= prefix.size() || why.substr(0, prefix.size()) != prefix) {
    return false;
  }
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), *id);
  return ec == std::errc() && why.substr(prefix.size()) == std::string_view(digits, end - digits);
}

void PutEvent(Writer& w, const LedgerEvent& e) {
  w.Ident(e.seq);
  w.Fixed64(e.time);
  PutPrincipal(w, e.actor);
  if (IsIdWhy(e.why, "order ", BodyOrder(e.body))) {
    w.Int<uint8_t>(kWhyOrder);
  } else if (IsIdWhy(e.why, "trade ", BodyTrade(e.body))) {
    w.Int<uint8_t>(kWhyTrade);
  } else {
    w.Int<uint8_t>(kWhyText);
    w.Str(e.why);
  }
  w.Int<uint8_t>(static_cast<uint8_t>(e.body.index()));
  std::visit(BodyWriter{w}, e.body);
}
LedgerEvent GetEvent(Reader& r) {
  LedgerEvent e;
  e.seq = r.Ident<SeqNo>();
  e.time = r.Fixed64();
  e.actor = GetPrincipal(r);
  const uint8_t why_kind = r.Int<uint8_t>();
  if (why_kind == kWhyText) {
    e.why = r.Str();
  } else if (why_kind != kWhyOrder && why_kind != kWhyTrade) {
    r.Fail();
  }
  const uint8_t tag = r.Int<uint8_t>();
  if (r.ok()) e.body = GetBody(r, tag);
  if (r.ok() && why_kind != kWhyText) {
    const std::optional<uint64_t> id =
        why_kind == kWhyOrder ? BodyOrder(e.body) : BodyTrade(e.body);
    if (!id.has_value()) {
      r.Fail();
    } else {
      e.why = absl::StrCat(why_kind == kWhyOrder ? "order " : "trade ", *id);
    }
  }
  return e;
}

// ---- commands -----------------------------------------------------------------------------

struct CommandWriter {
  Writer& w;
  void operator()(const ReportStock& c) {
    w.Str(c.commodity);
    w.Str(c.grade);
    w.Amt(c.quantity);
  }
  void operator()(const RegisterReceipt& c) {
    w.Int<uint64_t>(c.serial);
    w.Str(c.holder);
    PutElements(w, c.elements);
  }
  void operator()(const TransferReceipt& c) {
    w.Ident(c.receipt);
    PutPrincipal(w, c.to);
  }
  void operator()(const SplitReceipt& c) {
    w.Ident(c.receipt);
    w.Vec(c.quantities, [](Writer& ww, const Quantity& q) { ww.Amt(q); });
  }
  void operator()(const MergeReceipts& c) { w.Vec(c.receipts, PutReceiptId); }
  void operator()(const RequestPledge& c) {
    w.Ident(c.receipt);
    w.Str(c.bank);
  }
  void operator()(const AcceptPledge& c) { w.Ident(c.receipt); }
  void operator()(const DeclinePledge& c) { w.Ident(c.receipt); }
  void operator()(const ReleasePledge& c) { w.Ident(c.receipt); }
  void operator()(const EnforcePledge& c) {
    w.Ident(c.receipt);
    w.Str(c.reason);
  }
  void operator()(const FreezeReceipt& c) {
    w.Ident(c.receipt);
    w.Str(c.reference);
    w.Str(c.reason);
  }
  void operator()(const UnfreezeReceipt& c) {
    w.Ident(c.receipt);
    w.Str(c.reason);
  }
  void operator()(const RequestLoadOut& c) { w.Ident(c.receipt); }
  void operator()(const ConfirmLoadOut& c) { w.Ident(c.receipt); }
  void operator()(const CorrectReceipt& c) {
    w.Ident(c.receipt);
    w.Int<uint64_t>(c.new_serial);
    PutElements(w, c.elements);
    w.Str(c.reason);
  }
  void operator()(const ExpireReceipts&) {}
  void operator()(const Deposit& c) {
    w.Str(c.member);
    w.Amt(c.amount);
    w.Str(c.reference);
  }
  void operator()(const Withdraw& c) {
    w.Str(c.member);
    w.Amt(c.amount);
    w.Str(c.reference);
  }
};

LedgerCommand GetCommand(Reader& r, uint8_t tag, Principal actor) {
  switch (tag) {
    case 0: {
      ReportStock c{actor, r.Str(), "", Quantity()};
      c.grade = r.Str();
      c.quantity = r.Amt<Quantity>();
      return c;
    }
    case 1: {
      RegisterReceipt c{actor, r.Int<uint64_t>(), "", {}};
      c.holder = r.Str();
      c.elements = GetElements(r);
      return c;
    }
    case 2: {
      TransferReceipt c{actor, r.Ident<ReceiptId>(), {}};
      c.to = GetPrincipal(r);
      return c;
    }
    case 3: {
      SplitReceipt c{actor, r.Ident<ReceiptId>(), {}};
      c.quantities = r.Vec<Quantity>([](Reader& rr) { return rr.Amt<Quantity>(); });
      return c;
    }
    case 4: return MergeReceipts{actor, r.Vec<ReceiptId>(GetReceiptId)};
    case 5: {
      RequestPledge c{actor, r.Ident<ReceiptId>(), ""};
      c.bank = r.Str();
      return c;
    }
    case 6: return AcceptPledge{actor, r.Ident<ReceiptId>()};
    case 7: return DeclinePledge{actor, r.Ident<ReceiptId>()};
    case 8: return ReleasePledge{actor, r.Ident<ReceiptId>()};
    case 9: {
      EnforcePledge c{actor, r.Ident<ReceiptId>(), ""};
      c.reason = r.Str();
      return c;
    }
    case 10: {
      FreezeReceipt c{actor, r.Ident<ReceiptId>(), "", ""};
      c.reference = r.Str();
      c.reason = r.Str();
      return c;
    }
    case 11: {
      UnfreezeReceipt c{actor, r.Ident<ReceiptId>(), ""};
      c.reason = r.Str();
      return c;
    }
    case 12: return RequestLoadOut{actor, r.Ident<ReceiptId>()};
    case 13: return ConfirmLoadOut{actor, r.Ident<ReceiptId>()};
    case 14: {
      CorrectReceipt c{actor, r.Ident<ReceiptId>(), 0, {}, ""};
      c.new_serial = r.Int<uint64_t>();
      c.elements = GetElements(r);
      c.reason = r.Str();
      return c;
    }
    case 15: return ExpireReceipts{actor};
    case 16: {
      Deposit c{actor, r.Str(), Money(), ""};
      c.amount = r.Amt<Money>();
      c.reference = r.Str();
      return c;
    }
    case 17: {
      Withdraw c{actor, r.Str(), Money(), ""};
      c.amount = r.Amt<Money>();
      c.reference = r.Str();
      return c;
    }
    default:
      r.Fail();
      return ExpireReceipts{actor};
  }
}
static_assert(std::variant_size_v<LedgerCommand> == 18, "update GetCommand for new commands");

}  // namespace

void EncodeLedgerCommand(const LedgerCommand& command, std::string& out) {
  Writer w(out);
  Head(w, kCommandRecord);
  PutPrincipal(w, CommandActor(command));
  w.Int<uint8_t>(static_cast<uint8_t>(command.index()));
  std::visit(CommandWriter{w}, command);
}
absl::StatusOr<LedgerCommand> DecodeLedgerCommand(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kCommandRecord)) return Corrupt("command header");
  Principal actor = GetPrincipal(r);
  const uint8_t tag = r.Int<uint8_t>();
  if (!r.ok()) return Corrupt("command truncated");
  LedgerCommand c = GetCommand(r, tag, std::move(actor));
  return Finish(r, std::move(c), "command");
}

void EncodeReceipt(const Receipt& receipt, std::string& out) {
  Writer w(out);
  Head(w, kReceiptRecord);
  PutReceipt(w, receipt);
}
absl::StatusOr<Receipt> DecodeReceipt(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kReceiptRecord)) return Corrupt("receipt header");
  Receipt x = GetReceipt(r);
  return Finish(r, std::move(x), "receipt");
}

void EncodeAccount(const AccountRecord& account, std::string& out) {
  Writer w(out);
  Head(w, kAccountRecord);
  w.Ident(account.member);
  w.Amt(account.account.available);
  w.Amt(account.account.reserved);
}
absl::StatusOr<AccountRecord> DecodeAccount(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kAccountRecord)) return Corrupt("account header");
  AccountRecord a;
  a.member = r.Ident<MemberId>();
  a.account.available = r.Amt<Money>();
  a.account.reserved = r.Amt<Money>();
  return Finish(r, a, "account");
}

void EncodeStock(const StockRecord& stock, std::string& out) {
  Writer w(out);
  Head(w, kStockRecord);
  PutStockKey(w, stock.key);
  w.Amt(stock.quantity);
}
absl::StatusOr<StockRecord> DecodeStock(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kStockRecord)) return Corrupt("stock header");
  StockRecord s;
  s.key = GetStockKey(r);
  s.quantity = r.Amt<Quantity>();
  return Finish(r, std::move(s), "stock");
}

void EncodeOrder(const OrderReservation& order, std::string& out) {
  Writer w(out);
  Head(w, kOrderRecord);
  PutOrder(w, order);
}
absl::StatusOr<OrderReservation> DecodeOrder(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kOrderRecord)) return Corrupt("order header");
  OrderReservation o = GetOrder(r);
  return Finish(r, std::move(o), "order");
}

void EncodeMeta(const LedgerMeta& meta, std::string& out) {
  Writer w(out);
  Head(w, kMetaRecord);
  w.Int<uint64_t>(meta.next_receipt_id);
  w.Int<uint64_t>(meta.history_size);
  w.Digest(meta.history_head);
  w.Amt(meta.total_deposited);
  w.Amt(meta.total_withdrawn);
}
absl::StatusOr<LedgerMeta> DecodeMeta(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kMetaRecord)) return Corrupt("meta header");
  LedgerMeta m;
  m.next_receipt_id = r.Int<uint64_t>();
  m.history_size = r.Int<uint64_t>();
  m.history_head = r.Digest();
  m.total_deposited = r.Amt<Money>();
  m.total_withdrawn = r.Amt<Money>();
  return Finish(r, m, "meta");
}

void EncodeSettledTrade(TradeId trade, std::string& out) {
  Writer w(out);
  Head(w, kTradeRecord);
  w.Ident(trade);
}
absl::StatusOr<TradeId> DecodeSettledTrade(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kTradeRecord)) return Corrupt("trade header");
  TradeId t = r.Ident<TradeId>();
  return Finish(r, t, "settled trade");
}

void EncodeEvent(const LedgerEvent& event, std::string& out) {
  Writer w(out);
  Head(w, kEventRecord);
  PutEvent(w, event);
}
absl::StatusOr<LedgerEvent> DecodeEvent(std::string_view bytes) {
  Reader r(bytes);
  if (!r.Header(kEventRecord)) return Corrupt("event header");
  LedgerEvent e = GetEvent(r);
  return Finish(r, std::move(e), "event");
}

void EncodeHistoryRecord(const HistoryRecord& record, std::string& out) {
  Writer w(out);
  Head(w, kHistoryRecord);
  w.Int<uint64_t>(record.index);
  PutEvent(w, record.event);
  w.Digest(record.hash);  // last: HistoryRecordHash reads it from the end
}

namespace {
absl::Status RefuseOtherFormat(std::string_view bytes) {
  if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) != kLedgerEventFormatVersion) {
    return absl::DataLossError(absl::StrCat(
        "ledger history record in format ", static_cast<int>(static_cast<uint8_t>(bytes[0])),
        "; this build reads format ", static_cast<int>(kLedgerEventFormatVersion),
        " (a data directory from an older pre-release build: start from a fresh one)"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<HistoryRecord> DecodeHistoryRecord(std::string_view bytes, const Hash& prev_hash) {
  if (absl::Status s = RefuseOtherFormat(bytes); !s.ok()) return s;
  Reader r(bytes);
  if (!r.Header(kHistoryRecord)) return Corrupt("history header");
  HistoryRecord h;
  h.index = r.Int<uint64_t>();
  h.event = GetEvent(r);
  h.prev_hash = prev_hash;
  h.hash = r.Digest();
  return Finish(r, std::move(h), "history record");
}

Hash HistoryRecordHash(std::string_view encoded) {
  Hash h{};
  if (encoded.size() < h.size()) return h;
  const std::string_view tail = encoded.substr(encoded.size() - h.size());
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(tail[i]);
  return h;
}

namespace {
// The index as hashed: 8 bytes little-endian (independent of the stored varint).
void FixedIndex(uint64_t index, uint8_t* out) {
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(index >> (8 * i));
}
}  // namespace

void EncodeHistoryRecordHashed(HistoryRecord& record, std::string& out) {
  Writer w(out);
  Head(w, kHistoryRecord);
  w.Int<uint64_t>(record.index);
  const size_t event_begin = out.size();
  PutEvent(w, record.event);
  const size_t event_end = out.size();
  // The same digest as ComputeRecordHash, over the event bytes just written.
  uint8_t head[10];
  FixedIndex(record.index, head);
  head[8] = kLedgerEventFormatVersion;
  head[9] = kEventRecord;
  record.hash = Sha256::Of(
      {HashBytes(record.prev_hash), std::string_view(reinterpret_cast<const char*>(head), sizeof(head)),
       std::string_view(out).substr(event_begin, event_end - event_begin)});
  w.Digest(record.hash);
}

void EncodeHistoryBlock(uint64_t begin, const Hash& prev_hash,
                        std::span<const std::string_view> records, std::string& out) {
  Writer w(out);
  Head(w, kHistoryBlock);
  w.Int<uint64_t>(begin);
  // The chain head before the block's first record: a reader of this block alone can check
  // the block's first link (and every later one from the records' own hashes).
  w.Digest(prev_hash);
  w.Int<uint32_t>(static_cast<uint32_t>(records.size()));
  for (const std::string_view record : records) {
    w.Int<uint32_t>(static_cast<uint32_t>(record.size()));
    w.Raw(record);
  }
}

void EncodeHistoryBlock(const HistoryLog& log, uint64_t begin, uint64_t end, std::string& out) {
  std::vector<std::string_view> records;
  records.reserve(end - begin);
  for (uint64_t i = begin; i < end; ++i) records.push_back(log.encoded(i));
  EncodeHistoryBlock(begin, log.prev_hash(begin), records, out);
}

absl::Status DecodeHistoryBlock(std::string_view bytes, uint64_t& first, Hash& prev_hash,
                                const std::function<absl::Status(std::string_view)>& visit) {
  if (absl::Status s = RefuseOtherFormat(bytes); !s.ok()) return s;
  Reader r(bytes);
  if (!r.Header(kHistoryBlock)) return Corrupt("history block header");
  first = r.Int<uint64_t>();
  prev_hash = r.Digest();
  const uint32_t count = r.Int<uint32_t>();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    const uint32_t size = r.Int<uint32_t>();
    if (!r.ok() || size > r.remaining()) return Corrupt("history block: truncated record");
    if (absl::Status s = visit(r.Raw(size)); !s.ok()) return s;
  }
  if (!r.ok() || r.remaining() != 0) return Corrupt("history block: truncated or trailing bytes");
  return absl::OkStatus();
}

Hash ComputeRecordHash(const Hash& prev_hash, uint64_t index, const LedgerEvent& event) {
  std::string bytes;
  bytes.reserve(256);
  uint8_t fixed_index[8];
  FixedIndex(index, fixed_index);
  bytes.append(reinterpret_cast<const char*>(fixed_index), sizeof(fixed_index));
  Writer w(bytes);
  Head(w, kEventRecord);
  PutEvent(w, event);
  return Sha256::Of({HashBytes(prev_hash), bytes});
}

}  // namespace dazong::receipts
