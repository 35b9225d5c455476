// ExchangeCore: validation of every reject reason, price-time matching, IOC, cancels,
// determinism of replay.
#include "dazong/exchange/core.h"

#include <gtest/gtest.h>

#include "../support/test_config.h"

namespace dazong::exchange {
namespace {

class CoreTest : public ::testing::Test {
 protected:
  CoreTest() : config_(testing::MakeTestConfig()), core_(config_) {}

  // The events about orders (market data events filtered out).
  std::vector<Event> Apply(CommandBody body) {
    std::vector<Event> order_events;
    for (Event& e : ApplyAll(std::move(body))) {
      if (IsOrderEvent(e)) order_events.push_back(std::move(e));
    }
    return order_events;
  }
  std::vector<Event> ApplyAll(CommandBody body) {
    ++seq_;
    SequencedCommand cmd{SeqNo(seq_), static_cast<Timestamp>(seq_ * 1000), std::move(body)};
    std::vector<Event> events;
    core_.Apply(cmd, events);
    return events;
  }
  static bool IsOrderEvent(const Event& e) {
    return std::holds_alternative<OrderAccepted>(e.body) || std::holds_alternative<OrderRejected>(e.body) ||
           std::holds_alternative<OrderCancelled>(e.body) || std::holds_alternative<CancelRejected>(e.body) ||
           std::holds_alternative<TradeEvent>(e.body) || std::holds_alternative<OrderReplaced>(e.body) ||
           std::holds_alternative<MassCancelDone>(e.body);
  }

  static NewOrderCommand Order(uint32_t member, std::string_view cl, Side side, int64_t price_yuan,
                               int64_t qty_kg, TimeInForce tif = TimeInForce::kDay) {
    return testing::RebarLimit(member, cl, side, price_yuan, qty_kg, tif);
  }

  RejectReason RejectOf(const std::vector<Event>& events) {
    EXPECT_EQ(events.size(), 1u);
    const auto* r = std::get_if<OrderRejected>(&events.at(0).body);
    EXPECT_NE(r, nullptr);
    return r == nullptr ? RejectReason::kNone : r->reason;
  }

  ExchangeConfig config_;
  ExchangeCore core_;
  uint64_t seq_ = 0;
};

TEST_F(CoreTest, PriceBandIsReferencePlusMinusBpsRoundedInwardToTicks) {
  EXPECT_EQ(core_.band(InstrumentId(1)).low, Price::FromRaw(346800));   // 3467.50 -> 3468
  EXPECT_EQ(core_.band(InstrumentId(1)).high, Price::FromRaw(383200));  // 3832.50 -> 3832
}

TEST_F(CoreTest, RejectsEachInvalidOrderWithItsReasonAndChangesNothing) {
  struct Case {
    const char* name;
    NewOrderCommand order;
    RejectReason reason;
  };
  NewOrderCommand unknown_instrument = Order(1, "a", Side::kBuy, 3650, 1000);
  unknown_instrument.instrument = InstrumentId(9);
  NewOrderCommand no_instrument = Order(1, "a", Side::kBuy, 3650, 1000);
  no_instrument.instrument = InstrumentId();
  NewOrderCommand unknown_member = Order(7, "a", Side::kBuy, 3650, 1000);
  NewOrderCommand disabled_member = Order(3, "a", Side::kBuy, 3650, 1000);
  NewOrderCommand empty_cl = Order(1, "", Side::kBuy, 3650, 1000);
  NewOrderCommand zero_qty = Order(1, "a", Side::kBuy, 3650, 0);
  NewOrderCommand negative_qty = Order(1, "a", Side::kBuy, 3650, -1000);
  NewOrderCommand odd_lot = Order(1, "a", Side::kBuy, 3650, 1500);
  NewOrderCommand zero_price = Order(1, "a", Side::kBuy, 0, 1000);
  NewOrderCommand off_tick = Order(1, "a", Side::kBuy, 3650, 1000);
  off_tick.price = Price::FromRaw(365050);
  NewOrderCommand above_band = Order(1, "a", Side::kBuy, 3833, 1000);
  NewOrderCommand below_band = Order(1, "a", Side::kSell, 3467, 1000);
  NewOrderCommand overflow = Order(1, "a", Side::kBuy, 3650, 1000);
  overflow.quantity = Quantity::FromRaw(INT64_MAX / 1000 * 1000);
  NewOrderCommand gtd = Order(1, "a", Side::kBuy, 3650, 1000, TimeInForce::kGtd);  // no expiry
  NewOrderCommand bad_type = Order(1, "a", Side::kBuy, 3650, 1000);
  bad_type.type = static_cast<OrderType>(9);
  const Case cases[] = {
      {"unknown instrument", unknown_instrument, RejectReason::kUnknownInstrument},
      {"no instrument", no_instrument, RejectReason::kUnknownInstrument},
      {"unknown member", unknown_member, RejectReason::kUnknownMember},
      {"disabled member", disabled_member, RejectReason::kUnknownMember},
      {"empty ClOrdID", empty_cl, RejectReason::kInvalidClOrdId},
      {"zero quantity", zero_qty, RejectReason::kInvalidQuantity},
      {"negative quantity", negative_qty, RejectReason::kInvalidQuantity},
      {"odd lot", odd_lot, RejectReason::kQuantityNotLotMultiple},
      {"zero price", zero_price, RejectReason::kInvalidPrice},
      {"off tick", off_tick, RejectReason::kPriceNotOnTick},
      {"above band", above_band, RejectReason::kPriceOutsideBand},
      {"below band", below_band, RejectReason::kPriceOutsideBand},
      {"notional overflow", overflow, RejectReason::kArithmeticOverflow},
      {"GTD without expire time", gtd, RejectReason::kInvalidExpireTime},
      {"unknown order type", bad_type, RejectReason::kUnsupportedOrderType},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(RejectOf(Apply(c.order)), c.reason);
  }
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 0u);
  EXPECT_EQ(core_.last_order_id(), 0u);
  // A rejected ClOrdID is not consumed: the same id is accepted when the order is valid.
  auto events = Apply(Order(1, "a", Side::kBuy, 3650, 1000));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<OrderAccepted>(events[0].body));
}

TEST_F(CoreTest, DuplicateClOrdIdPerMemberIsRejectedButOtherMembersMayReuseIt) {
  Apply(Order(1, "x1", Side::kBuy, 3650, 1000));
  EXPECT_EQ(RejectOf(Apply(Order(1, "x1", Side::kBuy, 3640, 1000))), RejectReason::kDuplicateClOrdId);
  auto other = Apply(Order(2, "x1", Side::kBuy, 3640, 1000));
  EXPECT_TRUE(std::holds_alternative<OrderAccepted>(other.at(0).body));
}

TEST_F(CoreTest, CrossingOrdersTradeAtTheRestingPriceWithPriceTimePriority) {
  Apply(Order(1, "s1", Side::kSell, 3660, 2000));
  Apply(Order(1, "s2", Side::kSell, 3655, 1000));  // better price, later
  Apply(Order(1, "s3", Side::kSell, 3655, 1000));  // same price, later still
  auto events = Apply(Order(2, "b1", Side::kBuy, 3670, 3000));
  ASSERT_EQ(events.size(), 4u);  // accepted + 3 trades
  const auto& t1 = std::get<TradeEvent>(events[1].body);
  const auto& t2 = std::get<TradeEvent>(events[2].body);
  const auto& t3 = std::get<TradeEvent>(events[3].body);
  EXPECT_EQ(t1.sell.cl_ord_id.view(), "s2");
  EXPECT_EQ(t1.price, Price::FromRaw(365500));
  EXPECT_EQ(t2.sell.cl_ord_id.view(), "s3");
  EXPECT_EQ(t3.sell.cl_ord_id.view(), "s1");
  EXPECT_EQ(t3.price, Price::FromRaw(366000));
  EXPECT_EQ(t3.quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(t1.aggressor, Side::kBuy);
  EXPECT_EQ(t1.trade_id, TradeId(1));
  EXPECT_EQ(t3.trade_id, TradeId(3));
  // 1 t at 3655.00 yuan/t = 365500 fen.
  EXPECT_EQ(t1.notional, Money::FromRaw(365500));
  // The buyer is filled: 3 t for 3655 + 3655 + 3660 yuan.
  EXPECT_EQ(t3.buy.cum_quantity, Quantity::FromRaw(3000));
  EXPECT_EQ(t3.buy.leaves_quantity, Quantity::FromRaw(0));
  EXPECT_EQ(t3.buy.cum_notional, Money::FromRaw(365500 + 365500 + 366000));
  // s1 keeps 1 t resting.
  EXPECT_EQ(t3.sell.leaves_quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 1u);
  EXPECT_EQ(core_.book(InstrumentId(1)).bbo().ask_price, Price::FromRaw(366000));
}

TEST_F(CoreTest, IocRemainderIsCancelledNotRested) {
  Apply(Order(1, "s1", Side::kSell, 3650, 1000));
  auto events = Apply(Order(2, "b1", Side::kBuy, 3650, 3000, TimeInForce::kIoc));
  ASSERT_EQ(events.size(), 3u);
  const auto& cancelled = std::get<OrderCancelled>(events[2].body);
  EXPECT_EQ(cancelled.cause, CancelCause::kUnfilledIoc);
  EXPECT_EQ(cancelled.order.cum_quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(cancelled.order.leaves_quantity, Quantity::FromRaw(0));
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 0u);
}

TEST_F(CoreTest, MarketOrderTakesLiquidityAtAnyPriceAndCancelsTheRest) {
  Apply(Order(1, "s1", Side::kSell, 3700, 1000));
  NewOrderCommand market = Order(2, "m1", Side::kBuy, 0, 2000);
  market.type = OrderType::kMarket;
  auto events = Apply(market);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<TradeEvent>(events[1].body).price, Price::FromRaw(370000));
  EXPECT_EQ(std::get<OrderCancelled>(events[2].body).cause, CancelCause::kUnfilledIoc);
}

TEST_F(CoreTest, CancelRemovesTheOrderAndReportsTheRequest) {
  Apply(Order(1, "b1", Side::kBuy, 3640, 2000));
  CancelOrderCommand cancel{5, MemberId(1), InstrumentId(1), ClOrdId::FromView("c1"),
                            ClOrdId::FromView("b1"), Side::kBuy};
  auto events = Apply(cancel);
  ASSERT_EQ(events.size(), 1u);
  const auto& cancelled = std::get<OrderCancelled>(events[0].body);
  EXPECT_EQ(cancelled.request_cl_ord_id.view(), "c1");
  EXPECT_EQ(cancelled.request_session, 5u);
  EXPECT_EQ(cancelled.order.cl_ord_id.view(), "b1");
  EXPECT_EQ(cancelled.order.session, 1u);
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 0u);
}

TEST_F(CoreTest, CancelRejectsUnknownClosedForeignAndDuplicateRequests) {
  Apply(Order(1, "b1", Side::kBuy, 3640, 1000));
  Apply(Order(1, "b2", Side::kBuy, 3650, 1000));
  Apply(Order(2, "s1", Side::kSell, 3650, 1000));  // fills b2
  auto cancel = [&](uint32_t member, std::string_view cl, std::string_view orig) {
    auto events = Apply(CancelOrderCommand{member, MemberId(member), InstrumentId(1),
                                           ClOrdId::FromView(cl), ClOrdId::FromView(orig), Side::kBuy});
    EXPECT_EQ(events.size(), 1u);
    const auto* r = std::get_if<CancelRejected>(&events.at(0).body);
    return r == nullptr ? RejectReason::kNone : r->reason;
  };
  EXPECT_EQ(cancel(1, "c1", "nope"), RejectReason::kUnknownOrder);
  EXPECT_EQ(cancel(1, "c2", "b2"), RejectReason::kTooLateToCancel);
  // Member 2 cannot see (or cancel) member 1's order.
  EXPECT_EQ(cancel(2, "c3", "b1"), RejectReason::kUnknownOrder);
  EXPECT_EQ(cancel(1, "b1", "b1"), RejectReason::kDuplicateClOrdId);
  EXPECT_EQ(cancel(1, "", "b1"), RejectReason::kInvalidClOrdId);
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 1u);
}

TEST_F(CoreTest, SameCommandsGiveTheSameEvents) {
  std::vector<SequencedCommand> commands;
  uint64_t seq = 0;
  auto add = [&](CommandBody body) { commands.push_back({SeqNo(++seq), static_cast<Timestamp>(seq), body}); };
  for (int i = 0; i < 200; ++i) {
    const Side side = i % 3 == 0 ? Side::kBuy : Side::kSell;
    add(Order(1 + i % 2, "o" + std::to_string(i), side, 3600 + (i * 7) % 100, 1000 * (1 + i % 4)));
    if (i % 5 == 0) {
      add(CancelOrderCommand{1, MemberId(1), InstrumentId(1), ClOrdId::FromView("c" + std::to_string(i)),
                             ClOrdId::FromView("o" + std::to_string(i - 5)), Side::kBuy});
    }
  }
  auto run = [&] {
    ExchangeCore core(config_);
    std::vector<Event> events;
    for (const auto& cmd : commands) core.Apply(cmd, events);
    std::string digest;
    for (const Event& e : events) {
      digest += std::to_string(e.seq.value()) + ":" + std::to_string(e.body.index());
      if (const auto* t = std::get_if<TradeEvent>(&e.body)) {
        digest += ":" + std::to_string(t->price.raw()) + "x" + std::to_string(t->quantity.raw());
      }
      digest += ";";
    }
    return digest;
  };
  const std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find(":4:"), std::string::npos);  // some trades happened
}

TEST_F(CoreTest, BandRejectCarriesTheBand) {
  auto events = Apply(Order(1, "x", Side::kBuy, 3900, 1000));
  ASSERT_EQ(events.size(), 1u);
  const auto& r = std::get<OrderRejected>(events[0].body);
  EXPECT_EQ(r.reason, RejectReason::kPriceOutsideBand);
  EXPECT_EQ(r.band_low, Price::FromRaw(346800));
  EXPECT_EQ(r.band_high, Price::FromRaw(383200));
}

TEST_F(CoreTest, ReplaceUsesTotalQuantityAndTheNewClOrdIdFromThenOn) {
  Apply(Order(1, "b1", Side::kBuy, 3640, 3000));
  Apply(Order(2, "s1", Side::kSell, 3640, 1000));  // b1 filled 1 t, 2 t open
  auto events = Apply(ReplaceOrderCommand{1, MemberId(1), InstrumentId(1), ClOrdId::FromView("b1-r"),
                                          ClOrdId::FromView("b1"), Side::kBuy, Price::FromRaw(364000),
                                          Quantity::FromRaw(2000)});  // total 2 t: 1 t open
  ASSERT_EQ(events.size(), 1u);
  const auto& replaced = std::get<OrderReplaced>(events[0].body);
  EXPECT_FALSE(replaced.lost_priority);
  EXPECT_EQ(replaced.order.cl_ord_id.view(), "b1-r");
  EXPECT_EQ(replaced.orig_cl_ord_id.view(), "b1");
  EXPECT_EQ(replaced.order.leaves_quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(replaced.order.cum_quantity, Quantity::FromRaw(1000));
  // Total below what has filled: refused, nothing changes.
  events = Apply(ReplaceOrderCommand{1, MemberId(1), InstrumentId(1), ClOrdId::FromView("b1-x"),
                                     ClOrdId::FromView("b1-r"), Side::kBuy, Price::FromRaw(364000),
                                     Quantity::FromRaw(1000)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::get<CancelRejected>(events[0].body).for_replace);
  // A cancel or a replace naming the ClOrdID the order had before (a request built on its
  // older state) is refused, and the order stays as replaced.
  events = Apply(CancelOrderCommand{1, MemberId(1), InstrumentId(1), ClOrdId::FromView("c-old"),
                                    ClOrdId::FromView("b1"), Side::kBuy});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<CancelRejected>(events[0].body).reason, RejectReason::kNotLatestClOrdId);
  EXPECT_FALSE(std::get<CancelRejected>(events[0].body).for_replace);
  events = Apply(ReplaceOrderCommand{1, MemberId(1), InstrumentId(1), ClOrdId::FromView("b1-old"),
                                     ClOrdId::FromView("b1"), Side::kBuy, Price::FromRaw(363000),
                                     Quantity::FromRaw(3000)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<CancelRejected>(events[0].body).reason, RejectReason::kNotLatestClOrdId);
  EXPECT_TRUE(std::get<CancelRejected>(events[0].body).for_replace);
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 1u);
  // The order is now known by its new ClOrdID.
  events = Apply(CancelOrderCommand{1, MemberId(1), InstrumentId(1), ClOrdId::FromView("c"),
                                    ClOrdId::FromView("b1-r"), Side::kBuy});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<OrderCancelled>(events[0].body));
}

TEST_F(CoreTest, AMemberMassCancelTouchesOnlyItsOwnOrders) {
  Apply(Order(1, "a", Side::kBuy, 3640, 1000));
  Apply(Order(1, "b", Side::kSell, 3700, 1000));
  Apply(Order(2, "c", Side::kBuy, 3630, 1000));
  MassCancelCommand mass;
  mass.member = MemberId(1);
  mass.cl_ord_id = ClOrdId::FromView("m");
  auto events = Apply(mass);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<OrderCancelled>(events[0].body).cause, CancelCause::kMassCancel);
  EXPECT_EQ(std::get<MassCancelDone>(events[2].body).cancelled, 2u);
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 1u);
  // The operator (member 0) may cancel everything.
  MassCancelCommand all;
  all.cl_ord_id = ClOrdId::FromView("op");
  events = Apply(all);
  EXPECT_EQ(std::get<MassCancelDone>(events.back().body).cancelled, 1u);
}

TEST_F(CoreTest, MemberSelfTradePreventionComesFromTheConfig) {
  config_.members[0].self_trade_prevention = SelfTradePrevention::kCancelResting;
  ExchangeCore core(config_);
  std::vector<Event> events;
  core.Apply({SeqNo(1), 1, Order(1, "s", Side::kSell, 3650, 1000)}, events);
  events.clear();
  core.Apply({SeqNo(2), 2, Order(1, "b", Side::kBuy, 3650, 1000)}, events);
  bool self_cancel = false;
  for (const Event& e : events) {
    if (const auto* c = std::get_if<OrderCancelled>(&e.body)) self_cancel |= c->cause == CancelCause::kSelfTrade;
    EXPECT_FALSE(std::holds_alternative<TradeEvent>(e.body));
  }
  EXPECT_TRUE(self_cancel);
}

TEST_F(CoreTest, OperatorPhasesRunAnOpeningAuction) {
  auto events = ApplyAll(PhaseCommand{InstrumentId(1), PhaseCommand::Action::kSetPhase, Phase::kPreOpen});
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(std::get<PhaseChanged>(events[0].body).to, Phase::kPreOpen);
  Apply(Order(1, "b", Side::kBuy, 3660, 2000));
  Apply(Order(2, "s", Side::kSell, 3640, 1000));
  events = ApplyAll(PhaseCommand{InstrumentId(1), PhaseCommand::Action::kSetPhase, Phase::kContinuous});
  bool auction_trade = false;
  for (const Event& e : events) {
    if (const auto* t = std::get_if<TradeEvent>(&e.body)) {
      auction_trade = t->auction;
      EXPECT_EQ(t->quantity, Quantity::FromRaw(1000));
    }
  }
  EXPECT_TRUE(auction_trade);
  events = ApplyAll(PhaseCommand{InstrumentId(9), PhaseCommand::Action::kHalt, Phase::kHalted});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<PhaseCommandRejected>(events[0].body).reason, RejectReason::kUnknownInstrument);
}

TEST_F(CoreTest, TimerExpiresGtdOrders) {
  NewOrderCommand gtd = Order(1, "g", Side::kBuy, 3640, 1000, TimeInForce::kGtd);
  gtd.expire_time = 5000;
  Apply(gtd);  // at time 1000
  Apply(TimerCommand{});  // 2000
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 1u);
  Apply(TimerCommand{});  // 3000
  Apply(TimerCommand{});  // 4000
  auto events = Apply(TimerCommand{});  // 5000
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<OrderCancelled>(events[0].body).cause, CancelCause::kExpired);
}

// OrderStatusRequest reads the core: an open order's current state under any ClOrdID it has
// had, "closed" once it is filled or cancelled, unknown for ids never used or another member's.
TEST_F(CoreTest, FindOrderAnswersFromTheCoresOwnState) {
  auto cl = [](std::string_view v) { return ClOrdId::FromView(v); };
  EXPECT_EQ(core_.FindOrder(MemberId(1), cl("S1")).kind, OrderStatusKind::kUnknown);
  Apply(Order(1, "S1", Side::kSell, 3650, 3000));
  OrderStatusAnswer open = core_.FindOrder(MemberId(1), cl("S1"));
  ASSERT_EQ(open.kind, OrderStatusKind::kOpen);
  EXPECT_EQ(open.order.cum_quantity, Quantity());
  EXPECT_EQ(open.order.leaves_quantity, Quantity::FromRaw(3000));
  EXPECT_EQ(open.order.instrument, InstrumentId(1));
  EXPECT_EQ(open.order.cl_ord_id.view(), "S1");
  // Another member cannot see it.
  EXPECT_EQ(core_.FindOrder(MemberId(2), cl("S1")).kind, OrderStatusKind::kUnknown);

  Apply(Order(2, "B1", Side::kBuy, 3650, 1000));  // fills 1 t
  OrderStatusAnswer partial = core_.FindOrder(MemberId(1), cl("S1"));
  ASSERT_EQ(partial.kind, OrderStatusKind::kOpen);
  EXPECT_EQ(partial.order.cum_quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(partial.order.leaves_quantity, Quantity::FromRaw(2000));
  EXPECT_EQ(partial.order.cum_notional, Money::FromRaw(365000));
  // The buy filled completely: closed.
  EXPECT_EQ(core_.FindOrder(MemberId(2), cl("B1")).kind, OrderStatusKind::kClosed);

  // After a replace the order is found under both ClOrdIDs, with the new one as its own.
  Apply(ReplaceOrderCommand{1, MemberId(1), InstrumentId(1), cl("S1-R"), cl("S1"), Side::kSell,
                            Price::FromRaw(366000), Quantity::FromRaw(3000)});
  for (const char* id : {"S1", "S1-R"}) {
    OrderStatusAnswer replaced = core_.FindOrder(MemberId(1), cl(id));
    ASSERT_EQ(replaced.kind, OrderStatusKind::kOpen) << id;
    EXPECT_EQ(replaced.order.cl_ord_id.view(), "S1-R");
    EXPECT_EQ(replaced.order.price, Price::FromRaw(366000));
    EXPECT_EQ(replaced.order.order_id, open.order.order_id);
  }
  CancelOrderCommand cancel;
  cancel.member = MemberId(1);
  cancel.instrument = InstrumentId(1);
  cancel.cl_ord_id = cl("S1-C");
  cancel.orig_cl_ord_id = cl("S1-R");
  cancel.side = Side::kSell;
  Apply(cancel);
  OrderStatusAnswer closed = core_.FindOrder(MemberId(1), cl("S1"));
  EXPECT_EQ(closed.kind, OrderStatusKind::kClosed);
  EXPECT_EQ(closed.order.order_id, open.order.order_id);
  EXPECT_EQ(core_.FindOrder(MemberId(1), cl("S1-C")).kind, OrderStatusKind::kClosed);
}

}  // namespace
}  // namespace dazong::exchange
