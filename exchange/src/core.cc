#include "dazong/exchange/core.h"

#include <algorithm>
#include <limits>

namespace dazong::exchange {

using matching::Order;
using matching::OrderBook;
using matching::OrderRequest;

matching::BookConfig MakeBookConfig(const InstrumentConfig& instrument) {
  const PriceBand band = ComputePriceBand(instrument);
  matching::BookConfig c;
  c.tick = instrument.tick;
  c.lot = instrument.lot_size;
  c.band_low = band.low;
  c.band_high = band.high;
  c.window_low = band.low;
  c.window_high = band.high;
  c.max_orders = static_cast<uint32_t>(instrument.max_orders);
  c.depth_levels = static_cast<uint32_t>(instrument.depth_levels);
  c.volatility_bps = instrument.volatility_bps;
  c.volatility_window_ns = instrument.volatility_window_seconds * 1'000'000'000;
  c.volatility_auction_ns = instrument.volatility_auction_seconds * 1'000'000'000;
  c.reference_price = instrument.reference_price;
  // A scheduled instrument starts closed; the first command puts its timetable into effect.
  c.initial_phase = instrument.schedule.phases.empty() ? Phase::kContinuous : Phase::kClosed;
  return c;
}

namespace {

CancelCause CauseOf(matching::CancelReason reason) {
  switch (reason) {
    case matching::CancelReason::kRequested: return CancelCause::kRequested;
    case matching::CancelReason::kUnfilledIoc:
    case matching::CancelReason::kAuctionRemainder: return CancelCause::kUnfilledIoc;
    case matching::CancelReason::kUnfilledFok: return CancelCause::kUnfilledFok;
    case matching::CancelReason::kSelfTrade: return CancelCause::kSelfTrade;
    case matching::CancelReason::kMassCancel: return CancelCause::kMassCancel;
    case matching::CancelReason::kExpired: return CancelCause::kExpired;
  }
  return CancelCause::kRequested;
}

}  // namespace

// Turns one book's callbacks into events, settles trades and keeps order totals.
class ExchangeCore::BookListener final : public matching::OrderListener,
                                         public matching::MarketDataListener {
 public:
  BookListener(ExchangeCore& core, const InstrumentConfig& instrument)
      : core_(core), instrument_(instrument) {}

  void OnAccepted(const Order& order) override {
    core_.Emit(OrderAccepted{core_.View(order)});
  }

  void OnRejected(const OrderRequest& request, RejectReason reason) override {
    // The core checks every request with OrderBook::Check first, so this is a safety net.
    auto meta = core_.open_orders_.find(request.id);
    OrderRejected r;
    r.member = request.member;
    r.instrument = instrument_.id;
    r.side = request.side;
    r.price = request.price;
    r.quantity = request.quantity;
    r.reason = reason;
    if (meta != core_.open_orders_.end()) {
      r.session = meta->second.session;
      r.cl_ord_id = meta->second.cl_ord_id;
      core_.open_orders_.erase(meta);
    }
    core_.ledger_->Release(request.id);
    core_.Emit(r);
  }

  void OnTrade(const Order& aggressor, const Order& resting, Price price, Quantity quantity,
               bool auction) override {
    // Reservations bound every price × quantity that can trade, so this cannot overflow.
    const Money notional =
        Notional(price, quantity, instrument_.base_units_per_price_unit).value_or(Money());
    AddNotional(aggressor.id, notional);
    AddNotional(resting.id, notional);
    TradeEvent trade;
    trade.trade_id = TradeId(core_.next_trade_id_++);
    trade.instrument = instrument_.id;
    trade.price = price;
    trade.quantity = quantity;
    trade.notional = notional;
    trade.aggressor = aggressor.side;
    trade.auction = auction;
    trade.time = core_.ctx_.time;
    const Order& buy = aggressor.side == Side::kBuy ? aggressor : resting;
    const Order& sell = aggressor.side == Side::kBuy ? resting : aggressor;
    trade.buy = core_.View(buy);
    trade.sell = core_.View(sell);
    core_.ledger_->Settle(trade);
    for (const Order* o : {&buy, &sell}) {
      if (o->leaves.is_zero()) Close(o->id);
    }
    core_.Emit(std::move(trade));
  }

  void OnCancelled(const Order& order, matching::CancelReason reason) override {
    OrderView view = core_.View(order);
    view.leaves_quantity = Quantity();
    OrderCancelled cancelled{view, ClOrdId(), 0, CauseOf(reason)};
    if (reason == matching::CancelReason::kRequested) {
      cancelled.request_cl_ord_id = core_.ctx_.request_cl_ord_id;
      cancelled.request_session = core_.ctx_.request_session;
    }
    Close(order.id);
    core_.Emit(cancelled);
  }

  void OnReplaced(const Order& order, Price old_price, Quantity old_leaves, bool lost_priority) override {
    auto meta = core_.open_orders_.find(order.id);
    if (meta != core_.open_orders_.end()) meta->second.cl_ord_id = core_.ctx_.request_cl_ord_id;
    OrderReplaced r;
    r.order = core_.View(order);
    r.request_cl_ord_id = core_.ctx_.request_cl_ord_id;
    r.request_session = core_.ctx_.request_session;
    r.orig_cl_ord_id = core_.ctx_.orig_cl_ord_id;
    r.old_price = old_price;
    r.old_leaves = old_leaves;
    r.lost_priority = lost_priority;
    core_.Emit(r);
  }

  void OnCancelRejected(OrderId, RejectReason) override {}   // the core checks first
  void OnReplaceRejected(OrderId, RejectReason) override {}  // the core checks first

  void OnBbo(const matching::Bbo& bbo) override {
    core_.Emit(BboChanged{instrument_.id, bbo.bid_price, bbo.bid_quantity, bbo.ask_price,
                          bbo.ask_quantity});
  }
  void OnDepth(Side side, uint32_t rank, const matching::Level& level) override {
    core_.Emit(DepthChanged{instrument_.id, side, rank, level.price, level.quantity, level.orders});
  }
  void OnPhase(Phase from, Phase to) override { core_.Emit(PhaseChanged{instrument_.id, from, to}); }
  void OnIndicative(Price price, Quantity volume, Quantity imbalance, Side side) override {
    core_.Emit(AuctionIndicative{instrument_.id, price, volume, imbalance, side});
  }

 private:
  void AddNotional(OrderId id, Money notional) {
    auto meta = core_.open_orders_.find(id);
    if (meta != core_.open_orders_.end()) {
      meta->second.cum_notional = Money::FromRaw(meta->second.cum_notional.raw() + notional.raw());
    }
  }
  void Close(OrderId id) {
    core_.ledger_->Release(id);
    core_.open_orders_.erase(id);
  }

  ExchangeCore& core_;
  const InstrumentConfig& instrument_;
};

ExchangeCore::ExchangeCore(const ExchangeConfig& config, ReservationLedger* ledger)
    : config_(config), ledger_(ledger != nullptr ? ledger : &no_reservations_) {
  instruments_.reserve(config.instruments.size());
  for (const InstrumentConfig& instrument : config.instruments) {
    Instrument in{&instrument, ComputePriceBand(instrument), std::make_unique<BookListener>(*this, instrument),
                  nullptr, TradingSchedule(instrument.schedule), {}, false};
    in.book = std::make_unique<OrderBook>(MakeBookConfig(instrument), *in.listener, in.listener.get());
    instruments_.push_back(std::move(in));
  }
}

ExchangeCore::~ExchangeCore() = default;

const OrderBook& ExchangeCore::book(InstrumentId instrument) const {
  return *instruments_.at(instrument.value() - 1).book;
}

const PriceBand& ExchangeCore::band(InstrumentId instrument) const {
  return instruments_.at(instrument.value() - 1).band;
}

ExchangeCore::Instrument* ExchangeCore::FindInstrument(InstrumentId id) {
  if (!id.valid() || id.value() > instruments_.size()) return nullptr;
  return &instruments_[id.value() - 1];
}

OrderView ExchangeCore::View(const Order& order) const {
  OrderView view;
  view.order_id = order.id;
  view.member = order.member;
  view.side = order.side;
  view.type = order.type;
  view.tif = order.tif;
  view.price = order.price;
  view.quantity = order.quantity;
  view.cum_quantity = order.filled;
  view.leaves_quantity = order.leaves;
  auto meta = open_orders_.find(order.id);
  if (meta != open_orders_.end()) {
    view.session = meta->second.session;
    view.instrument = meta->second.instrument;
    view.cl_ord_id = meta->second.cl_ord_id;
    view.cum_notional = meta->second.cum_notional;
  }
  return view;
}

void ExchangeCore::Apply(const SequencedCommand& cmd, std::vector<Event>& out) {
  ctx_ = Context{cmd.seq, cmd.time, &out, ClOrdId(), ClOrdId(), 0};
  if (ctx_.time >= next_schedule_check_) ApplySchedules();
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, NewOrderCommand>) {
          ApplyNewOrder(body);
        } else if constexpr (std::is_same_v<T, CancelOrderCommand>) {
          ApplyCancel(body);
        } else if constexpr (std::is_same_v<T, ReplaceOrderCommand>) {
          ApplyReplace(body);
        } else if constexpr (std::is_same_v<T, MassCancelCommand>) {
          ApplyMassCancel(body);
        } else if constexpr (std::is_same_v<T, PhaseCommand>) {
          ApplyPhase(body);
        } else if constexpr (std::is_same_v<T, TimerCommand>) {
          ApplyTimer();
        }
        // Ledger commands and queries are the sequencer's (the ledger's), not the books'.
      },
      cmd.body);
  // A Resume may have ended a halt that held back a timetable change: put it into effect now.
  if (std::holds_alternative<PhaseCommand>(cmd.body) && ctx_.time >= next_schedule_check_) ApplySchedules();
  ctx_.out = nullptr;
}

void ExchangeCore::ApplyNewOrder(const NewOrderCommand& cmd) {
  auto reject = [&](RejectReason reason, PriceBand band = {}) {
    Emit(OrderRejected{cmd.session, cmd.member, cmd.instrument, cmd.cl_ord_id, cmd.side, cmd.price,
                       cmd.quantity, reason, band.low, band.high});
  };
  Instrument* instrument = FindInstrument(cmd.instrument);
  if (instrument == nullptr) return reject(RejectReason::kUnknownInstrument);
  const MemberConfig* member = config_.FindMember(cmd.member);
  if (member == nullptr || !member->enabled) return reject(RejectReason::kUnknownMember);
  if (cmd.cl_ord_id.empty()) return reject(RejectReason::kInvalidClOrdId);
  // One B-tree descent: where the key would go, kept as the insertion hint below (nothing
  // in between inserts into cl_ord_ids_).
  const MemberOrderKey key{cmd.member, cmd.cl_ord_id};
  const auto slot = cl_ord_ids_.lower_bound(key);
  if (slot != cl_ord_ids_.end() && slot->first == key) {
    return reject(RejectReason::kDuplicateClOrdId);
  }
  OrderRequest request;
  request.id = OrderId(next_order_id_);
  request.member = cmd.member;
  request.side = cmd.side;
  request.type = cmd.type;
  request.tif = cmd.tif;
  request.price = cmd.price;
  request.quantity = cmd.quantity;
  request.protection_price = cmd.protection_price;
  request.expire_time = cmd.expire_time;
  request.stp = cmd.stp != SelfTradePrevention::kNone ? cmd.stp : member->self_trade_prevention;
  if (RejectReason r = instrument->book->Check(request, ctx_.time); r != RejectReason::kNone) {
    return reject(r, r == RejectReason::kPriceOutsideBand ? instrument->band : PriceBand{});
  }
  // What the order may cost at most: its limit, or for a market order its protection price
  // or the band's edge.
  Price reserve_price = cmd.price;
  if (cmd.type == OrderType::kMarket) {
    reserve_price = cmd.protection_price.is_positive()
                        ? cmd.protection_price
                        : (cmd.side == Side::kBuy ? instrument->band.high : instrument->band.low);
  }
  if (!Notional(reserve_price, cmd.quantity, instrument->config->base_units_per_price_unit).ok()) {
    return reject(RejectReason::kArithmeticOverflow);
  }
  ReservationRequest reservation;
  reservation.order = request.id;
  reservation.member = cmd.member;
  reservation.instrument = cmd.instrument;
  reservation.side = cmd.side;
  reservation.reserve_price = reserve_price;
  reservation.quantity = cmd.quantity;
  // A sell may name the receipts it delivers; the ledger checks they are the member's, free,
  // deliverable and unexpired, and that their quantities sum to the order's.
  if (cmd.receipt_count > 0) {
    if (cmd.side != Side::kSell || cmd.receipt_count > kMaxNamedReceipts) {
      return reject(RejectReason::kUnsupportedOrderType);
    }
    reservation.receipts = cmd.named_receipts();
  }
  if (RejectReason r = ledger_->Reserve(reservation); r != RejectReason::kNone) return reject(r);

  ++next_order_id_;
  cl_ord_ids_.emplace_hint(slot, key, request.id);
  open_orders_.emplace(request.id, OrderMeta{cmd.cl_ord_id, cmd.session, cmd.instrument, Money()});
  instrument->book->Add(request, ctx_.time);
}

OrderStatusAnswer ExchangeCore::FindOrder(MemberId member, const ClOrdId& cl_ord_id) const {
  OrderStatusAnswer answer;
  auto known = cl_ord_ids_.find(MemberOrderKey{member, cl_ord_id});
  if (known == cl_ord_ids_.end()) return answer;
  answer.order.order_id = known->second;
  answer.order.member = member;
  answer.kind = OrderStatusKind::kClosed;
  auto meta = open_orders_.find(known->second);
  if (meta == open_orders_.end()) return answer;
  const Order* order = instruments_[meta->second.instrument.value() - 1].book->Find(known->second);
  if (order == nullptr) return answer;
  answer.kind = OrderStatusKind::kOpen;
  answer.order = View(*order);
  return answer;
}

const OrderId* ExchangeCore::FindOpenOrder(MemberId member, const ClOrdId& request_cl_ord_id,
                                           const ClOrdId& cl_ord_id, RejectReason* reason) const {
  if (request_cl_ord_id.empty()) {
    *reason = RejectReason::kInvalidClOrdId;
    return nullptr;
  }
  if (cl_ord_ids_.contains(MemberOrderKey{member, request_cl_ord_id})) {
    *reason = RejectReason::kDuplicateClOrdId;
    return nullptr;
  }
  auto known = cl_ord_ids_.find(MemberOrderKey{member, cl_ord_id});
  if (known == cl_ord_ids_.end()) {
    *reason = RejectReason::kUnknownOrder;
    return nullptr;
  }
  auto open = open_orders_.find(known->second);
  if (open == open_orders_.end()) {
    *reason = RejectReason::kTooLateToCancel;
    return nullptr;
  }
  // FIX's OrigClOrdID is the order's latest ClOrdID: a request built on an older state of the
  // order (e.g. a second replace sent before the first one's report) is refused, not applied.
  if (open->second.cl_ord_id != cl_ord_id) {
    *reason = RejectReason::kNotLatestClOrdId;
    return nullptr;
  }
  return &known->second;
}

void ExchangeCore::ApplyCancel(const CancelOrderCommand& cmd) {
  auto reject = [&](RejectReason reason) {
    Emit(CancelRejected{cmd.session, cmd.member, cmd.cl_ord_id, cmd.orig_cl_ord_id, reason, false});
  };
  RejectReason reason = RejectReason::kNone;
  const OrderId* id = FindOpenOrder(cmd.member, cmd.cl_ord_id, cmd.orig_cl_ord_id, &reason);
  if (id == nullptr) return reject(reason);
  const OrderId order_id = *id;
  Instrument& instrument = instruments_[open_orders_.at(order_id).instrument.value() - 1];
  cl_ord_ids_.emplace(MemberOrderKey{cmd.member, cmd.cl_ord_id}, order_id);
  ctx_.request_cl_ord_id = cmd.cl_ord_id;
  ctx_.orig_cl_ord_id = cmd.orig_cl_ord_id;
  ctx_.request_session = cmd.session;
  instrument.book->Cancel(order_id, ctx_.time);
}

void ExchangeCore::ApplyReplace(const ReplaceOrderCommand& cmd) {
  auto reject = [&](RejectReason reason) {
    Emit(CancelRejected{cmd.session, cmd.member, cmd.cl_ord_id, cmd.orig_cl_ord_id, reason, true});
  };
  RejectReason reason = RejectReason::kNone;
  const OrderId* id = FindOpenOrder(cmd.member, cmd.cl_ord_id, cmd.orig_cl_ord_id, &reason);
  if (id == nullptr) return reject(reason);
  const OrderId order_id = *id;
  const OrderMeta& meta = open_orders_.at(order_id);
  Instrument& instrument = instruments_[meta.instrument.value() - 1];
  const Order* order = instrument.book->Find(order_id);
  if (order == nullptr) return reject(RejectReason::kTooLateToCancel);
  if (order->side != cmd.side) return reject(RejectReason::kUnsupportedOrderType);
  // FIX OrderQty is the new total; what stays open is that minus what has filled.
  const int64_t leaves = cmd.quantity.raw() - order->filled.raw();
  if (!cmd.quantity.is_positive() || leaves <= 0) return reject(RejectReason::kInvalidQuantity);
  if (RejectReason r = instrument.book->CheckReplace(order_id, cmd.price, Quantity::FromRaw(leaves));
      r != RejectReason::kNone) {
    return reject(r);
  }
  if (!Notional(cmd.price, Quantity::FromRaw(leaves), instrument.config->base_units_per_price_unit).ok()) {
    return reject(RejectReason::kArithmeticOverflow);
  }
  if (RejectReason r = ledger_->Resize(order_id, cmd.price, Quantity::FromRaw(leaves));
      r != RejectReason::kNone) {
    return reject(r);
  }
  cl_ord_ids_.emplace(MemberOrderKey{cmd.member, cmd.cl_ord_id}, order_id);
  ctx_.request_cl_ord_id = cmd.cl_ord_id;
  ctx_.orig_cl_ord_id = cmd.orig_cl_ord_id;
  ctx_.request_session = cmd.session;
  instrument.book->Replace(order_id, cmd.price, Quantity::FromRaw(leaves), ctx_.time);
}

void ExchangeCore::ApplyMassCancel(const MassCancelCommand& cmd) {
  MassCancelDone done{cmd.session, cmd.member, cmd.cl_ord_id, cmd.instrument, 0, RejectReason::kNone};
  if (cmd.instrument.valid() && FindInstrument(cmd.instrument) == nullptr) {
    done.reason = RejectReason::kUnknownInstrument;
    return Emit(done);
  }
  matching::MassCancelFilter filter;
  // A member can only ever cancel its own orders.
  filter.member = cmd.member.valid() ? cmd.member : cmd.target_member;
  filter.any_side = cmd.any_side;
  filter.side = cmd.side;
  for (Instrument& instrument : instruments_) {
    if (cmd.instrument.valid() && instrument.config->id != cmd.instrument) continue;
    done.cancelled += instrument.book->MassCancel(filter, ctx_.time);
  }
  Emit(done);
}

void ExchangeCore::ApplyPhase(const PhaseCommand& cmd) {
  if (cmd.instrument.valid() && FindInstrument(cmd.instrument) == nullptr) {
    return Emit(PhaseCommandRejected{cmd.instrument, RejectReason::kUnknownInstrument});
  }
  for (Instrument& instrument : instruments_) {
    if (cmd.instrument.valid() && instrument.config->id != cmd.instrument) continue;
    RejectReason r = RejectReason::kNone;
    switch (cmd.action) {
      case PhaseCommand::Action::kSetPhase: r = instrument.book->SetPhase(cmd.phase, ctx_.time); break;
      case PhaseCommand::Action::kHalt: r = instrument.book->Halt(ctx_.time); break;
      case PhaseCommand::Action::kResume: r = instrument.book->Resume(ctx_.time); break;
    }
    if (r != RejectReason::kNone) Emit(PhaseCommandRejected{instrument.config->id, r});
  }
}

void ExchangeCore::ApplySchedules() {
  Timestamp next = std::numeric_limits<Timestamp>::max();
  for (Instrument& instrument : instruments_) {
    if (instrument.schedule.empty()) continue;
    const TradingSchedule::Slot slot = instrument.schedule.At(ctx_.time);
    if (!instrument.schedule_started || !(slot == instrument.applied)) {
      if (instrument.book->phase() == Phase::kHalted) {
        // A halt outlasts the timetable; the slot in force applies at the first command
        // after Resume.
        next = std::min(next, ctx_.time);
        continue;
      }
      instrument.book->SetPhase(slot.phase, ctx_.time);
      instrument.applied = slot;
      instrument.schedule_started = true;
    }
    next = std::min(next, slot.next_change);
  }
  next_schedule_check_ = next;
}

void ExchangeCore::ApplyTimer() {
  for (Instrument& instrument : instruments_) instrument.book->AdvanceTime(ctx_.time);
  Emit(ClockTick{});
}

}  // namespace dazong::exchange
