// Worked numeric examples of the index methodology (docs/index-methodology.md): VWAP and its
// rounding, every exclusion rule, the MAD rule with odd and even counts, every fallback level,
// the chained composite across a link date, rebasing, corrections, methodology versions, and
// the engine's determinism (live with clock ticks == recompute; checkpoint + replay == run).
#include <gtest/gtest.h>

#include "../support/index_fixtures.h"
#include "dazong/index/calc.h"
#include "dazong/index/engine.h"
#include "dazong/index/parameters.h"
#include "dazong/index/record_codec.h"

namespace dazong::index {
namespace {

using testing::LocalTime;
using testing::MakeIndexTestConfig;
using testing::MakeTrade;

constexpr uint32_t kRb = 1;
constexpr uint32_t kCu = 2;

Methodology Build(const ExchangeConfig& config,
                  const std::map<std::string, ParameterAdditions>& additions = {},
                  const std::vector<VersionSpec>& versions = {}) {
  absl::StatusOr<Methodology> m = Methodology::Build(config, additions, versions);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

std::vector<IndexRecord> Only(const std::vector<IndexRecord>& records, const std::string& index,
                              RecordKind kind) {
  std::vector<IndexRecord> out;
  for (const IndexRecord& r : records) {
    if (r.index_id == index && r.kind == kind) out.push_back(r);
  }
  return out;
}

// Three trades at `price_fen` in the 14:30-15:00 window of `date`, members M2/M3/M4 rotating.
std::vector<IndexTrade> WindowDay(uint64_t& next_id, const std::string& date, uint32_t instrument,
                                  int64_t price_fen) {
  std::vector<IndexTrade> out;
  const char* times[] = {"14:40:00", "14:41:00", "14:42:00"};
  const uint32_t buyers[] = {2, 3, 4};
  const uint32_t sellers[] = {3, 4, 2};
  for (int i = 0; i < 3; ++i) {
    out.push_back(MakeTrade(next_id++, date + " " + times[i], instrument, price_fen, 10000,
                            buyers[i], sellers[i]));
  }
  return out;
}

// The worked example of the methodology document (2026-01-05, rebar).
std::vector<IndexTrade> WorkedExampleTrades() {
  return {
      MakeTrade(1, "2026-01-05 10:00:00", kRb, 360000, 10000, 2, 3),
      MakeTrade(2, "2026-01-05 14:31:00", kRb, 365000, 10000, 2, 3),
      MakeTrade(3, "2026-01-05 14:40:00", kRb, 366000, 20000, 3, 4),
      MakeTrade(4, "2026-01-05 14:45:00", kRb, 365500, 30000, 4, 2),
      MakeTrade(5, "2026-01-05 14:50:00", kRb, 365000, 10000, 1, 5),  // related parties
      MakeTrade(6, "2026-01-05 14:52:00", kRb, 365000, 10000, 2, 2),  // self-trade
      MakeTrade(7, "2026-01-05 14:55:00", kRb, 500000, 10000, 3, 4),  // outlier
      MakeTrade(8, "2026-01-05 15:00:00", kRb, 370000, 10000, 2, 3),  // after the window
  };
}

TEST(IndexCalendarTest, ShanghaiIsUtcPlusEightWithoutDst) {
  EXPECT_EQ(*ParseTime("2026-01-05T15:00:00+08:00"), *ParseTime("2026-01-05T07:00:00Z"));
  EXPECT_EQ(*ParseTime("2026-07-05 15:00:00"), *ParseTime("2026-07-05T07:00:00Z"));
  EXPECT_EQ(FormatDate(LocalDayOf(*ParseTime("2026-01-05T15:59:59.999999999Z"))), "2026-01-05");
  EXPECT_EQ(FormatDate(LocalDayOf(*ParseTime("2026-01-05T16:00:00Z"))), "2026-01-06");
  EXPECT_EQ(LocalNanosOfDay(*ParseTime("2026-01-05T16:00:00Z")), 0);
  EXPECT_EQ(FormatLocalTime(*ParseTime("2026-01-05T07:00:00.5Z")),
            "2026-01-05T15:00:00.500000000+08:00");
  EXPECT_EQ(Weekday(*ParseDate("2026-01-05")), 1);  // Monday
  EXPECT_EQ(Weekday(*ParseDate("2026-01-10")), 6);  // Saturday
  EXPECT_FALSE(ParseDate("2026-02-29").ok());
  EXPECT_EQ(*ParseHhMm("14:30"), (14 * 60 + 30) * kNanosPerMinute);
  EXPECT_EQ(FormatDate(*ParseDate("1969-12-31")), "1969-12-31");
}

TEST(IndexCalcTest, VwapWorkedExampleAndHalfEven) {
  // 3650.00 × 10 t, 3660.00 × 20 t, 3655.00 × 30 t: 21 935 000 000 fen·kg / 60 000 kg
  // = 365 583.3333… fen → 3655.833333 yuan (six decimals, half even).
  const Int128 pv = Int128{365000} * 10000 + Int128{366000} * 20000 + Int128{365500} * 30000;
  EXPECT_EQ(*VwapValue(pv, 60000), 3655833333);
  EXPECT_EQ(FormatValue(*VwapValue(pv, 60000)), "3655.833333");
  // Exact ties: 2.5 → 2 and 7.5 → 8 units of 10^-6 yuan.
  EXPECT_EQ(*VwapValue(5, 20000), 2);
  EXPECT_EQ(*VwapValue(15, 20000), 8);
  EXPECT_FALSE(VwapValue(1, 0).ok());
}

TEST(IndexCalcTest, RuleExclusions) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  const IndexParameters& p = m.ForDate("DZ-RB", 0);
  EXPECT_EQ(RuleExclusion(p, MakeTrade(1, "2026-01-05 10:00:00", kRb, 1, 1, 2, 3), false),
            Exclusion::kNone);
  EXPECT_EQ(RuleExclusion(p, MakeTrade(1, "2026-01-05 10:00:00", kRb, 1, 1, 2, 2), false),
            Exclusion::kSelfTrade);
  // M1 lists M5; the relation is symmetric.
  EXPECT_EQ(RuleExclusion(p, MakeTrade(1, "2026-01-05 10:00:00", kRb, 1, 1, 1, 5), false),
            Exclusion::kRelatedParty);
  EXPECT_EQ(RuleExclusion(p, MakeTrade(1, "2026-01-05 10:00:00", kRb, 1, 1, 5, 1), false),
            Exclusion::kRelatedParty);
  // Busted is checked first.
  EXPECT_EQ(RuleExclusion(p, MakeTrade(1, "2026-01-05 10:00:00", kRb, 1, 1, 2, 2), true),
            Exclusion::kBusted);
}

TEST(IndexCalcTest, MadRuleOddCount) {
  // 100, 101, 102, 103, 150 yuan: median 102, deviations 2,1,0,1,48 → MAD 1 yuan;
  // k = 3: limit 3 × 1.4826 × 1 = 4.4478 yuan → only 150 is an outlier.
  const std::vector<int64_t> prices = {10000, 10100, 10200, 10300, 15000};
  EXPECT_EQ(MadOutliers(prices, 3000, 3), (std::vector<bool>{false, false, false, false, true}));
  // 104.44 is within 4.4478 of 102 … 106.45 is not (k = 3).
  EXPECT_EQ(MadOutliers(std::vector<int64_t>{10000, 10100, 10200, 10300, 10644}, 3000, 3)[4], false);
  EXPECT_EQ(MadOutliers(std::vector<int64_t>{10000, 10100, 10200, 10300, 10645}, 3000, 3)[4], true);
}

TEST(IndexCalcTest, MadRuleEvenCountAndDegenerateCases) {
  // 100, 102, 104, 200: median (102 + 104) / 2 = 103, deviations 3, 1, 1, 97 → MAD
  // (1 + 3) / 2 = 2; limit 3 × 1.4826 × 2 = 8.8956 → 200 is an outlier, 100 is not.
  std::vector<int64_t> v = {10000, 10200, 10400, 20000};
  EXPECT_EQ(TwiceMedian(v), 20600);
  EXPECT_EQ(MadOutliers(std::vector<int64_t>{10000, 10200, 10400, 20000}, 3000, 3),
            (std::vector<bool>{false, false, false, true}));
  // MAD = 0: the rule excludes nothing.
  EXPECT_EQ(MadOutliers(std::vector<int64_t>{100, 100, 100, 150}, 3000, 3),
            (std::vector<bool>(4, false)));
  // Fewer than outlier_min_trades prices: not applied.
  EXPECT_EQ(MadOutliers(std::vector<int64_t>{100, 10000}, 3000, 3), (std::vector<bool>(2, false)));
  // A smaller k excludes more: k = 1 → limit 1.4826 × 2 = 2.9652 < 3 → 100 goes too.
  EXPECT_EQ(MadOutliers(std::vector<int64_t>{10000, 10200, 10400, 20000}, 1000, 3),
            (std::vector<bool>{true, false, false, true}));
}

TEST(IndexEngineTest, WorkedExampleFixingIsFirm) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  IndexEngine engine(m);
  std::vector<IndexRecord> out;
  for (const IndexTrade& t : WorkedExampleTrades()) engine.OnTrade(t, out);
  engine.OnTime(LocalTime("2026-01-05 16:00:00"), out);
  const std::vector<IndexRecord> fixings = Only(out, "DZ-RB", RecordKind::kFixing);
  ASSERT_EQ(fixings.size(), 1u);
  const IndexRecord& f = fixings[0];
  EXPECT_EQ(f.status, Status::kFirm);
  EXPECT_EQ(f.level, kLevelWindow);
  EXPECT_EQ(FormatValue(f.value), "3655.833333");
  EXPECT_EQ(f.used, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(f.excluded, (std::vector<ExcludedTrade>{{5, Exclusion::kRelatedParty},
                                                     {6, Exclusion::kSelfTrade},
                                                     {7, Exclusion::kOutlier}}));
  EXPECT_EQ(f.trade_count, 3);
  EXPECT_EQ(f.volume, 60000);
  EXPECT_EQ(f.price_low, 365000);
  EXPECT_EQ(f.price_high, 366000);
  EXPECT_EQ(f.buyers, 3);
  EXPECT_EQ(f.sellers, 3);
  EXPECT_EQ(f.top_member, 4u);          // M4 bought 20 t and sold 30 t of 60 t
  EXPECT_EQ(f.top_share_bps, 8333);     // 50 000 / 60 000 = 83.33… % of the volume
  EXPECT_EQ(f.as_of, LocalTime("2026-01-05 15:00:00"));
  EXPECT_EQ(f.methodology_version, "1");
  EXPECT_EQ(f.params_hash, m.ForDate("DZ-RB", f.date).hash);
  EXPECT_EQ(f.calc_id.size(), 64u);
  ASSERT_EQ(f.alerts.size(), 1u);  // 83.33 % > 80 %: CONCENTRATION
  EXPECT_EQ(f.alerts[0].kind, AlertKind::kConcentration);
  EXPECT_EQ(f.alerts[0].detail, "member_id=4,share_bps=8333,threshold_bps=8000");
  // Copper had no trade and no history: INSUFFICIENT, and the composite cannot set its base.
  const std::vector<IndexRecord> cu = Only(out, "DZ-CU", RecordKind::kFixing);
  ASSERT_EQ(cu.size(), 1u);
  EXPECT_EQ(cu[0].status, Status::kInsufficient);
  EXPECT_FALSE(cu[0].has_value);
  const std::vector<IndexRecord> bulk = Only(out, "DZ-BULK", RecordKind::kFixing);
  ASSERT_EQ(bulk.size(), 1u);
  EXPECT_EQ(bulk[0].status, Status::kInsufficient);
  // Sequence numbers are per index, from 1, without gaps.
  uint64_t seq = 0;
  for (const IndexRecord& r : out) {
    if (r.index_id == "DZ-RB") {
      EXPECT_EQ(r.seq, ++seq);
    }
  }
  // Intraday: one value per trade (8) plus interval values while the window is non-empty.
  const std::vector<IndexRecord> intraday = Only(out, "DZ-RB", RecordKind::kIntraday);
  EXPECT_GT(intraday.size(), 8u);
  for (const IndexRecord& r : intraday) EXPECT_TRUE(r.alerts.empty());
}

TEST(IndexEngineTest, IntradayValueAfterEachTrade) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  IndexEngine engine(m);
  std::vector<IndexRecord> out;
  const std::vector<IndexTrade> trades = WorkedExampleTrades();
  engine.OnTrade(trades[1], out);  // 14:31 3650.00 × 10 t
  engine.OnTrade(trades[2], out);  // 14:40 3660.00 × 20 t (14:31 is 9 min old: out of 300 s)
  std::vector<IndexRecord> intraday = Only(out, "DZ-RB", RecordKind::kIntraday);
  ASSERT_GE(intraday.size(), 2u);
  EXPECT_EQ(intraday.front().value, 3650000000);
  EXPECT_EQ(intraday.front().status, Status::kInsufficient);  // 1 trade < min_trades 3
  EXPECT_EQ(intraday.back().value, 3660000000);
  EXPECT_EQ(intraday.back().trade_count, 1);
  EXPECT_EQ(intraday.back().window_to, trades[2].time);
  EXPECT_EQ(intraday.back().window_from, trades[2].time - 300 * kNanosPerSecond);
  // Interval values at 14:32 … 14:36 (window [t-300 s, t) still holds 14:31), then one empty
  // value at 14:37 when it has left; nothing after until the next trade.
  int grid_with_value = 0, grid_empty = 0;
  for (const IndexRecord& r : intraday) {
    if (r.calc_id.starts_with("G-")) (r.has_value ? grid_with_value : grid_empty)++;
  }
  EXPECT_EQ(grid_with_value, 5);
  EXPECT_EQ(grid_empty, 1);
  engine.OnTrade(trades[3], out);  // 14:45 3655.00 × 30 t
  intraday = Only(out, "DZ-RB", RecordKind::kIntraday);
  // Window (14:40:00, 14:45:00] is open on the left: the 14:40:00 trade is exactly 300 s old
  // and out, so only 3655.00 × 30 t remains.
  EXPECT_EQ(FormatValue(intraday.back().value), "3655.000000");
  EXPECT_EQ(intraday.back().trade_count, 1);
  EXPECT_EQ(intraday.back().status, Status::kInsufficient);
}

TEST(IndexCalcTest, FallbackLadderEveryLevel) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  const IndexParameters& p = m.ForDate("DZ-RB", 0);
  const Timestamp from = LocalTime("2026-01-05 14:30:00");
  const Timestamp to = LocalTime("2026-01-05 15:00:00");
  // Session: two morning trades and one in the window.
  const std::vector<IndexTrade> session = {
      MakeTrade(1, "2026-01-05 10:00:00", kRb, 364000, 10000, 2, 3),
      MakeTrade(2, "2026-01-05 11:00:00", kRb, 365000, 10000, 3, 4),
      MakeTrade(3, "2026-01-05 14:45:00", kRb, 366000, 10000, 4, 2),
  };
  const std::vector<Exclusion> rule(3, Exclusion::kNone);
  FixingInput in{session, rule, from, to, std::nullopt, std::nullopt};
  IndexRecord r2;
  ComputeFixing(p, in, r2);
  EXPECT_EQ(r2.level, kLevelSession);
  EXPECT_EQ(r2.status, Status::kFallback);
  EXPECT_EQ(FormatValue(r2.value), "3650.000000");
  EXPECT_EQ(r2.missed, "window:min_trades,min_volume,min_buyers,min_sellers");
  EXPECT_EQ(r2.used, (std::vector<uint64_t>{1, 2, 3}));
  ASSERT_EQ(r2.alerts.size(), 2u);
  EXPECT_EQ(r2.alerts[0].kind, AlertKind::kFallback);
  EXPECT_EQ(r2.alerts[1].kind, AlertKind::kThresholdsMissed);

  // Level 3: the session is short too; the close midpoint (3640.00 + 3661.00) / 2 = 3650.50.
  const std::span<const IndexTrade> short_session(session.data() + 2, 1);
  const std::span<const Exclusion> short_rule(rule.data() + 2, 1);
  FixingInput in3{short_session, short_rule, from, to,
                  Bbo{kRb, LocalTime("2026-01-05 14:59:00"), 364000, 366100}, 3600000000};
  IndexRecord r3;
  ComputeFixing(p, in3, r3);
  EXPECT_EQ(r3.level, kLevelBboMid);
  EXPECT_EQ(r3.status, Status::kFallback);
  EXPECT_EQ(FormatValue(r3.value), "3650.500000");
  EXPECT_TRUE(r3.used.empty());
  EXPECT_EQ(r3.missed, "window:min_trades,min_volume,min_buyers,min_sellers;"
                       "session:min_trades,min_volume,min_buyers,min_sellers");
  // A one-sided book is no midpoint: level 4, the previous fixing carried forward.
  FixingInput in4 = in3;
  in4.close_bbo = Bbo{kRb, LocalTime("2026-01-05 14:59:00"), 364000, 0};
  IndexRecord r4;
  ComputeFixing(p, in4, r4);
  EXPECT_EQ(r4.level, kLevelPrevious);
  EXPECT_EQ(r4.value, 3600000000);
  EXPECT_EQ(r4.inputs, "previous=3600.000000");
  // Nothing at all: INSUFFICIENT, no value.
  FixingInput in5 = in4;
  in5.previous.reset();
  IndexRecord r5;
  ComputeFixing(p, in5, r5);
  EXPECT_EQ(r5.level, kLevelNone);
  EXPECT_EQ(r5.status, Status::kInsufficient);
  EXPECT_FALSE(r5.has_value);
}

TEST(IndexCalcTest, AlertsMoveAndConcentration) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  const IndexParameters& p = m.ForDate("DZ-RB", 0);
  // M2 is on one side of every trade: it took part in 100 % of the volume.
  const std::vector<IndexTrade> session = {
      MakeTrade(1, "2026-01-05 14:40:00", kRb, 380000, 10000, 2, 3),
      MakeTrade(2, "2026-01-05 14:41:00", kRb, 380000, 10000, 4, 2),
      MakeTrade(3, "2026-01-05 14:42:00", kRb, 380000, 10000, 2, 4),
  };
  const std::vector<Exclusion> rule(3, Exclusion::kNone);
  FixingInput in{session,  rule,        LocalTime("2026-01-05 14:30:00"),
                 LocalTime("2026-01-05 15:00:00"), std::nullopt, 3600000000};
  IndexRecord r;
  ComputeFixing(p, in, r);
  EXPECT_EQ(r.level, kLevelWindow);
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].kind, AlertKind::kMove);  // 3800 vs 3600: +556 bps > 500
  EXPECT_EQ(r.alerts[0].detail,
            "previous=3600.000000,value=3800.000000,change_bps=556,threshold_bps=500");
  EXPECT_EQ(r.alerts[1].kind, AlertKind::kConcentration);
  EXPECT_EQ(r.top_member, 2u);
  EXPECT_EQ(r.top_share_bps, 10000);
  EXPECT_EQ(r.alerts[1].detail, "member_id=2,share_bps=10000,threshold_bps=8000");
}

TEST(IndexCalcTest, ChainedLaspeyresAcrossALinkDate) {
  const ExchangeConfig config = MakeIndexTestConfig();
  ParameterAdditions a;
  a.links = {{"2026-01-06", {5000, 5000}}};
  const Methodology m = Build(config, {{"DZ-BULK", a}});
  const IndexParameters& p = m.ForDate("DZ-BULK", 0);
  const LocalDay d1 = *ParseDate("2026-01-05"), d2 = d1 + 1, d3 = d1 + 2;
  const auto values = [](int64_t rb_yuan, int64_t cu_yuan) {
    std::vector<ConstituentValue> v(2);
    v[0] = {"RB", true, rb_yuan * kValueOne, kLevelWindow, "rb", 3, 30000};
    v[1] = {"CU", true, cu_yuan * kValueOne, kLevelWindow, "cu", 3, 30000};
    return v;
  };
  CompositeAnchor anchor;
  IndexRecord r1, r2, r3;
  ComputeComposite(p, d1, values(3600, 68000), anchor, r1);  // base: 1000
  EXPECT_EQ(FormatValue(r1.value), "1000.000000");
  EXPECT_EQ(r1.status, Status::kFirm);
  // Rebar +5 %: 1000 × (0.6 × 1.05 + 0.4 × 1) = 1030; the link re-sets weights to 50/50.
  ComputeComposite(p, d2, values(3780, 68000), anchor, r2);
  EXPECT_EQ(FormatValue(r2.value), "1030.000000");
  EXPECT_EQ(anchor.date, d2);
  EXPECT_EQ(anchor.level, r2.value);
  EXPECT_EQ(anchor.weights, (std::vector<int64_t>{5000, 5000}));
  // Continuity: the new weights give the same level at the link date's own prices.
  EXPECT_EQ(*ChainLevel(anchor, std::vector<int64_t>{3780 * kValueOne, 68000 * kValueOne}),
            r2.value);
  // Copper +10 % after the link: 1030 × (0.5 + 0.5 × 1.1) = 1081.5 (not 1070 unchained).
  ComputeComposite(p, d3, values(3780, 74800), anchor, r3);
  EXPECT_EQ(FormatValue(r3.value), "1081.500000");
  // Per-term rounding: 1000 × 0.6 × 3601/3600 = 600.1666… → 600.166667.
  CompositeAnchor base{true, d1, 1000 * kValueOne, {3600 * kValueOne, 68000 * kValueOne}, {6000, 4000}};
  EXPECT_EQ(FormatValue(*ChainLevel(base, std::vector<int64_t>{3601 * kValueOne, 68000 * kValueOne})),
            "1000.166667");
  // A constituent without a value: INSUFFICIENT, chain untouched.
  std::vector<ConstituentValue> missing = values(3780, 74800);
  missing[1].has_value = false;
  CompositeAnchor before = anchor;
  IndexRecord r4;
  ComputeComposite(p, d3 + 1, missing, anchor, r4);
  EXPECT_EQ(r4.status, Status::kInsufficient);
  EXPECT_EQ(anchor, before);
  // A fallback constituent makes the composite FALLBACK with the worst level.
  std::vector<ConstituentValue> fallback = values(3780, 74800);
  fallback[0].level = kLevelPrevious;
  IndexRecord r5;
  ComputeComposite(p, d3 + 1, fallback, anchor, r5);
  EXPECT_EQ(r5.status, Status::kFallback);
  EXPECT_EQ(r5.level, kLevelPrevious);
}

TEST(IndexCalcTest, Rebasing) {
  // 1081.5 on a new base where 1030 (the level at the rebase date) becomes 100: 105.
  EXPECT_EQ(FormatValue(*Rebase(1081500000, 1030000000, 100)), "105.000000");
  // 1000.166667 / 1030 × 100 = 97.1035599… → 97.103560.
  EXPECT_EQ(FormatValue(*Rebase(1000166667, 1030000000, 100)), "97.103560");
  EXPECT_FALSE(Rebase(1, 0, 100).ok());
}

TEST(IndexEngineTest, CompositeChainThroughTheEngine) {
  const ExchangeConfig config = MakeIndexTestConfig();
  ParameterAdditions a;
  a.links = {{"2026-01-06", {5000, 5000}}};
  const Methodology m = Build(config, {{"DZ-BULK", a}});
  IndexEngine engine(m);
  std::vector<IndexRecord> out;
  uint64_t id = 1;
  const std::pair<const char*, std::pair<int64_t, int64_t>> days[] = {
      {"2026-01-05", {360000, 6800000}}, {"2026-01-06", {378000, 6800000}},
      {"2026-01-07", {378000, 7480000}}};
  for (const auto& [date, prices] : days) {
    std::vector<IndexTrade> trades = WindowDay(id, date, kRb, prices.first);
    std::vector<IndexTrade> cu = WindowDay(id, date, kCu, prices.second);
    trades.insert(trades.end(), cu.begin(), cu.end());
    std::sort(trades.begin(), trades.end(), [](const IndexTrade& x, const IndexTrade& y) {
      return x.time < y.time || (x.time == y.time && x.trade_id < y.trade_id);
    });
    for (const IndexTrade& t : trades) engine.OnTrade(t, out);
  }
  engine.OnTime(LocalTime("2026-01-07 23:00:00"), out);
  const std::vector<IndexRecord> bulk = Only(out, "DZ-BULK", RecordKind::kFixing);
  ASSERT_EQ(bulk.size(), 3u);
  EXPECT_EQ(FormatValue(bulk[0].value), "1000.000000");
  EXPECT_EQ(FormatValue(bulk[1].value), "1030.000000");
  EXPECT_EQ(FormatValue(bulk[2].value), "1081.500000");
  EXPECT_EQ(bulk[2].status, Status::kFirm);
  EXPECT_NE(bulk[2].inputs.find("CU=74800.000000@1#"), std::string::npos);
  // Rebar moved 5 %: a MOVE alert on 01-06 (500 bps is not above 500: none); copper +10 %.
  const std::vector<IndexRecord> cu = Only(out, "DZ-CU", RecordKind::kFixing);
  ASSERT_EQ(cu.size(), 3u);
  ASSERT_EQ(cu[2].alerts.size(), 1u);
  EXPECT_EQ(cu[2].alerts[0].kind, AlertKind::kMove);
  EXPECT_TRUE(Only(out, "DZ-RB", RecordKind::kFixing)[1].alerts.empty());
}

TEST(IndexEngineTest, NoFixingOnWeekends) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  IndexEngine engine(m);
  std::vector<IndexRecord> out;
  uint64_t id = 1;
  for (const IndexTrade& t : WindowDay(id, "2026-01-09", kRb, 360000)) engine.OnTrade(t, out);
  engine.OnTime(LocalTime("2026-01-12 16:00:00"), out);  // Fri .. Mon
  const std::vector<IndexRecord> rb = Only(out, "DZ-RB", RecordKind::kFixing);
  ASSERT_EQ(rb.size(), 2u);
  EXPECT_EQ(FormatDate(rb[0].date), "2026-01-09");
  EXPECT_EQ(FormatDate(rb[1].date), "2026-01-12");
  EXPECT_EQ(rb[1].level, kLevelPrevious);  // Monday without trades: Friday carried forward
  EXPECT_EQ(rb[1].value, 3600000000);
}

TEST(IndexEngineTest, BustedTradeIsCorrectedByANewRecord) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  IndexEngine engine(m);
  std::vector<IndexRecord> out;
  for (const IndexTrade& t : WorkedExampleTrades()) engine.OnTrade(t, out);
  engine.OnTime(LocalTime("2026-01-05 15:05:00"), out);
  const IndexRecord fixing = Only(out, "DZ-RB", RecordKind::kFixing).at(0);
  out.clear();
  ASSERT_TRUE(engine.OnBust(3, LocalTime("2026-01-05 15:10:00"), "operator", out).ok());
  const std::vector<IndexRecord> corrections = Only(out, "DZ-RB", RecordKind::kCorrection);
  ASSERT_EQ(corrections.size(), 1u);
  const IndexRecord& c = corrections[0];
  EXPECT_EQ(c.supersedes, fixing.calc_id);
  EXPECT_EQ(c.reason, "BUSTED_TRADE:3:operator");
  EXPECT_EQ(c.date, fixing.date);
  EXPECT_EQ(c.as_of, fixing.as_of);
  EXPECT_GT(c.seq, fixing.seq);
  EXPECT_NE(c.calc_id, fixing.calc_id);
  // Without trade 3 the window keeps 2 and 4 (2 trades < 3): the session level applies, with
  // 10:00's 3600.00 × 10 t: (3600 × 10 + 3650 × 10 + 3655 × 30) / 50 = 3643.00.
  EXPECT_EQ(c.level, kLevelSession);
  EXPECT_EQ(FormatValue(c.value), "3643.000000");
  EXPECT_EQ(c.used, (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_EQ(c.excluded, (std::vector<ExcludedTrade>{{3, Exclusion::kBusted},
                                                     {5, Exclusion::kRelatedParty},
                                                     {6, Exclusion::kSelfTrade},
                                                     {7, Exclusion::kOutlier}}));
  // The composite of that date is corrected too (still insufficient: no copper).
  EXPECT_EQ(Only(out, "DZ-BULK", RecordKind::kCorrection).size(), 1u);
  // Busting twice changes nothing; an unknown trade is NotFound.
  out.clear();
  EXPECT_TRUE(engine.OnBust(3, LocalTime("2026-01-05 15:11:00"), "", out).ok());
  EXPECT_TRUE(Only(out, "DZ-RB", RecordKind::kCorrection).empty());
  EXPECT_EQ(engine.OnBust(999, LocalTime("2026-01-05 15:12:00"), "", out).code(),
            absl::StatusCode::kNotFound);
}

TEST(IndexEngineTest, MethodologyVersionAppliesFromItsEffectiveDate) {
  const ExchangeConfig config = MakeIndexTestConfig();
  VersionSpec v2;
  v2.index = config.indices[0];  // DZ-RB
  v2.index.min_trades = 4;
  v2.additions.methodology_version = "2";
  v2.additions.effective_date = "2026-01-06";
  const Methodology with_v2 = Build(config, {}, {v2});
  const Methodology v1_only = Build(config);
  ASSERT_NE(with_v2.ForDate("DZ-RB", *ParseDate("2026-01-06")).hash,
            v1_only.ForDate("DZ-RB", *ParseDate("2026-01-06")).hash);
  const auto run = [](const Methodology& m) {
    IndexEngine engine(m);
    std::vector<IndexRecord> out;
    uint64_t id = 1;
    for (const char* date : {"2026-01-05", "2026-01-06"}) {
      for (const IndexTrade& t : WindowDay(id, date, kRb, 360000)) engine.OnTrade(t, out);
    }
    engine.OnTime(LocalTime("2026-01-06 16:00:00"), out);
    return Only(out, "DZ-RB", RecordKind::kFixing);
  };
  const std::vector<IndexRecord> a = run(with_v2);
  const std::vector<IndexRecord> b = run(v1_only);
  ASSERT_EQ(a.size(), 2u);
  // Before the effective date: identical to the old methodology, to the calc id.
  EXPECT_EQ(a[0], b[0]);
  EXPECT_EQ(a[0].methodology_version, "1");
  // From it: version 2 (min_trades 4: three trades are not enough any more).
  EXPECT_EQ(a[1].methodology_version, "2");
  EXPECT_EQ(a[1].params_hash, with_v2.ForDate("DZ-RB", a[1].date).hash);
  EXPECT_EQ(a[1].level, kLevelPrevious);
  EXPECT_EQ(b[1].level, kLevelWindow);
}

TEST(IndexEngineTest, MethodologyErrorCorrection) {
  // Published under version 1 with k = 3; version 1.1 for the same date fixes k to 0.5.
  ExchangeConfig config = MakeIndexTestConfig();
  const Methodology v1 = Build(config);
  VersionSpec fixed;
  fixed.index = config.indices[0];
  fixed.index.outlier_k_milli = 500;
  fixed.additions.methodology_version = "1.1";
  fixed.additions.effective_date = "2026-01-05";
  const Methodology v11 = Build(config, {}, {fixed});
  IndexEngine engine(v11);
  std::vector<IndexRecord> out;
  for (const IndexTrade& t : WorkedExampleTrades()) engine.OnTrade(t, out);
  engine.OnTime(LocalTime("2026-01-05 15:30:00"), out);
  const IndexRecord fixing = Only(out, "DZ-RB", RecordKind::kFixing).at(0);
  EXPECT_EQ(fixing.methodology_version, "1.1");
  ASSERT_TRUE(engine.CorrectFixing("DZ-RB", fixing.date, LocalTime("2026-01-05 15:40:00"),
                                   "k restated", out).ok());
  const IndexRecord c = Only(out, "DZ-RB", RecordKind::kCorrection).at(0);
  EXPECT_EQ(c.reason, "METHODOLOGY:k restated");
  EXPECT_EQ(c.supersedes, fixing.calc_id);
  EXPECT_EQ(engine.CorrectFixing("DZ-XX", fixing.date, LocalTime("2026-01-05 15:41:00"), "", out)
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(IndexEngineTest, LiveWithClockTicksEqualsRecompute) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  std::vector<IndexTrade> trades = WorkedExampleTrades();
  uint64_t id = 100;
  for (const IndexTrade& t : WindowDay(id, "2026-01-06", kRb, 361000)) trades.push_back(t);
  const Timestamp end = LocalTime("2026-01-07 00:00:00");
  IndexEngine live(m), recompute(m);
  std::vector<IndexRecord> a, b;
  size_t next = 0;
  for (Timestamp t = LocalTime("2026-01-05 09:00:00"); t <= end; t += 7 * kNanosPerSecond) {
    while (next < trades.size() && trades[next].time <= t) live.OnTrade(trades[next++], a);
    live.OnTime(t, a);
  }
  for (const IndexTrade& t : trades) recompute.OnTrade(t, b);
  recompute.OnTime(end, b);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << i;
}

TEST(IndexEngineTest, CheckpointAndReplayReproduceTheDay) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  uint64_t id = 1;
  const std::vector<IndexTrade> day1 = WindowDay(id, "2026-01-05", kRb, 360000);
  std::vector<IndexTrade> day2 = WindowDay(id, "2026-01-06", kRb, 361000);
  day2.push_back(MakeTrade(id++, "2026-01-06 14:50:00", kRb, 362000, 10000, 1, 5));
  IndexEngine a(m);
  std::vector<IndexRecord> first, second;
  for (const IndexTrade& t : day1) a.OnTrade(t, first);
  a.OnTime(LocalTime("2026-01-06 00:00:00"), first);
  const auto checkpoint = a.TakeCheckpoint();
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(FormatDate(checkpoint->first), "2026-01-06");
  for (const IndexTrade& t : day2) a.OnTrade(t, second);
  a.OnTime(LocalTime("2026-01-06 23:00:00"), second);

  IndexEngine b(m);
  ASSERT_TRUE(b.LoadState(checkpoint->second).ok());
  std::vector<IndexRecord> replay;
  for (const IndexTrade& t : day2) b.OnTrade(t, replay);
  b.OnTime(LocalTime("2026-01-06 23:00:00"), replay);
  EXPECT_EQ(replay, second);
  EXPECT_FALSE(b.LoadState("garbage").ok());
}

TEST(IndexCodecTest, FieldsRoundTripAndFormats) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const Methodology m = Build(config);
  IndexEngine engine(m);
  std::vector<IndexRecord> out;
  for (const IndexTrade& t : WorkedExampleTrades()) engine.OnTrade(t, out);
  engine.OnTime(LocalTime("2026-01-05 16:00:00"), out);
  const IndexRecord f = Only(out, "DZ-RB", RecordKind::kFixing).at(0);
  const Fields fields = RecordFields(f, m);
  EXPECT_EQ(FieldValue(fields, "value"), "3655.833333");
  EXPECT_EQ(FieldValue(fields, "status"), "FIRM");
  EXPECT_EQ(FieldValue(fields, "used"), "2-4");
  EXPECT_EQ(FieldValue(fields, "excluded"), "5:RELATED_PARTY,6:SELF_TRADE,7:OUTLIER_MAD");
  EXPECT_EQ(FieldValue(fields, "top_member"), "M4");
  EXPECT_EQ(FieldValue(fields, "price_low"), "3650.00");
  EXPECT_EQ(FieldValue(fields, "as_of"), "2026-01-05T15:00:00.000000000+08:00");
  absl::StatusOr<Fields> back = DecodeFields(EncodeFields(fields));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, fields);
  EXPECT_FALSE(DecodeFields("\x01").ok());
  EXPECT_EQ(FormatIdRanges({1, 2, 3, 5, 7, 8}), "1-3,5,7-8");

  const std::string csv =
      "trade_id,time,instrument,price,quantity,buyer,seller\n"
      "1,2026-01-05T14:31:00+08:00,RB,3650.00,10000,M2,M3\n"
      "2,1767594600000000000,CU,68500.10,5000,M1,M5\n";
  absl::StatusOr<std::vector<RecomputeInput>> parsed = ParseTradesCsv(csv, config);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].trade.time, LocalTime("2026-01-05 14:31:00"));
  EXPECT_EQ((*parsed)[1].trade.price, 6850010);
  EXPECT_EQ(TradeCsvLine((*parsed)[0].trade, config),
            absl::StrCat("1,", LocalTime("2026-01-05 14:31:00"), ",RB,3650.00,10000,M2,M3"));
  EXPECT_FALSE(ParseTradesCsv("1,x,RB,1.00,1,M1,M2\n", config).ok());
  EXPECT_FALSE(ParseTradesCsv("1,1,RB,1.00,1,M1,MX\n", config).ok());
}

TEST(IndexParametersTest, HashCoversEveryParameterAndValidation) {
  ExchangeConfig config = MakeIndexTestConfig();
  const std::string h1 = Build(config).ForDate("DZ-RB", 0).hash;
  config.indices[0].outlier_k_milli = 2500;
  EXPECT_NE(Build(config).ForDate("DZ-RB", 0).hash, h1);
  config.indices[0].outlier_k_milli = 3000;
  EXPECT_EQ(Build(config).ForDate("DZ-RB", 0).hash, h1);
  config.members[0].related_members.clear();  // related parties are part of the hash
  EXPECT_NE(Build(config).ForDate("DZ-RB", 0).hash, h1);
  EXPECT_EQ(Build(config).ForDate("DZ-RB", 0).canonical.find("related_parties=\n") != std::string::npos, true);

  ExchangeConfig bad = MakeIndexTestConfig();
  bad.indices[2].weights = {6000, 3000};
  EXPECT_FALSE(Methodology::Build(bad).ok());
  ParameterAdditions a;
  a.intraday_interval_seconds = 7;  // does not divide a day
  EXPECT_FALSE(Methodology::Build(MakeIndexTestConfig(), {{"DZ-RB", a}}).ok());
}

// The configuration's methodology keys reach the parameter sets: a configured version takes
// effect from its date only, the version before it keeps its hash (its values stay
// reproducible), and the alert switches and thresholds apply.
TEST(IndexParametersTest, ConfiguredVersionsAndAlertSettings) {
  const ExchangeConfig plain = MakeIndexTestConfig();
  const std::string v1_hash = Build(plain).ForDate("DZ-RB", *ParseDate("2026-01-06")).hash;
  ExchangeConfig config = MakeIndexTestConfig();
  IndexConfig v2 = config.indices[0];
  v2.methodology_version = "2";
  v2.effective_date = "2026-01-06";
  v2.min_trades = 4;
  v2.alert_move_bps = 100;
  config.indices[0].versions = {v2};
  const Methodology m = Build(config);
  ASSERT_EQ(m.Versions("DZ-RB").size(), 2u);
  const IndexParameters& before = m.ForDate("DZ-RB", *ParseDate("2026-01-05"));
  const IndexParameters& after = m.ForDate("DZ-RB", *ParseDate("2026-01-06"));
  EXPECT_EQ(before.methodology_version, "1");
  EXPECT_EQ(before.hash, v1_hash);
  EXPECT_EQ(after.methodology_version, "2");
  EXPECT_EQ(after.min_trades, 4);
  EXPECT_EQ(after.move_alert_bps, 100);
  EXPECT_NE(after.canonical.find("effective_date=2026-01-06\n"), std::string::npos);

  // Alert switches: listed in the canonical text (and so the hash) only when off.
  EXPECT_EQ(before.canonical.find("alert_fallback"), std::string::npos);
  ExchangeConfig quiet = MakeIndexTestConfig();
  quiet.indices[0].alert_fallback = false;
  quiet.indices[0].alert_thresholds_missed = false;
  quiet.indices[0].alert_largest_share_bps = 9000;
  const Methodology q = Build(quiet);
  const IndexParameters& qp = q.ForDate("DZ-RB", 0);
  EXPECT_NE(qp.hash, Build(plain).ForDate("DZ-RB", 0).hash);
  EXPECT_NE(qp.canonical.find("alert_fallback=false\n"), std::string::npos);
  EXPECT_NE(qp.canonical.find("alert_thresholds_missed=false\n"), std::string::npos);
  IndexRecord r;
  r.has_value = true;
  r.value = 3650000000;
  r.level = kLevelPrevious;
  r.status = Status::kFallback;
  r.missed = "window:min_trades";
  r.top_share_bps = 8500;
  AddFixingAlerts(Build(plain).ForDate("DZ-RB", 0), std::nullopt, r);
  ASSERT_EQ(r.alerts.size(), 3u);  // FALLBACK, THRESHOLDS_MISSED, CONCENTRATION (> 80 %)
  r.alerts.clear();
  AddFixingAlerts(qp, std::nullopt, r);
  EXPECT_TRUE(r.alerts.empty());  // switched off; 85 % is under the 90 % threshold

  // Links and the base date from the configuration.
  ExchangeConfig linked = MakeIndexTestConfig();
  linked.indices[2].links = {IndexLinkConfig{"2026-01-07", {5000, 5000}}};
  const Methodology lm = Build(linked);
  const IndexParameters& lp = lm.ForDate("DZ-BULK", 0);
  ASSERT_EQ(lp.links.size(), 1u);
  EXPECT_EQ(lp.links[0].date, *ParseDate("2026-01-07"));
  EXPECT_EQ(lp.base_date, *ParseDate("2026-01-05"));
}

}  // namespace
}  // namespace dazong::index
