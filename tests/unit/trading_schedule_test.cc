// Trading timetables: TradingSchedule's slots across days and time zones, and the core taking
// the scheduled phases from the commands' own times (never the wall clock), through halts.
#include "dazong/exchange/schedule.h"

#include <gtest/gtest.h>

#include "../support/test_config.h"
#include "dazong/exchange/core.h"

namespace dazong::exchange {
namespace {

constexpr Timestamp kSecond = 1'000'000'000;
constexpr Timestamp kMinute = 60 * kSecond;
constexpr Timestamp kHour = 60 * kMinute;
// 2026-11-27 00:00:00 UTC = 08:00 in Beijing.
constexpr Timestamp kDay0 = Timestamp{1795737600} * kSecond;

// Beijing time of day on 2026-11-27 as a UTC timestamp.
constexpr Timestamp Local(int hours, int minutes, int seconds = 0) {
  return kDay0 - 8 * kHour + hours * kHour + minutes * kMinute + seconds * kSecond;
}

TradingScheduleConfig DaySchedule() {
  TradingScheduleConfig s;
  s.utc_offset_minutes = 480;
  s.phases = {{8 * 60 + 55, Phase::kPreOpen},         {8 * 60 + 59, Phase::kOpeningAuction},
              {9 * 60, Phase::kContinuous},           {14 * 60 + 55, Phase::kClosingAuction},
              {15 * 60, Phase::kClosed}};
  return s;
}

TEST(TradingScheduleTest, SlotsFollowTheLocalTimetable) {
  const TradingScheduleConfig config = DaySchedule();
  const TradingSchedule schedule(config);
  const TradingSchedule::Slot night = schedule.At(Local(8, 30));
  EXPECT_EQ(night.phase, Phase::kClosed);  // yesterday's 15:00 entry still holds
  EXPECT_EQ(night.entry, 4u);
  EXPECT_EQ(night.next_change, Local(8, 55));
  const TradingSchedule::Slot pre = schedule.At(Local(8, 55));
  EXPECT_EQ(pre.phase, Phase::kPreOpen);
  EXPECT_EQ(pre.day, night.day + 1);
  EXPECT_EQ(pre.next_change, Local(8, 59));
  EXPECT_EQ(schedule.At(Local(8, 59, 59)).phase, Phase::kOpeningAuction);
  EXPECT_EQ(schedule.At(Local(9, 0)).phase, Phase::kContinuous);
  EXPECT_EQ(schedule.At(Local(14, 54, 59)).phase, Phase::kContinuous);
  EXPECT_EQ(schedule.At(Local(14, 55)).phase, Phase::kClosingAuction);
  const TradingSchedule::Slot evening = schedule.At(Local(23, 59));
  EXPECT_EQ(evening.phase, Phase::kClosed);
  EXPECT_EQ(evening.day, pre.day);
  EXPECT_EQ(evening.next_change, Local(8, 55) + 24 * kHour);
  // After local midnight it is still the same closed slot.
  EXPECT_TRUE(schedule.At(Local(23, 59) + 2 * kHour) == evening);
  EXPECT_FALSE(schedule.At(Local(8, 55) + 24 * kHour) == pre);
}

TEST(TradingScheduleTest, NegativeOffsetsAndTimesBeforeTheEpoch) {
  TradingScheduleConfig config;
  config.utc_offset_minutes = -300;  // New York winter time
  config.phases = {{9 * 60 + 30, Phase::kContinuous}, {16 * 60, Phase::kClosed}};
  const TradingSchedule schedule(config);
  // 14:30 UTC = 09:30 local.
  EXPECT_EQ(schedule.At(kDay0 + 14 * kHour + 30 * kMinute).phase, Phase::kContinuous);
  EXPECT_EQ(schedule.At(kDay0 + 14 * kHour + 29 * kMinute).phase, Phase::kClosed);
  EXPECT_EQ(schedule.At(kDay0 + 21 * kHour).phase, Phase::kClosed);
  const TradingSchedule::Slot early = schedule.At(-kHour);  // 1969-12-31 18:00 local
  EXPECT_EQ(early.phase, Phase::kClosed);
  EXPECT_EQ(early.day, -1);
}

class ScheduledCoreTest : public ::testing::Test {
 protected:
  ScheduledCoreTest() : config_(Config()), core_(config_) {}

  static ExchangeConfig Config() {
    ExchangeConfig config = testing::MakeTestConfig();
    config.instruments[0].schedule = DaySchedule();
    return config;
  }

  std::vector<Event> At(Timestamp time, CommandBody body, ExchangeCore* core = nullptr) {
    std::vector<Event> events;
    (core != nullptr ? *core : core_).Apply(SequencedCommand{SeqNo(++seq_), time, std::move(body)}, events);
    return events;
  }

  static NewOrderCommand Order(uint32_t member, std::string_view cl, Side side, int64_t price_yuan) {
    return testing::RebarLimit(member, cl, side, price_yuan, 1000);
  }

  template <typename T>
  static std::vector<T> All(const std::vector<Event>& events) {
    std::vector<T> found;
    for (const Event& e : events) {
      if (const T* t = std::get_if<T>(&e.body)) found.push_back(*t);
    }
    return found;
  }

  ExchangeConfig config_;
  ExchangeCore core_;
  uint64_t seq_ = 0;
};

TEST_F(ScheduledCoreTest, ADayRunsPreOpenAuctionContinuousAndClose) {
  EXPECT_EQ(core_.book(InstrumentId(1)).phase(), Phase::kClosed);
  // 08:30: closed, orders are refused.
  auto events = At(Local(8, 30), Order(1, "early", Side::kBuy, 3660));
  ASSERT_EQ(All<OrderRejected>(events).size(), 1u);
  EXPECT_EQ(All<OrderRejected>(events)[0].reason, RejectReason::kInstrumentNotTrading);
  // 08:56: pre-open collects crossing orders without matching.
  events = At(Local(8, 56), Order(1, "b", Side::kBuy, 3660));
  ASSERT_EQ(All<PhaseChanged>(events).size(), 1u);
  EXPECT_EQ(All<PhaseChanged>(events)[0].to, Phase::kPreOpen);
  At(Local(8, 57), Order(2, "s", Side::kSell, 3640));
  EXPECT_EQ(core_.book(InstrumentId(1)).order_count(), 2u);
  // 08:59 opening auction, then the 09:00:00 timer tick uncrosses into continuous trading.
  events = At(Local(8, 59), TimerCommand{});
  EXPECT_EQ(All<PhaseChanged>(events).at(0).to, Phase::kOpeningAuction);
  events = At(Local(9, 0), TimerCommand{});
  ASSERT_EQ(All<TradeEvent>(events).size(), 1u);
  EXPECT_TRUE(All<TradeEvent>(events)[0].auction);
  EXPECT_EQ(All<PhaseChanged>(events).back().to, Phase::kContinuous);
  // Continuous: a resting DAY order, then 15:00 closes the day and expires it.
  At(Local(10, 0), Order(1, "day", Side::kBuy, 3600));
  events = At(Local(15, 0, 1), TimerCommand{});
  EXPECT_EQ(core_.book(InstrumentId(1)).phase(), Phase::kClosed);
  ASSERT_EQ(All<OrderCancelled>(events).size(), 1u);
  EXPECT_EQ(All<OrderCancelled>(events)[0].cause, CancelCause::kExpired);
}

TEST_F(ScheduledCoreTest, AJumpOverSeveralEntriesGoesStraightToTheSlotInForce) {
  // The first command of the day arrives at 10:00: one change, to continuous.
  auto events = At(Local(10, 0), TimerCommand{});
  ASSERT_EQ(All<PhaseChanged>(events).size(), 1u);
  EXPECT_EQ(All<PhaseChanged>(events)[0].from, Phase::kClosed);
  EXPECT_EQ(All<PhaseChanged>(events)[0].to, Phase::kContinuous);
  EXPECT_TRUE(All<PhaseChanged>(At(Local(10, 1), TimerCommand{})).empty());
}

TEST_F(ScheduledCoreTest, AHaltOutlastsTheTimetableAndResumeCatchesUp) {
  At(Local(8, 56), Order(1, "b", Side::kBuy, 3660));
  At(Local(8, 57), Order(2, "s", Side::kSell, 3640));
  At(Local(8, 58), PhaseCommand{InstrumentId(1), PhaseCommand::Action::kHalt, Phase::kHalted});
  auto events = At(Local(9, 1), TimerCommand{});
  EXPECT_EQ(core_.book(InstrumentId(1)).phase(), Phase::kHalted);
  EXPECT_TRUE(All<TradeEvent>(events).empty());
  // Resume returns to pre-open, and the same command puts 09:00's continuous phase into
  // effect: the book uncrosses.
  events = At(Local(9, 5), PhaseCommand{InstrumentId(1), PhaseCommand::Action::kResume, Phase::kHalted});
  EXPECT_EQ(core_.book(InstrumentId(1)).phase(), Phase::kContinuous);
  EXPECT_EQ(All<TradeEvent>(events).size(), 1u);
}

TEST_F(ScheduledCoreTest, AnOperatorOverrideHoldsUntilTheNextEntry) {
  At(Local(9, 30), TimerCommand{});
  At(Local(9, 31), PhaseCommand{InstrumentId(1), PhaseCommand::Action::kSetPhase, Phase::kClosingAuction});
  At(Local(9, 32), TimerCommand{});
  EXPECT_EQ(core_.book(InstrumentId(1)).phase(), Phase::kClosingAuction);
  At(Local(14, 55), TimerCommand{});  // the timetable's own closing auction: no change
  At(Local(15, 0), TimerCommand{});
  EXPECT_EQ(core_.book(InstrumentId(1)).phase(), Phase::kClosed);
}

TEST_F(ScheduledCoreTest, ReplayingTheSameCommandsGivesTheSameEvents) {
  const std::pair<Timestamp, CommandBody> script[] = {
      {Local(8, 50), Order(1, "a", Side::kBuy, 3650)},
      {Local(8, 56), Order(1, "b", Side::kBuy, 3660)},
      {Local(8, 58), Order(2, "s", Side::kSell, 3640)},
      {Local(9, 0, 1), TimerCommand{}},
      {Local(9, 10), Order(2, "t", Side::kSell, 3650)},
      {Local(15, 2), TimerCommand{}},
  };
  ExchangeCore replica(config_);
  std::vector<Event> live;
  std::vector<Event> replayed;
  const uint64_t start = seq_;
  for (const auto& [time, body] : script) {
    for (Event& e : At(time, body)) live.push_back(std::move(e));
  }
  seq_ = start;
  for (const auto& [time, body] : script) {
    for (Event& e : At(time, body, &replica)) replayed.push_back(std::move(e));
  }
  ASSERT_EQ(live.size(), replayed.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].seq, replayed[i].seq);
    EXPECT_EQ(live[i].time, replayed[i].time);
    ASSERT_EQ(live[i].body.index(), replayed[i].body.index()) << "event " << i;
    if (const auto* p = std::get_if<PhaseChanged>(&live[i].body)) {
      EXPECT_EQ(p->from, std::get<PhaseChanged>(replayed[i].body).from) << "event " << i;
      EXPECT_EQ(p->to, std::get<PhaseChanged>(replayed[i].body).to) << "event " << i;
    } else if (const auto* t = std::get_if<TradeEvent>(&live[i].body)) {
      EXPECT_EQ(t->price, std::get<TradeEvent>(replayed[i].body).price) << "event " << i;
      EXPECT_EQ(t->quantity, std::get<TradeEvent>(replayed[i].body).quantity) << "event " << i;
    }
  }
  EXPECT_FALSE(All<PhaseChanged>(live).empty());
}

}  // namespace
}  // namespace dazong::exchange
