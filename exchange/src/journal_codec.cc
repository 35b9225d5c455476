#include "dazong/exchange/journal_codec.h"

#include "dazong/common/byte_codec.h"

#include <string_view>
#include <type_traits>

namespace dazong::exchange {
namespace {

// 1: fixed-width integers. 2: integers wider than a byte as LEB128 varints (signed ones
// zigzag-encoded), times still 8 bytes. Records are written in 2; both are read.
constexpr uint8_t kFixedWidthVersion = 1;
constexpr uint8_t kFormatVersion = 2;
constexpr uint8_t kBlockVersion = 3;  // a group's commands, each in format 2
constexpr uint8_t kNewOrderTag = 1;
constexpr uint8_t kCancelTag = 2;
constexpr uint8_t kReplaceTag = 3;
constexpr uint8_t kMassCancelTag = 4;
constexpr uint8_t kPhaseTag = 5;
constexpr uint8_t kTimerTag = 6;
constexpr uint8_t kLedgerTag = 7;
constexpr uint8_t kQueryTag = 8;  // never journaled; encoded only so that every body has a form
constexpr uint8_t kTradeTag = 100;

// The journal's layout over ByteWriter / ByteReader: Int<T> of a type wider than a byte is a
// varint (format 2); Time() is always 8 bytes; strings keep ByteWriter's prefixes.
class Writer : public ByteWriter {
 public:
  using ByteWriter::ByteWriter;
  template <typename T>
  void Int(T value) {
    if constexpr (sizeof(T) == 1) {
      ByteWriter::Int<T>(value);
    } else {
      Varint(value);
    }
  }
  void Time(int64_t t) { Fixed<int64_t>(t); }
};

class Reader : public ByteReader {
 public:
  using ByteReader::ByteReader;
  // Reads the version byte and switches to its integer layout; returns it.
  uint8_t Version() {
    const uint8_t v = ByteReader::Int<uint8_t>();
    varint_ = v == kFormatVersion;
    return v;
  }
  template <typename T>
  T Int() {
    if constexpr (sizeof(T) == 1) {
      return ByteReader::Int<T>();
    } else {
      return varint_ ? Varint<T>() : Fixed<T>();
    }
  }
  int64_t Time() { return Fixed<int64_t>(); }

 private:
  bool varint_ = false;
};

bool KnownVersion(uint8_t v) { return v == kFormatVersion || v == kFixedWidthVersion; }

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(std::string("corrupt journal record: ") + std::string(what));
}

bool ValidSide(Side s) { return s == Side::kBuy || s == Side::kSell; }
bool ValidStp(SelfTradePrevention s) { return static_cast<uint8_t>(s) <= 3; }
bool ValidType(OrderType t) { return t == OrderType::kLimit || t == OrderType::kMarket; }
bool ValidTif(TimeInForce t) {
  switch (t) {
    case TimeInForce::kDay:
    case TimeInForce::kGtc:
    case TimeInForce::kIoc:
    case TimeInForce::kFok:
    case TimeInForce::kGtd:
      return true;
  }
  return false;
}

}  // namespace

TradeRecord MakeTradeRecord(SeqNo seq, const TradeEvent& trade) {
  TradeRecord r;
  r.trade_id = trade.trade_id;
  r.seq = seq;
  r.time = trade.time;
  r.instrument = trade.instrument;
  r.price = trade.price;
  r.quantity = trade.quantity;
  r.notional = trade.notional;
  r.aggressor = trade.aggressor;
  r.auction = trade.auction;
  r.buy_order = trade.buy.order_id;
  r.buyer = trade.buy.member;
  r.buy_cl_ord_id = trade.buy.cl_ord_id;
  r.sell_order = trade.sell.order_id;
  r.seller = trade.sell.member;
  r.sell_cl_ord_id = trade.sell.cl_ord_id;
  return r;
}

void EncodeCommand(const SequencedCommand& cmd, std::string& out) {
  Writer w(out);
  w.Int<uint8_t>(kFormatVersion);
  w.Int<uint64_t>(cmd.seq.value());
  w.Time(cmd.time);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, NewOrderCommand>) {
          w.Int<uint8_t>(kNewOrderTag);
          w.Int<uint32_t>(body.session);
          w.Int<uint32_t>(body.member.value());
          w.Int<uint32_t>(body.instrument.value());
          w.Short(body.cl_ord_id);
          w.Int<uint8_t>(static_cast<uint8_t>(body.side));
          w.Int<uint8_t>(static_cast<uint8_t>(body.type));
          w.Int<uint8_t>(static_cast<uint8_t>(body.tif));
          w.Int<int64_t>(body.price.raw());
          w.Int<int64_t>(body.quantity.raw());
          w.Int<int64_t>(body.protection_price.raw());
          w.Int<int64_t>(body.expire_time);
          w.Int<uint8_t>(static_cast<uint8_t>(body.stp));
          // Named receipts (sells): appended only when present, so an order without them is
          // encoded exactly as before the group existed and old records still decode.
          if (body.receipt_count > 0) {
            w.Int<uint8_t>(body.receipt_count);
            for (const NamedReceipt& named : body.named_receipts()) {
              w.Int<uint64_t>(named.receipt_id);
              w.Int<int64_t>(named.quantity.raw());
            }
          }
        } else if constexpr (std::is_same_v<T, CancelOrderCommand>) {
          w.Int<uint8_t>(kCancelTag);
          w.Int<uint32_t>(body.session);
          w.Int<uint32_t>(body.member.value());
          w.Int<uint32_t>(body.instrument.value());
          w.Short(body.cl_ord_id);
          w.Short(body.orig_cl_ord_id);
          w.Int<uint8_t>(static_cast<uint8_t>(body.side));
        } else if constexpr (std::is_same_v<T, ReplaceOrderCommand>) {
          w.Int<uint8_t>(kReplaceTag);
          w.Int<uint32_t>(body.session);
          w.Int<uint32_t>(body.member.value());
          w.Int<uint32_t>(body.instrument.value());
          w.Short(body.cl_ord_id);
          w.Short(body.orig_cl_ord_id);
          w.Int<uint8_t>(static_cast<uint8_t>(body.side));
          w.Int<int64_t>(body.price.raw());
          w.Int<int64_t>(body.quantity.raw());
        } else if constexpr (std::is_same_v<T, MassCancelCommand>) {
          w.Int<uint8_t>(kMassCancelTag);
          w.Int<uint32_t>(body.session);
          w.Int<uint32_t>(body.member.value());
          w.Short(body.cl_ord_id);
          w.Int<uint32_t>(body.instrument.value());
          w.Int<uint8_t>(body.any_side ? 1 : 0);
          w.Int<uint8_t>(static_cast<uint8_t>(body.side));
          w.Int<uint32_t>(body.target_member.value());
        } else if constexpr (std::is_same_v<T, PhaseCommand>) {
          w.Int<uint8_t>(kPhaseTag);
          w.Int<uint32_t>(body.instrument.value());
          w.Int<uint8_t>(static_cast<uint8_t>(body.action));
          w.Int<uint8_t>(static_cast<uint8_t>(body.phase));
        } else if constexpr (std::is_same_v<T, TimerCommand>) {
          w.Int<uint8_t>(kTimerTag);
        } else if constexpr (std::is_same_v<T, LedgerCommandEnvelope>) {
          w.Int<uint8_t>(kLedgerTag);
          w.Int<uint64_t>(body.ticket);
          w.Str(body.principal);
          w.Str(body.payload);
        } else {
          w.Int<uint8_t>(kQueryTag);
          w.Int<uint64_t>(body.ticket);
        }
      },
      cmd.body);
}

absl::StatusOr<SequencedCommand> DecodeCommand(std::string_view bytes) {
  Reader r(bytes);
  if (!KnownVersion(r.Version())) return Corrupt("unknown format version");
  SequencedCommand cmd;
  cmd.seq = SeqNo(r.Int<uint64_t>());
  cmd.time = r.Time();
  const uint8_t tag = r.Int<uint8_t>();
  if (tag == kNewOrderTag) {
    NewOrderCommand order;
    order.session = r.Int<uint32_t>();
    order.member = MemberId(r.Int<uint32_t>());
    order.instrument = InstrumentId(r.Int<uint32_t>());
    order.cl_ord_id = r.Short<ClOrdId::kCapacity>();
    order.side = static_cast<Side>(r.Int<uint8_t>());
    order.type = static_cast<OrderType>(r.Int<uint8_t>());
    order.tif = static_cast<TimeInForce>(r.Int<uint8_t>());
    order.price = Price::FromRaw(r.Int<int64_t>());
    order.quantity = Quantity::FromRaw(r.Int<int64_t>());
    order.protection_price = Price::FromRaw(r.Int<int64_t>());
    order.expire_time = r.Int<int64_t>();
    order.stp = static_cast<SelfTradePrevention>(r.Int<uint8_t>());
    if (r.ok() && !r.done()) {
      const uint8_t count = r.Int<uint8_t>();
      if (count == 0 || count > kMaxNamedReceipts) return Corrupt("bad named receipt count");
      for (uint8_t i = 0; i < count; ++i) {
        const uint64_t id = r.Int<uint64_t>();
        const Quantity qty = Quantity::FromRaw(r.Int<int64_t>());
        order.AddReceipt(id, qty);
      }
    }
    if (!ValidSide(order.side) || !ValidType(order.type) || !ValidTif(order.tif) ||
        !ValidStp(order.stp)) {
      return Corrupt("bad enum value in order");
    }
    cmd.body = order;
  } else if (tag == kCancelTag) {
    CancelOrderCommand cancel;
    cancel.session = r.Int<uint32_t>();
    cancel.member = MemberId(r.Int<uint32_t>());
    cancel.instrument = InstrumentId(r.Int<uint32_t>());
    cancel.cl_ord_id = r.Short<ClOrdId::kCapacity>();
    cancel.orig_cl_ord_id = r.Short<ClOrdId::kCapacity>();
    cancel.side = static_cast<Side>(r.Int<uint8_t>());
    if (!ValidSide(cancel.side)) return Corrupt("bad side in cancel");
    cmd.body = cancel;
  } else if (tag == kReplaceTag) {
    ReplaceOrderCommand replace;
    replace.session = r.Int<uint32_t>();
    replace.member = MemberId(r.Int<uint32_t>());
    replace.instrument = InstrumentId(r.Int<uint32_t>());
    replace.cl_ord_id = r.Short<ClOrdId::kCapacity>();
    replace.orig_cl_ord_id = r.Short<ClOrdId::kCapacity>();
    replace.side = static_cast<Side>(r.Int<uint8_t>());
    replace.price = Price::FromRaw(r.Int<int64_t>());
    replace.quantity = Quantity::FromRaw(r.Int<int64_t>());
    if (!ValidSide(replace.side)) return Corrupt("bad side in replace");
    cmd.body = replace;
  } else if (tag == kMassCancelTag) {
    MassCancelCommand mass;
    mass.session = r.Int<uint32_t>();
    mass.member = MemberId(r.Int<uint32_t>());
    mass.cl_ord_id = r.Short<ClOrdId::kCapacity>();
    mass.instrument = InstrumentId(r.Int<uint32_t>());
    const uint8_t any_side = r.Int<uint8_t>();
    mass.side = static_cast<Side>(r.Int<uint8_t>());
    mass.target_member = MemberId(r.Int<uint32_t>());
    if (any_side > 1 || !ValidSide(mass.side)) return Corrupt("bad mass cancel filter");
    mass.any_side = any_side == 1;
    cmd.body = mass;
  } else if (tag == kPhaseTag) {
    PhaseCommand phase;
    phase.instrument = InstrumentId(r.Int<uint32_t>());
    const uint8_t action = r.Int<uint8_t>();
    const uint8_t target = r.Int<uint8_t>();
    if (action < 1 || action > 3 || !IsValidPhase(target)) return Corrupt("bad phase command");
    phase.action = static_cast<PhaseCommand::Action>(action);
    phase.phase = static_cast<Phase>(target);
    cmd.body = phase;
  } else if (tag == kTimerTag) {
    cmd.body = TimerCommand{};
  } else if (tag == kLedgerTag) {
    LedgerCommandEnvelope ledger;
    ledger.ticket = r.Int<uint64_t>();
    ledger.principal = r.Str();
    ledger.payload = r.Str();
    cmd.body = std::move(ledger);
  } else if (tag == kQueryTag) {
    return Corrupt("a query is never journaled");
  } else {
    return Corrupt("unknown command type");
  }
  if (!r.ok()) return Corrupt("truncated command");
  if (!r.done()) return Corrupt("trailing bytes after command");
  return cmd;
}

void AppendCommandToBlock(const SequencedCommand& cmd, std::string& block, std::string& scratch) {
  // The count has a fixed width, so that it is updated in place as commands are added.
  if (block.empty()) {
    BasicByteWriter<IntLayout::kVarint> header(block);
    header.Int<uint8_t>(kBlockVersion);
    header.Fixed<uint32_t>(0);
  }
  const uint32_t count = BasicByteReader<IntLayout::kVarint>(std::string_view(block).substr(1)).Fixed<uint32_t>();
  std::string header;
  BasicByteWriter<IntLayout::kVarint>(header).Fixed<uint32_t>(count + 1);
  block.replace(1, header.size(), header);
  scratch.clear();
  EncodeCommand(cmd, scratch);
  BasicByteWriter<IntLayout::kVarint>(block).Str(scratch);
}

absl::Status DecodeJournalRecord(std::string_view bytes,
                                 const std::function<absl::Status(const SequencedCommand&)>& visit) {
  if (bytes.empty()) return Corrupt("empty");
  if (static_cast<uint8_t>(bytes[0]) != kBlockVersion) {
    absl::StatusOr<SequencedCommand> cmd = DecodeCommand(bytes);
    if (!cmd.ok()) return cmd.status();
    return visit(*cmd);
  }
  BasicByteReader<IntLayout::kVarint> r(bytes.substr(1));
  const uint32_t count = r.Fixed<uint32_t>();
  if (!r.ok() || count == 0) return Corrupt("block without commands");
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t size = r.Int<uint32_t>();
    const std::string_view one = r.Raw(size);
    if (!r.ok()) return Corrupt("truncated block");
    absl::StatusOr<SequencedCommand> cmd = DecodeCommand(one);
    if (!cmd.ok()) return cmd.status();
    if (absl::Status s = visit(*cmd); !s.ok()) return s;
  }
  if (!r.done()) return Corrupt("bytes after the block's last command");
  return absl::OkStatus();
}

void EncodeTrade(const TradeRecord& t, std::string& out) {
  Writer w(out);
  w.Int<uint8_t>(kFormatVersion);
  w.Int<uint8_t>(kTradeTag);
  w.Int<uint64_t>(t.trade_id.value());
  w.Int<uint64_t>(t.seq.value());
  w.Time(t.time);
  w.Int<uint32_t>(t.instrument.value());
  w.Int<int64_t>(t.price.raw());
  w.Int<int64_t>(t.quantity.raw());
  w.Int<int64_t>(t.notional.raw());
  w.Int<uint8_t>(static_cast<uint8_t>(t.aggressor));
  w.Int<uint8_t>(t.auction ? 1 : 0);
  w.Int<uint64_t>(t.buy_order.value());
  w.Int<uint32_t>(t.buyer.value());
  w.Short(t.buy_cl_ord_id);
  w.Int<uint64_t>(t.sell_order.value());
  w.Int<uint32_t>(t.seller.value());
  w.Short(t.sell_cl_ord_id);
}

absl::StatusOr<TradeRecord> DecodeTrade(std::string_view bytes) {
  Reader r(bytes);
  if (!KnownVersion(r.Version())) return Corrupt("unknown format version");
  if (r.Int<uint8_t>() != kTradeTag) return Corrupt("not a trade record");
  TradeRecord t;
  t.trade_id = TradeId(r.Int<uint64_t>());
  t.seq = SeqNo(r.Int<uint64_t>());
  t.time = r.Time();
  t.instrument = InstrumentId(r.Int<uint32_t>());
  t.price = Price::FromRaw(r.Int<int64_t>());
  t.quantity = Quantity::FromRaw(r.Int<int64_t>());
  t.notional = Money::FromRaw(r.Int<int64_t>());
  t.aggressor = static_cast<Side>(r.Int<uint8_t>());
  const uint8_t auction = r.Int<uint8_t>();
  if (auction > 1) return Corrupt("bad auction flag");
  t.auction = auction == 1;
  t.buy_order = OrderId(r.Int<uint64_t>());
  t.buyer = MemberId(r.Int<uint32_t>());
  t.buy_cl_ord_id = r.Short<ClOrdId::kCapacity>();
  t.sell_order = OrderId(r.Int<uint64_t>());
  t.seller = MemberId(r.Int<uint32_t>());
  t.sell_cl_ord_id = r.Short<ClOrdId::kCapacity>();
  if (!r.ok()) return Corrupt("truncated trade");
  if (!ValidSide(t.aggressor)) return Corrupt("bad aggressor side");
  if (!r.done()) return Corrupt("trailing bytes after trade");
  return t;
}

}  // namespace dazong::exchange
