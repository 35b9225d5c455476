#include "dazong/exchange/core.h"

#include <cassert>

namespace dazong::exchange {

using matching::BookOrder;

PriceBand ComputePriceBand(const InstrumentConfig& instrument) {
  const Int128 ref = instrument.reference_price.raw();
  const Int128 tick = instrument.tick.raw();
  const Int128 lo = ref * (10000 - instrument.price_band_bps);
  const Int128 hi = ref * (10000 + instrument.price_band_bps);
  // Inward to whole ticks: low rounds up, high rounds down.
  const Int128 lo_ticks = (lo + tick * 10000 - 1) / (tick * 10000);
  const Int128 hi_ticks = hi / (tick * 10000);
  return {Price::FromRaw(static_cast<int64_t>(lo_ticks * tick)),
          Price::FromRaw(static_cast<int64_t>(hi_ticks * tick))};
}

// Turns the book's fills into trade events and keeps each order's totals.
class ExchangeCore::FillCollector final : public matching::FillListener {
 public:
  FillCollector(ExchangeCore& core, const Instrument& instrument, SeqNo seq, Timestamp time,
                std::vector<Event>& out)
      : core_(core), instrument_(instrument), seq_(seq), time_(time), out_(out) {}

  void OnFill(const BookOrder& aggressor, const BookOrder& resting, Price price,
              Quantity quantity) override {
    // Validation guarantees price × quantity fits, so Notional cannot fail here.
    const Money notional =
        Notional(price, quantity, instrument_.config->base_units_per_price_unit).value();
    OrderView aggressor_view = Record(aggressor, quantity, notional);
    OrderView resting_view = Record(resting, quantity, notional);
    TradeEvent trade;
    trade.trade_id = TradeId(core_.next_trade_id_++);
    trade.instrument = instrument_.config->id;
    trade.price = price;
    trade.quantity = quantity;
    trade.notional = notional;
    trade.aggressor = aggressor.side;
    trade.time = time_;
    trade.buy = aggressor.side == Side::kBuy ? aggressor_view : resting_view;
    trade.sell = aggressor.side == Side::kBuy ? resting_view : aggressor_view;
    out_.push_back(Event{seq_, time_, trade});
  }

 private:
  OrderView Record(const BookOrder& order, Quantity quantity, Money notional) {
    OrderTotals& totals = core_.open_orders_.at(order.id);
    totals.cum_quantity = Quantity::FromRaw(totals.cum_quantity.raw() + quantity.raw());
    totals.cum_notional = Money::FromRaw(totals.cum_notional.raw() + notional.raw());
    OrderView view = core_.View(order, instrument_.config->id);
    if (order.leaves_quantity.is_zero()) core_.open_orders_.erase(order.id);
    return view;
  }

  ExchangeCore& core_;
  const Instrument& instrument_;
  SeqNo seq_;
  Timestamp time_;
  std::vector<Event>& out_;
};

ExchangeCore::ExchangeCore(const ExchangeConfig& config) : config_(config) {
  instruments_.reserve(config.instruments.size());
  for (const InstrumentConfig& instrument : config.instruments) {
    instruments_.push_back(Instrument{&instrument, ComputePriceBand(instrument),
                                      std::make_unique<matching::OrderBook>()});
  }
}

const matching::OrderBook& ExchangeCore::book(InstrumentId instrument) const {
  return *instruments_.at(instrument.value() - 1).book;
}

const PriceBand& ExchangeCore::band(InstrumentId instrument) const {
  return instruments_.at(instrument.value() - 1).band;
}

void ExchangeCore::Apply(const SequencedCommand& cmd, std::vector<Event>& out) {
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, NewOrderCommand>) {
          ApplyNewOrder(cmd.seq, cmd.time, body, out);
        } else {
          ApplyCancel(cmd.seq, cmd.time, body, out);
        }
      },
      cmd.body);
}

RejectReason ExchangeCore::Validate(const NewOrderCommand& cmd) const {
  if (!cmd.instrument.valid() || cmd.instrument.value() > instruments_.size()) {
    return RejectReason::kUnknownInstrument;
  }
  const MemberConfig* member = config_.FindMember(cmd.member);
  if (member == nullptr || !member->enabled) return RejectReason::kUnknownMember;
  if (cmd.cl_ord_id.empty()) return RejectReason::kInvalidClOrdId;
  if (cl_ord_ids_.contains(MemberOrderKey{cmd.member, cmd.cl_ord_id})) {
    return RejectReason::kDuplicateClOrdId;
  }
  if (cmd.side != Side::kBuy && cmd.side != Side::kSell) return RejectReason::kUnsupportedOrderType;
  if (cmd.type != OrderType::kLimit && cmd.type != OrderType::kMarket) {
    return RejectReason::kUnsupportedOrderType;
  }
  if (cmd.tif != TimeInForce::kDay && cmd.tif != TimeInForce::kGtc &&
      cmd.tif != TimeInForce::kIoc) {
    return RejectReason::kUnsupportedTimeInForce;
  }
  const Instrument& instrument = instruments_[cmd.instrument.value() - 1];
  if (!cmd.quantity.is_positive()) return RejectReason::kInvalidQuantity;
  if (cmd.quantity.raw() % instrument.config->lot_size.raw() != 0) {
    return RejectReason::kQuantityNotLotMultiple;
  }
  if (cmd.type == OrderType::kMarket) {
    // Without a protection price a market order is bounded by the band's far edge.
    const Price bound = cmd.side == Side::kBuy ? instrument.band.high : instrument.band.low;
    if (!Notional(bound, cmd.quantity, instrument.config->base_units_per_price_unit).ok()) {
      return RejectReason::kArithmeticOverflow;
    }
    return RejectReason::kNone;
  }
  if (!cmd.price.is_positive()) return RejectReason::kInvalidPrice;
  if (cmd.price.raw() % instrument.config->tick.raw() != 0) return RejectReason::kPriceNotOnTick;
  if (cmd.price < instrument.band.low || cmd.price > instrument.band.high) {
    return RejectReason::kPriceOutsideBand;
  }
  if (!Notional(cmd.price, cmd.quantity, instrument.config->base_units_per_price_unit).ok()) {
    return RejectReason::kArithmeticOverflow;
  }
  return RejectReason::kNone;
}

OrderView ExchangeCore::View(const BookOrder& order, InstrumentId instrument) const {
  OrderView view;
  view.order_id = order.id;
  view.member = order.member;
  view.instrument = instrument;
  view.cl_ord_id = order.cl_ord_id;
  view.side = order.side;
  view.type = order.type;
  view.tif = order.tif;
  view.price = order.price;
  view.quantity = order.quantity;
  view.leaves_quantity = order.leaves_quantity;
  auto totals = open_orders_.find(order.id);
  if (totals != open_orders_.end()) {
    view.session = totals->second.session;
    view.cum_quantity = totals->second.cum_quantity;
    view.cum_notional = totals->second.cum_notional;
  }
  return view;
}

void ExchangeCore::ApplyNewOrder(SeqNo seq, Timestamp time, const NewOrderCommand& cmd,
                                 std::vector<Event>& out) {
  const RejectReason reason = Validate(cmd);
  if (reason != RejectReason::kNone) {
    out.push_back(Event{seq, time, OrderRejected{cmd.session, cmd.member, cmd.instrument,
                                                 cmd.cl_ord_id, cmd.side, cmd.price, cmd.quantity,
                                                 reason}});
    return;
  }
  Instrument& instrument = instruments_[cmd.instrument.value() - 1];
  BookOrder order;
  order.id = OrderId(next_order_id_++);
  order.member = cmd.member;
  order.cl_ord_id = cmd.cl_ord_id;
  order.side = cmd.side;
  order.type = cmd.type;
  order.tif = cmd.type == OrderType::kMarket ? TimeInForce::kIoc : cmd.tif;
  order.price = cmd.price;
  order.quantity = cmd.quantity;
  order.leaves_quantity = cmd.quantity;
  cl_ord_ids_.emplace(MemberOrderKey{cmd.member, cmd.cl_ord_id}, order.id);
  open_orders_.emplace(order.id, OrderTotals{cmd.instrument, cmd.session, Quantity(), Money()});
  out.push_back(Event{seq, time, OrderAccepted{View(order, cmd.instrument)}});

  FillCollector fills(*this, instrument, seq, time, out);
  instrument.book->Match(order, fills);
  if (order.leaves_quantity.is_zero()) return;
  if (order.tif == TimeInForce::kIoc) {
    OrderView view = View(order, cmd.instrument);
    view.leaves_quantity = Quantity();
    open_orders_.erase(order.id);
    out.push_back(Event{seq, time, OrderCancelled{view, ClOrdId(), 0, CancelCause::kUnfilledIoc}});
    return;
  }
  instrument.book->Rest(order);
}

void ExchangeCore::ApplyCancel(SeqNo seq, Timestamp time, const CancelOrderCommand& cmd,
                               std::vector<Event>& out) {
  auto reject = [&](RejectReason reason) {
    out.push_back(Event{seq, time, CancelRejected{cmd.session, cmd.member, cmd.cl_ord_id,
                                                  cmd.orig_cl_ord_id, reason}});
  };
  if (cmd.cl_ord_id.empty()) return reject(RejectReason::kInvalidClOrdId);
  if (cl_ord_ids_.contains(MemberOrderKey{cmd.member, cmd.cl_ord_id})) {
    return reject(RejectReason::kDuplicateClOrdId);
  }
  auto known = cl_ord_ids_.find(MemberOrderKey{cmd.member, cmd.orig_cl_ord_id});
  if (known == cl_ord_ids_.end()) return reject(RejectReason::kUnknownOrder);
  auto totals = open_orders_.find(known->second);
  if (totals == open_orders_.end()) return reject(RejectReason::kTooLateToCancel);
  const InstrumentId instrument_id = totals->second.instrument;
  std::optional<BookOrder> cancelled = instruments_[instrument_id.value() - 1].book->Cancel(known->second);
  if (!cancelled.has_value()) return reject(RejectReason::kTooLateToCancel);
  cl_ord_ids_.emplace(MemberOrderKey{cmd.member, cmd.cl_ord_id}, cancelled->id);
  OrderView view = View(*cancelled, instrument_id);
  view.leaves_quantity = Quantity();
  open_orders_.erase(totals);
  out.push_back(Event{seq, time, OrderCancelled{view, cmd.cl_ord_id, cmd.session,
                                                CancelCause::kRequested}});
}

}  // namespace dazong::exchange
