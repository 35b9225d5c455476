// OrderBook rules, one test per rule: price-time matching, every order type and time in
// force, replace priority, self-trade prevention, bands, expiry, phases and call auctions,
// volatility interruption, halts, mass cancel, market data and capacity. The differential
// test (matching_differential_test.cc) checks random streams against a reference model.
#include "dazong/matching/order_book.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dazong::matching {
namespace {

// Records every callback as a short line, e.g. "T 7x3 100@5" (aggressor 7, resting 3).
class Recorder final : public OrderListener, public MarketDataListener {
 public:
  void OnAccepted(const Order& o) override { log.push_back("A " + Id(o.id)); }
  void OnRejected(const OrderRequest& r, RejectReason reason) override {
    log.push_back("R " + Id(r.id) + " " + std::to_string(RejectReasonCode(reason)));
  }
  void OnTrade(const Order& a, const Order& r, Price p, Quantity q, bool auction) override {
    log.push_back(std::string(auction ? "X " : "T ") + Id(a.id) + "x" + Id(r.id) + " " +
                  std::to_string(p.raw()) + "@" + std::to_string(q.raw()));
  }
  void OnCancelled(const Order& o, CancelReason reason) override {
    log.push_back("C " + Id(o.id) + " " + std::to_string(static_cast<int>(reason)));
  }
  void OnReplaced(const Order& o, Price, Quantity, bool lost) override {
    log.push_back(std::string("M ") + Id(o.id) + (lost ? " lost" : " kept"));
  }
  void OnCancelRejected(OrderId id, RejectReason reason) override {
    log.push_back("CR " + Id(id) + " " + std::to_string(RejectReasonCode(reason)));
  }
  void OnReplaceRejected(OrderId id, RejectReason reason) override {
    log.push_back("MR " + Id(id) + " " + std::to_string(RejectReasonCode(reason)));
  }
  void OnBbo(const Bbo& b) override { bbos.push_back(b); }
  void OnDepth(Side side, uint32_t rank, const Level& level) override {
    depth.push_back(std::string(side == Side::kBuy ? "B" : "S") + std::to_string(rank) + " " +
                    std::to_string(level.price.raw()) + "=" + std::to_string(level.quantity.raw()));
  }
  void OnPhase(Phase, Phase to) override { phases.push_back(PhaseName(to)); }
  void OnIndicative(Price p, Quantity v, Quantity, Side) override {
    indications.push_back(std::to_string(p.raw()) + "@" + std::to_string(v.raw()));
  }
  std::vector<std::string> Take() {
    std::vector<std::string> out;
    out.swap(log);
    return out;
  }
  static std::string Id(OrderId id) { return std::to_string(id.value()); }

  std::vector<std::string> log;
  std::vector<Bbo> bbos;
  std::vector<std::string> depth;
  std::vector<std::string> phases;
  std::vector<std::string> indications;
};

using Log = std::vector<std::string>;

class BookTest : public ::testing::Test {
 protected:
  void Make(BookConfig config = {}) {
    if (config.max_orders == 1 << 16) config.max_orders = 64;
    if (!config.window_high.is_positive()) {
      config.window_low = Price::FromRaw(1);
      config.window_high = Price::FromRaw(200);
    }
    book_ = std::make_unique<OrderBook>(config, rec_, &rec_);
  }
  void SetUp() override { Make(); }

  OrderRequest Req(uint64_t id, Side side, int64_t price, int64_t qty, TimeInForce tif = TimeInForce::kGtc,
                   uint32_t member = 1) {
    OrderRequest r;
    r.id = OrderId(id);
    r.member = MemberId(member);
    r.side = side;
    r.tif = tif;
    r.price = Price::FromRaw(price);
    r.quantity = Quantity::FromRaw(qty);
    return r;
  }
  Log Add(const OrderRequest& r) {
    book_->Add(r, now_);
    Check();
    return rec_.Take();
  }
  Log Add(uint64_t id, Side side, int64_t price, int64_t qty, TimeInForce tif = TimeInForce::kGtc,
          uint32_t member = 1) {
    return Add(Req(id, side, price, qty, tif, member));
  }
  std::string Resting() {
    std::string out;
    book_->ForEachOrder([&](const Order& o) {
      out += (o.side == Side::kBuy ? "B" : "S") + std::to_string(o.price.raw()) + ":" +
             std::to_string(o.id.value()) + "/" + std::to_string(o.leaves.raw()) + " ";
    });
    return out;
  }
  void Check() {
    std::string problem;
    ASSERT_TRUE(book_->CheckInvariants(&problem)) << problem;
  }

  Recorder rec_;
  std::unique_ptr<OrderBook> book_;
  Timestamp now_ = 1000;
};

TEST_F(BookTest, RestsOrdersAndReportsBestPricesAndDepth) {
  Add(1, Side::kBuy, 100, 5);
  Add(2, Side::kBuy, 101, 5);
  Add(3, Side::kSell, 105, 5);
  Add(4, Side::kSell, 104, 5);
  EXPECT_EQ(book_->bbo().bid_price.raw(), 101);
  EXPECT_EQ(book_->bbo().ask_price.raw(), 104);
  EXPECT_EQ(Resting(), "B101:2/5 B100:1/5 S104:4/5 S105:3/5 ");
  Level levels[4];
  ASSERT_EQ(book_->Depth(Side::kBuy, 4, levels), 2u);
  EXPECT_EQ(levels[1].price.raw(), 100);
  EXPECT_EQ(book_->order_count(), 4u);
}

TEST_F(BookTest, MatchesByPriceThenTimeAtTheRestingPrice) {
  Add(1, Side::kSell, 102, 3);
  Add(2, Side::kSell, 100, 3);
  Add(3, Side::kSell, 100, 3);
  EXPECT_EQ(Add(9, Side::kBuy, 101, 10), (Log{"A 9", "T 9x2 100@3", "T 9x3 100@3"}));
  EXPECT_EQ(Resting(), "B101:9/4 S102:1/3 ");
}

TEST_F(BookTest, CancelRemovesFromAnywhereInALevelAndUnknownIdsAreRejected) {
  for (uint64_t id = 1; id <= 3; ++id) Add(id, Side::kBuy, 100, 1);
  book_->Cancel(OrderId(2), now_);
  EXPECT_EQ(rec_.Take(), (Log{"C 2 1"}));
  book_->Cancel(OrderId(2), now_);
  EXPECT_EQ(rec_.Take(), (Log{"CR 2 23"}));
  EXPECT_EQ(Add(9, Side::kSell, 100, 2), (Log{"A 9", "T 9x1 100@1", "T 9x3 100@1"}));
  Check();
}

TEST_F(BookTest, IocCancelsItsRemainder) {
  Add(1, Side::kSell, 100, 2);
  EXPECT_EQ(Add(2, Side::kBuy, 100, 5, TimeInForce::kIoc), (Log{"A 2", "T 2x1 100@2", "C 2 2"}));
  EXPECT_EQ(book_->order_count(), 0u);
}

TEST_F(BookTest, FokFillsCompletelyOrNotAtAll) {
  Add(1, Side::kSell, 100, 2);
  Add(2, Side::kSell, 101, 2);
  EXPECT_EQ(Add(3, Side::kBuy, 101, 5, TimeInForce::kFok), (Log{"A 3", "C 3 3"}));
  EXPECT_EQ(Resting(), "S100:1/2 S101:2/2 ");
  EXPECT_EQ(Add(4, Side::kBuy, 101, 4, TimeInForce::kFok), (Log{"A 4", "T 4x1 100@2", "T 4x2 101@2"}));
  EXPECT_EQ(book_->order_count(), 0u);
}

TEST_F(BookTest, MarketOrdersNeverTradeBeyondTheBandOrTheirProtectionPrice) {
  BookConfig c;
  c.band_low = Price::FromRaw(90);
  c.band_high = Price::FromRaw(110);
  Make(c);
  Add(1, Side::kSell, 100, 1);
  Add(2, Side::kSell, 105, 1);
  Add(3, Side::kSell, 110, 1);
  OrderRequest market = Req(4, Side::kBuy, 0, 5, TimeInForce::kIoc);
  market.type = OrderType::kMarket;
  market.protection_price = Price::FromRaw(105);
  EXPECT_EQ(Add(market), (Log{"A 4", "T 4x1 100@1", "T 4x2 105@1", "C 4 2"}));
  market.id = OrderId(5);
  market.protection_price = Price();  // the band's edge
  EXPECT_EQ(Add(market), (Log{"A 5", "T 5x3 110@1", "C 5 2"}));
}

TEST_F(BookTest, RejectsPricesOutsideTheBandOffTickAndOddLots) {
  BookConfig c;
  c.band_low = Price::FromRaw(90);
  c.band_high = Price::FromRaw(110);
  c.tick = Price::FromRaw(5);
  c.lot = Quantity::FromRaw(10);
  Make(c);
  EXPECT_EQ(Add(1, Side::kBuy, 115, 10), (Log{"R 1 6"}));
  EXPECT_EQ(Add(1, Side::kBuy, 85, 10), (Log{"R 1 6"}));
  EXPECT_EQ(Add(1, Side::kBuy, 102, 10), (Log{"R 1 4"}));
  EXPECT_EQ(Add(1, Side::kBuy, 100, 15), (Log{"R 1 5"}));
  EXPECT_EQ(Add(1, Side::kBuy, 100, 0), (Log{"R 1 3"}));
  EXPECT_EQ(Add(1, Side::kBuy, 0, 10), (Log{"R 1 2"}));
  EXPECT_EQ(Add(1, Side::kBuy, 100, 10), (Log{"A 1"}));
  EXPECT_EQ(Add(1, Side::kBuy, 100, 10), (Log{"R 1 24"}));  // id in use
}

TEST_F(BookTest, ReplaceKeepsPriorityOnlyForASizeReductionAtTheSamePrice) {
  Add(1, Side::kBuy, 100, 5);
  Add(2, Side::kBuy, 100, 5);
  book_->Replace(OrderId(1), Price::FromRaw(100), Quantity::FromRaw(3), now_);
  EXPECT_EQ(rec_.Take(), (Log{"M 1 kept"}));
  EXPECT_EQ(Resting(), "B100:1/3 B100:2/5 ");
  book_->Replace(OrderId(1), Price::FromRaw(100), Quantity::FromRaw(4), now_);
  EXPECT_EQ(rec_.Take(), (Log{"M 1 lost"}));
  EXPECT_EQ(Resting(), "B100:2/5 B100:1/4 ");
  Add(3, Side::kSell, 102, 2);
  // A price change that crosses trades at once, at the resting price.
  book_->Replace(OrderId(2), Price::FromRaw(102), Quantity::FromRaw(5), now_);
  EXPECT_EQ(rec_.Take(), (Log{"M 2 lost", "T 2x3 102@2"}));
  EXPECT_EQ(Resting(), "B102:2/3 B100:1/4 ");
  EXPECT_EQ(book_->Find(OrderId(2))->filled.raw(), 2);
  EXPECT_EQ(book_->Find(OrderId(2))->quantity.raw(), 5);
  Check();
}

TEST_F(BookTest, BadReplacesAreRejectedAndChangeNothing) {
  BookConfig c;
  c.band_low = Price::FromRaw(90);
  c.band_high = Price::FromRaw(110);
  Make(c);
  Add(1, Side::kBuy, 100, 5);
  const std::string before = Resting();
  book_->Replace(OrderId(1), Price::FromRaw(120), Quantity::FromRaw(5), now_);
  book_->Replace(OrderId(1), Price::FromRaw(100), Quantity::FromRaw(0), now_);
  book_->Replace(OrderId(7), Price::FromRaw(100), Quantity::FromRaw(1), now_);
  EXPECT_EQ(rec_.Take(), (Log{"MR 1 6", "MR 1 3", "MR 7 23"}));
  EXPECT_EQ(Resting(), before);
}

TEST_F(BookTest, SelfTradePreventionModes) {
  auto scenario = [&](SelfTradePrevention stp) {
    Make();
    Add(1, Side::kSell, 100, 2, TimeInForce::kGtc, /*member=*/7);
    Add(2, Side::kSell, 101, 2, TimeInForce::kGtc, /*member=*/8);
    OrderRequest r = Req(3, Side::kBuy, 101, 4, TimeInForce::kGtc, /*member=*/7);
    r.stp = stp;
    Log log = Add(r);
    return log;
  };
  EXPECT_EQ(scenario(SelfTradePrevention::kNone), (Log{"A 3", "T 3x1 100@2", "T 3x2 101@2"}));
  EXPECT_EQ(scenario(SelfTradePrevention::kCancelResting), (Log{"A 3", "C 1 4", "T 3x2 101@2"}));
  EXPECT_EQ(Resting(), "B101:3/2 ");
  EXPECT_EQ(scenario(SelfTradePrevention::kCancelIncoming), (Log{"A 3", "C 3 4"}));
  EXPECT_EQ(Resting(), "S100:1/2 S101:2/2 ");
  EXPECT_EQ(scenario(SelfTradePrevention::kCancelBoth), (Log{"A 3", "C 1 4", "C 3 4"}));
  EXPECT_EQ(Resting(), "S101:2/2 ");
}

TEST_F(BookTest, GtdOrdersExpireAtTheirTimeAndDayOrdersAtTheClose) {
  OrderRequest gtd = Req(1, Side::kBuy, 100, 1, TimeInForce::kGtd);
  gtd.expire_time = 5000;
  Add(gtd);
  gtd.id = OrderId(2);
  gtd.expire_time = 500;  // already past
  EXPECT_EQ(Add(gtd), (Log{"R 2 25"}));
  Add(3, Side::kBuy, 99, 1, TimeInForce::kDay);
  Add(4, Side::kBuy, 98, 1, TimeInForce::kGtc);
  book_->AdvanceTime(4999);
  EXPECT_TRUE(rec_.Take().empty());
  book_->AdvanceTime(5000);
  EXPECT_EQ(rec_.Take(), (Log{"C 1 6"}));
  book_->SetPhase(Phase::kClosed, 6000);
  EXPECT_EQ(rec_.Take(), (Log{"C 3 6"}));
  EXPECT_EQ(Resting(), "B98:4/1 ");
  EXPECT_EQ(Add(5, Side::kBuy, 98, 1), (Log{"R 5 10"}));  // closed: no entry
}

TEST_F(BookTest, CallAuctionUncrossesAtTheMaximumVolumePriceInPriceTimeOrder) {
  BookConfig c;
  c.initial_phase = Phase::kPreOpen;
  c.reference_price = Price::FromRaw(100);
  Make(c);
  Add(1, Side::kBuy, 102, 3);
  Add(2, Side::kBuy, 101, 2);
  Add(3, Side::kSell, 99, 2);
  Add(4, Side::kSell, 100, 2);
  Add(5, Side::kSell, 101, 4);
  // At 101: bids >= 101 = 5, asks <= 101 = 8 -> 5. At 100: bids 5, asks 4 -> 4. At 102: 3.
  const OrderBook::Indication ind = book_->Indicative();
  EXPECT_EQ(ind.price.raw(), 101);
  EXPECT_EQ(ind.volume.raw(), 5);
  EXPECT_EQ(ind.imbalance.raw(), 3);
  EXPECT_EQ(ind.imbalance_side, Side::kSell);
  EXPECT_FALSE(rec_.indications.empty());
  EXPECT_EQ(rec_.indications.back(), "101@5");
  // IOC and market orders wait for continuous trading.
  EXPECT_EQ(Add(6, Side::kBuy, 105, 1, TimeInForce::kIoc), (Log{"R 6 21"}));
  book_->SetPhase(Phase::kOpeningAuction, now_);
  book_->SetPhase(Phase::kContinuous, now_);
  EXPECT_EQ(rec_.Take(), (Log{"X 1x3 101@2", "X 1x4 101@1", "X 2x4 101@1", "X 2x5 101@1"}));
  EXPECT_EQ(Resting(), "S101:5/3 ");
  EXPECT_EQ(book_->last_trade_price().raw(), 101);
  EXPECT_EQ(rec_.phases, (std::vector<std::string>{"OPENING_AUCTION", "CONTINUOUS"}));
  Check();
}

TEST_F(BookTest, AuctionTiesGoToLeastImbalanceThenNearestReferenceThenLowestPrice) {
  BookConfig c;
  c.initial_phase = Phase::kPreOpen;
  c.reference_price = Price::FromRaw(103);
  Make(c);
  // Volume 2 at every price in [100, 105] and no imbalance: the reference decides.
  Add(1, Side::kBuy, 105, 2);
  Add(2, Side::kSell, 100, 2);
  EXPECT_EQ(book_->Indicative().price.raw(), 103);
  c.reference_price = Price::FromRaw(50);  // below the range: the nearest is the lowest
  Make(c);
  Add(1, Side::kBuy, 105, 2);
  Add(2, Side::kSell, 100, 2);
  EXPECT_EQ(book_->Indicative().price.raw(), 100);
  // Imbalance decides before the reference: at 100 bids 3 / asks 2, at 105 bids 2 / asks 2.
  c.reference_price = Price::FromRaw(100);
  Make(c);
  Add(1, Side::kBuy, 105, 2);
  Add(2, Side::kBuy, 100, 1);
  Add(3, Side::kSell, 100, 2);
  EXPECT_EQ(book_->Indicative().volume.raw(), 2);
  EXPECT_EQ(book_->Indicative().imbalance.raw(), 0);
  EXPECT_GT(book_->Indicative().price.raw(), 100);
}

TEST_F(BookTest, VolatilityInterruptionStartsAnAuctionThatEndsOnSchedule) {
  BookConfig c;
  c.reference_price = Price::FromRaw(100);
  c.volatility_bps = 500;  // 5 %
  c.volatility_auction_ns = 1000;
  Make(c);
  Add(1, Side::kSell, 104, 1);
  Add(2, Side::kSell, 110, 5);
  // Takes 104 (inside 5 %), then 110 would breach: stop, rest the rest, enter the auction.
  EXPECT_EQ(Add(3, Side::kBuy, 110, 3), (Log{"A 3", "T 3x1 104@1"}));
  EXPECT_EQ(book_->phase(), Phase::kVolatilityAuction);
  EXPECT_EQ(Resting(), "B110:3/2 S110:2/5 ");  // crossed, waiting for the uncross
  book_->AdvanceTime(now_ + 999);
  EXPECT_EQ(book_->phase(), Phase::kVolatilityAuction);
  book_->AdvanceTime(now_ + 1000);
  EXPECT_EQ(rec_.Take(), (Log{"X 3x2 110@2"}));
  EXPECT_EQ(book_->phase(), Phase::kContinuous);
  Check();
}

TEST_F(BookTest, HaltAllowsCancelsOnlyAndResumeRestoresThePhase) {
  Add(1, Side::kBuy, 100, 1);
  EXPECT_EQ(book_->Halt(now_), RejectReason::kNone);
  EXPECT_EQ(Add(2, Side::kSell, 100, 1), (Log{"R 2 10"}));
  book_->Cancel(OrderId(1), now_);
  EXPECT_EQ(rec_.Take(), (Log{"C 1 1"}));
  EXPECT_EQ(book_->SetPhase(Phase::kContinuous, now_), RejectReason::kNotAllowedInPhase);
  EXPECT_EQ(book_->Resume(now_), RejectReason::kNone);
  EXPECT_EQ(book_->phase(), Phase::kContinuous);
  EXPECT_EQ(book_->Resume(now_), RejectReason::kNotAllowedInPhase);
}

TEST_F(BookTest, MassCancelByMemberAndSide) {
  Add(1, Side::kBuy, 100, 1, TimeInForce::kGtc, 7);
  Add(2, Side::kSell, 105, 1, TimeInForce::kGtc, 7);
  Add(3, Side::kBuy, 99, 1, TimeInForce::kGtc, 8);
  EXPECT_EQ(book_->MassCancel({MemberId(7), false, Side::kSell}, now_), 1u);
  EXPECT_EQ(rec_.Take(), (Log{"C 2 5"}));
  EXPECT_EQ(book_->MassCancel({MemberId(7), true, Side::kBuy}, now_), 1u);
  EXPECT_EQ(book_->MassCancel({MemberId(), true, Side::kBuy}, now_), 1u);
  EXPECT_EQ(book_->order_count(), 0u);
}

TEST_F(BookTest, DepthEventsCoverTheTopLevelsOnly) {
  BookConfig c;
  c.depth_levels = 2;
  Make(c);
  Add(1, Side::kBuy, 100, 1);
  Add(2, Side::kBuy, 99, 1);
  Add(3, Side::kBuy, 98, 1);  // rank 2: not published
  Add(4, Side::kBuy, 100, 2);
  EXPECT_EQ(rec_.depth, (std::vector<std::string>{"B0 100=1", "B1 99=1", "B0 100=3"}));
  rec_.depth.clear();
  book_->Cancel(OrderId(2), now_);
  // 99 is gone; 98 moves up into the last visible rank.
  EXPECT_EQ(rec_.depth, (std::vector<std::string>{"B1 99=0", "B1 98=1"}));
  ASSERT_FALSE(rec_.bbos.empty());
  EXPECT_EQ(rec_.bbos.back().bid_quantity.raw(), 3);
}

TEST_F(BookTest, AFullBookRejectsRestingOrdersButStillTakesLiquidity) {
  BookConfig c;
  c.max_orders = 2;
  Make(c);
  Add(1, Side::kBuy, 100, 1);
  Add(2, Side::kBuy, 99, 1);
  EXPECT_EQ(Add(3, Side::kBuy, 98, 1), (Log{"R 3 22"}));
  EXPECT_EQ(Add(4, Side::kSell, 100, 1, TimeInForce::kIoc), (Log{"A 4", "T 4x1 100@1"}));
  EXPECT_EQ(Add(5, Side::kBuy, 98, 1), (Log{"A 5"}));
}

TEST_F(BookTest, PricesOutsideTheInitialWindowGrowIt) {
  Add(1, Side::kBuy, 5000, 1);
  Add(2, Side::kSell, 6000, 1);
  Add(3, Side::kBuy, 2, 1);
  EXPECT_EQ(book_->bbo().bid_price.raw(), 5000);
  EXPECT_EQ(Add(4, Side::kSell, 2, 3), (Log{"A 4", "T 4x1 5000@1", "T 4x3 2@1"}));
  EXPECT_EQ(Resting(), "S2:4/1 S6000:2/1 ");
}

}  // namespace
}  // namespace dazong::matching
