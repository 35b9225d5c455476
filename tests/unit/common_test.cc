// Tests for the shared value types: fixed-point amounts, ids, ShortString, clocks and the
// reject-reason catalogue.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

#include "absl/hash/hash.h"
#include "dazong/common/civil_date.h"
#include "dazong/common/clock.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/reject_reason.h"
#include "dazong/common/short_string.h"
#include "dazong/common/side.h"
#include "dazong/common/thread_name.h"

namespace dazong {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// ---------------------------------------------------------------------------------------------
// Amount types.

static_assert(!std::is_convertible_v<Price, Quantity>);
static_assert(!std::is_convertible_v<Quantity, Money>);
static_assert(!std::is_convertible_v<int64_t, Price>);
static_assert(std::is_trivially_copyable_v<Price>);

TEST(AmountTest, RawAndPredicates) {
  EXPECT_EQ(Price().raw(), 0);
  EXPECT_TRUE(Price().is_zero());
  EXPECT_TRUE(Price::FromRaw(1).is_positive());
  EXPECT_TRUE(Money::FromRaw(-1).is_negative());
  EXPECT_FALSE(Money::FromRaw(-1).is_positive());
  EXPECT_LT(Quantity::FromRaw(1), Quantity::FromRaw(2));
  EXPECT_EQ(Quantity::FromRaw(7), Quantity::FromRaw(7));
}

TEST(CheckedArithmeticTest, AddWithinRange) {
  absl::StatusOr<Price> sum = CheckedAdd(Price::FromRaw(2), Price::FromRaw(3));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->raw(), 5);
  EXPECT_EQ(CheckedAdd(Money::FromRaw(kMax), Money::FromRaw(0))->raw(), kMax);
  EXPECT_EQ(CheckedAdd(Money::FromRaw(kMax), Money::FromRaw(kMin))->raw(), -1);
  EXPECT_EQ(CheckedAdd(Quantity::FromRaw(kMin), Quantity::FromRaw(0))->raw(), kMin);
}

TEST(CheckedArithmeticTest, AddOverflowIsAnError) {
  EXPECT_EQ(CheckedAdd(Price::FromRaw(kMax), Price::FromRaw(1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CheckedAdd(Quantity::FromRaw(kMin), Quantity::FromRaw(-1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_FALSE(CheckedAdd(Money::FromRaw(kMax / 2 + 1), Money::FromRaw(kMax / 2 + 1)).ok());
  EXPECT_FALSE(CheckedAdd(Money::FromRaw(kMin), Money::FromRaw(kMin)).ok());
}

TEST(CheckedArithmeticTest, Sub) {
  EXPECT_EQ(CheckedSub(Price::FromRaw(3), Price::FromRaw(5))->raw(), -2);
  EXPECT_EQ(CheckedSub(Money::FromRaw(-1), Money::FromRaw(kMax))->raw(), kMin);
  EXPECT_EQ(CheckedSub(Money::FromRaw(kMin), Money::FromRaw(1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CheckedSub(Quantity::FromRaw(kMax), Quantity::FromRaw(-1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_FALSE(CheckedSub(Quantity::FromRaw(0), Quantity::FromRaw(kMin)).ok());
}

TEST(CheckedArithmeticTest, Mul) {
  EXPECT_EQ(CheckedMul(Quantity::FromRaw(10000), 7)->raw(), 70000);
  EXPECT_EQ(CheckedMul(Price::FromRaw(kMax), 1)->raw(), kMax);
  EXPECT_EQ(CheckedMul(Price::FromRaw(kMax), -1)->raw(), -kMax);
  EXPECT_EQ(CheckedMul(Money::FromRaw(kMin), 1)->raw(), kMin);
  EXPECT_EQ(CheckedMul(Money::FromRaw(0), kMax)->raw(), 0);
  EXPECT_EQ(CheckedMul(Price::FromRaw(kMax), 2).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CheckedMul(Money::FromRaw(kMin), -1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_FALSE(CheckedMul(Quantity::FromRaw(int64_t{1} << 32), int64_t{1} << 31).ok());
  EXPECT_TRUE(CheckedMul(Quantity::FromRaw(int64_t{1} << 31), int64_t{1} << 31).ok());
}

// ---------------------------------------------------------------------------------------------
// Rounding.

struct DivCase {
  int64_t num;
  int64_t den;
  int64_t expected;
};

TEST(DivRoundHalfEvenTest, RoundsHalfToEven) {
  const DivCase cases[] = {
      {12, 4, 3}, {-12, 4, -3},                              // exact
      {1, 2, 0},  {3, 2, 2},    {5, 2, 2},    {7, 2, 4},     // x.5 to even, both ways
      {-1, 2, 0}, {-3, 2, -2},  {-5, 2, -2},  {-7, 2, -4},   // negatives
      {10, 4, 2}, {14, 4, 4},   {-10, 4, -2}, {-14, 4, -4},  // 2.5, 3.5
      {9, 4, 2},  {11, 4, 3},   {-9, 4, -2},  {-11, 4, -3},  // not a tie
      {0, 7, 0},  {1, 3, 0},    {2, 3, 1},    {-2, 3, -1},  {kMax, 1, kMax}, {kMin, 1, kMin},
  };
  for (const DivCase& c : cases) {
    absl::StatusOr<int64_t> q = DivRoundHalfEven(c.num, c.den);
    ASSERT_TRUE(q.ok()) << c.num << "/" << c.den << ": " << q.status();
    EXPECT_EQ(*q, c.expected) << c.num << "/" << c.den;
  }
}

TEST(DivRoundHalfEvenTest, WideNumerator) {
  const Int128 twice_min = static_cast<Int128>(kMin) * 2;
  EXPECT_EQ(*DivRoundHalfEven(twice_min, 2), kMin);
  const Int128 twice_max = static_cast<Int128>(kMax) * 2;
  EXPECT_EQ(*DivRoundHalfEven(twice_max, 2), kMax);
  // kMax + 0.5 rounds to the even kMax + 1, which does not fit.
  EXPECT_EQ(DivRoundHalfEven(twice_max + 1, 2).status().code(), absl::StatusCode::kOutOfRange);
  // kMax is odd, so kMax - 0.5 rounds down to the even kMax - 1.
  EXPECT_EQ(*DivRoundHalfEven(twice_max - 1, 2), kMax - 1);
  EXPECT_EQ(DivRoundHalfEven(twice_max, 1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(DivRoundHalfEven(twice_min, 1).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(DivRoundHalfEvenTest, DivisorMustBePositive) {
  EXPECT_EQ(DivRoundHalfEven(10, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DivRoundHalfEven(10, -2).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NotionalTest, PricePerTonneTimesKilograms) {
  // 3650.00 yuan/t × 10 t = 36500.00 yuan.
  absl::StatusOr<Money> n = Notional(Price::FromRaw(365000), Quantity::FromRaw(10000), 1000);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->raw(), 3650000);
  EXPECT_EQ(Notional(Price::FromRaw(6850000), Quantity::FromRaw(5000), 1000)->raw(), 34250000);
  EXPECT_EQ(Notional(Price::FromRaw(123), Quantity::FromRaw(0), 1000)->raw(), 0);
}

TEST(NotionalTest, WideIntermediateProduct) {
  // 10^12 × 10^12 = 10^24 overflows int64_t, but / 10^6 = 10^18 fits.
  const int64_t big = 1000000000000;
  absl::StatusOr<Money> n = Notional(Price::FromRaw(big), Quantity::FromRaw(big), 1000000);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->raw(), 1000000000000000000);
  // kMax × kMax / kMax == kMax.
  EXPECT_EQ(Notional(Price::FromRaw(kMax), Quantity::FromRaw(kMax), kMax)->raw(), kMax);
}

TEST(NotionalTest, RoundsHalfToEvenToTheFen) {
  // price fen × kg / 1000.
  EXPECT_EQ(Notional(Price::FromRaw(1), Quantity::FromRaw(1), 1000)->raw(), 0);       // 0.001
  EXPECT_EQ(Notional(Price::FromRaw(5), Quantity::FromRaw(100), 1000)->raw(), 0);     // 0.5
  EXPECT_EQ(Notional(Price::FromRaw(15), Quantity::FromRaw(100), 1000)->raw(), 2);    // 1.5
  EXPECT_EQ(Notional(Price::FromRaw(25), Quantity::FromRaw(100), 1000)->raw(), 2);    // 2.5
  EXPECT_EQ(Notional(Price::FromRaw(26), Quantity::FromRaw(100), 1000)->raw(), 3);    // 2.6
  EXPECT_EQ(Notional(Price::FromRaw(-15), Quantity::FromRaw(100), 1000)->raw(), -2);  // -1.5
  EXPECT_EQ(Notional(Price::FromRaw(-25), Quantity::FromRaw(100), 1000)->raw(), -2);  // -2.5
  EXPECT_EQ(Notional(Price::FromRaw(365001), Quantity::FromRaw(1500), 1000)->raw(),
            547502);  // 547501.5 -> 547502 (even)
  EXPECT_EQ(Notional(Price::FromRaw(365003), Quantity::FromRaw(1500), 1000)->raw(),
            547504);  // 547504.5 -> 547504 (even)
}

TEST(NotionalTest, Errors) {
  EXPECT_EQ(Notional(Price::FromRaw(kMax), Quantity::FromRaw(2), 1).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Notional(Price::FromRaw(kMax), Quantity::FromRaw(kMax), 1000).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Notional(Price::FromRaw(1), Quantity::FromRaw(1), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Notional(Price::FromRaw(1), Quantity::FromRaw(1), -1000).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Parsing and formatting.

struct ParseCase {
  const char* text;
  int scale;
  absl::StatusCode code;
  int64_t value;  // when code is kOk
};

TEST(ParseDecimalTest, AcceptAndRejectTable) {
  using C = absl::StatusCode;
  const ParseCase cases[] = {
      {"0", 2, C::kOk, 0},
      {"-0", 2, C::kOk, 0},
      {"1", 2, C::kOk, 100},
      {"4012.5", 2, C::kOk, 401250},
      {"4012.50", 2, C::kOk, 401250},
      {"-0.01", 2, C::kOk, -1},
      {"007", 0, C::kOk, 7},
      {".5", 2, C::kOk, 50},  // no integer part is accepted
      {"-.5", 2, C::kOk, -50},
      {"3.0", 3, C::kOk, 3000},
      {"9223372036854775807", 0, C::kOk, kMax},
      {"-9223372036854775808", 0, C::kOk, kMin},
      {"92233720368547758.07", 2, C::kOk, kMax},
      {"-92233720368547758.08", 2, C::kOk, kMin},
      {"0.000000000000000001", 18, C::kOk, 1},
      {"", 2, C::kInvalidArgument, 0},
      {"-", 2, C::kInvalidArgument, 0},
      {".", 2, C::kInvalidArgument, 0},
      {"-.", 2, C::kInvalidArgument, 0},
      {"1.", 2, C::kInvalidArgument, 0},
      {"1.234", 2, C::kInvalidArgument, 0},
      {"1.0", 0, C::kInvalidArgument, 0},
      {"1..2", 2, C::kInvalidArgument, 0},
      {"1.2.3", 3, C::kInvalidArgument, 0},
      {"1e3", 2, C::kInvalidArgument, 0},
      {"+1", 2, C::kInvalidArgument, 0},
      {"--1", 2, C::kInvalidArgument, 0},
      {" 1", 2, C::kInvalidArgument, 0},
      {"1 ", 2, C::kInvalidArgument, 0},
      {"1,000", 2, C::kInvalidArgument, 0},
      {"0x10", 0, C::kInvalidArgument, 0},
      {"1", 19, C::kInvalidArgument, 0},
      {"1", -1, C::kInvalidArgument, 0},
      {"9223372036854775808", 0, C::kOutOfRange, 0},
      {"-9223372036854775809", 0, C::kOutOfRange, 0},
      {"92233720368547758.08", 2, C::kOutOfRange, 0},
      {"92233720368547759", 2, C::kOutOfRange, 0},  // overflows only when scaled
      {"99999999999999999999999999999999999999", 0, C::kOutOfRange, 0},
  };
  for (const ParseCase& c : cases) {
    absl::StatusOr<int64_t> v = ParseDecimal(c.text, c.scale);
    EXPECT_EQ(v.status().code(), c.code)
        << "\"" << c.text << "\" scale " << c.scale << ": " << v.status();
    if (v.ok() && c.code == absl::StatusCode::kOk) {
      EXPECT_EQ(*v, c.value) << "\"" << c.text << "\" scale " << c.scale;
    }
  }
}

TEST(ParseDecimalTest, ErrorsQuoteTheInput) {
  absl::Status s = ParseDecimal("1.234", 2).status();
  EXPECT_NE(s.message().find("\"1.234\""), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("more than 2 decimal places"), absl::string_view::npos) << s;
}

TEST(ParsePriceTest, PricesAndQuantities) {
  EXPECT_EQ(ParsePrice("4012.5")->raw(), 401250);
  EXPECT_EQ(ParsePrice("3650.00")->raw(), 365000);
  EXPECT_EQ(ParsePrice("-1.25")->raw(), -125);
  EXPECT_FALSE(ParsePrice("3650.001").ok());
  EXPECT_FALSE(ParsePrice("3650,00").ok());
  EXPECT_FALSE(ParsePrice("").ok());
  EXPECT_EQ(ParseQuantity("10000")->raw(), 10000);
  EXPECT_EQ(ParseQuantity("-3")->raw(), -3);
  EXPECT_FALSE(ParseQuantity("1.0").ok());
  EXPECT_FALSE(ParseQuantity("1.5").ok());
  EXPECT_EQ(ParseQuantity("9223372036854775808").status().code(), absl::StatusCode::kOutOfRange);
}

TEST(FormatDecimalTest, Formats) {
  EXPECT_EQ(FormatDecimal(0, 2), "0.00");
  EXPECT_EQ(FormatDecimal(5, 2), "0.05");
  EXPECT_EQ(FormatDecimal(-5, 2), "-0.05");
  EXPECT_EQ(FormatDecimal(-50, 2), "-0.50");
  EXPECT_EQ(FormatDecimal(401250, 2), "4012.50");
  EXPECT_EQ(FormatDecimal(-401250, 2), "-4012.50");
  EXPECT_EQ(FormatDecimal(7, 0), "7");
  EXPECT_EQ(FormatDecimal(-7, 0), "-7");
  EXPECT_EQ(FormatDecimal(3000, 3), "3.000");
  EXPECT_EQ(FormatDecimal(kMax, 2), "92233720368547758.07");
  EXPECT_EQ(FormatDecimal(kMin, 2), "-92233720368547758.08");
  EXPECT_EQ(FormatDecimal(kMin, 0), "-9223372036854775808");
  EXPECT_EQ(FormatDecimal(kMin, 18), "-9.223372036854775808");
  EXPECT_EQ(FormatPrice(Price::FromRaw(365000)), "3650.00");
  EXPECT_EQ(FormatPrice(Price::FromRaw(-1)), "-0.01");
}

TEST(FormatDecimalTest, RoundTrips) {
  const int64_t values[] = {0,      1,       -1,         99,   -99,  100,      -100,
                            401250, -401250, 1000000007, kMax, kMin, kMax - 1, kMin + 1};
  for (int scale : {0, 1, 2, 3, 8, 18}) {
    for (int64_t v : values) {
      const std::string text = FormatDecimal(v, scale);
      absl::StatusOr<int64_t> back = ParseDecimal(text, scale);
      ASSERT_TRUE(back.ok()) << text << ": " << back.status();
      EXPECT_EQ(*back, v) << text;
    }
  }
  for (int64_t v : values) {
    absl::StatusOr<Price> back = ParsePrice(FormatPrice(Price::FromRaw(v)));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->raw(), v);
  }
}

// ---------------------------------------------------------------------------------------------
// Reject reasons.

TEST(RejectReasonTest, EveryReasonHasDistinctText) {
  std::set<std::string_view> texts;
  const uint16_t last = RejectReasonCode(kLastRejectReason);
  for (uint16_t code = 1; code <= last; ++code) {
    const std::string_view text = RejectReasonText(static_cast<RejectReason>(code));
    EXPECT_FALSE(text.empty()) << code;
    EXPECT_NE(text, "unknown reason") << code;
    EXPECT_NE(text, RejectReasonText(RejectReason::kNone)) << code;
    EXPECT_TRUE(texts.insert(text).second) << "duplicate text for code " << code << ": " << text;
  }
  EXPECT_EQ(RejectReasonText(static_cast<RejectReason>(last + 1)), "unknown reason");
  EXPECT_EQ(RejectReasonText(RejectReason::kNone), "no error");
}

TEST(RejectReasonTest, CodesAreStable) {
  // These numbers are on the wire and in the journal: never renumber.
  EXPECT_EQ(RejectReasonCode(RejectReason::kNone), 0);
  EXPECT_EQ(RejectReasonCode(RejectReason::kUnknownInstrument), 1);
  EXPECT_EQ(RejectReasonCode(RejectReason::kPriceNotOnTick), 4);
  EXPECT_EQ(RejectReasonCode(RejectReason::kPriceOutsideBand), 6);
  EXPECT_EQ(RejectReasonCode(RejectReason::kDuplicateClOrdId), 8);
  EXPECT_EQ(RejectReasonCode(RejectReason::kInsufficientReceipts), 12);
  EXPECT_EQ(RejectReasonCode(RejectReason::kThrottled), 16);
  EXPECT_EQ(RejectReasonCode(RejectReason::kSystemUnavailable), 20);
  EXPECT_GE(RejectReasonCode(kLastRejectReason), 20);
  EXPECT_EQ(RejectReasonText(RejectReason::kPriceNotOnTick),
            "price is not a multiple of the tick size");
}

// ---------------------------------------------------------------------------------------------
// Clocks.

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock;
  EXPECT_EQ(clock.Now(), 0);
  ManualClock started(1'700'000'000'000'000'000);
  const Clock& as_clock = started;
  EXPECT_EQ(as_clock.Now(), 1'700'000'000'000'000'000);
  EXPECT_EQ(as_clock.Now(), 1'700'000'000'000'000'000);
  started.Advance(1'000);
  EXPECT_EQ(as_clock.Now(), 1'700'000'000'000'001'000);
  started.Advance(-500);
  EXPECT_EQ(as_clock.Now(), 1'700'000'000'000'000'500);
  started.Set(42);
  EXPECT_EQ(as_clock.Now(), 42);
  started.Advance(0);
  EXPECT_EQ(as_clock.Now(), 42);
}

TEST(ClockTest, SystemClockIsTheRealTime) {
  const Timestamp now = SystemClock::Instance().Now();
  EXPECT_GT(now, 1'600'000'000'000'000'000);  // after September 2020
  EXPECT_LT(now, 4'000'000'000'000'000'000);  // before 2096
  EXPECT_EQ(&SystemClock::Instance(), &SystemClock::Instance());
}

// ---------------------------------------------------------------------------------------------
// Ids.

static_assert(!std::is_convertible_v<OrderId, TradeId>);
static_assert(!std::is_convertible_v<uint64_t, OrderId>);
static_assert(!std::is_convertible_v<MemberId, InstrumentId>);
static_assert(std::is_same_v<MemberId::rep_type, uint32_t>);

TEST(IdTest, ValidityComparisonAndHash) {
  EXPECT_FALSE(OrderId().valid());
  EXPECT_EQ(OrderId().value(), 0u);
  EXPECT_TRUE(OrderId(1).valid());
  EXPECT_LT(OrderId(1), OrderId(2));
  EXPECT_EQ(TradeId(9), TradeId(9));
  EXPECT_NE(MemberId(1), MemberId(2));
  EXPECT_EQ(std::hash<OrderId>{}(OrderId(5)), std::hash<uint64_t>{}(5));
  EXPECT_EQ(absl::Hash<OrderId>{}(OrderId(5)), absl::Hash<OrderId>{}(OrderId(5)));
  EXPECT_NE(absl::Hash<OrderId>{}(OrderId(5)), absl::Hash<OrderId>{}(OrderId(6)));
}

// ---------------------------------------------------------------------------------------------
// ShortString.

TEST(ShortStringTest, AssignWithinCapacity) {
  ShortString<4> s;
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.Assign("abc"));
  EXPECT_EQ(s.view(), "abc");
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.Assign("abcd"));  // exactly the capacity
  EXPECT_EQ(s.view(), "abcd");
  EXPECT_TRUE(s.Assign("x"));
  EXPECT_EQ(s.view(), "x");
}

TEST(ShortStringTest, EmptyTextClearsIt) {
  ShortString<4> s = ShortString<4>::FromView("abc");
  EXPECT_TRUE(s.Assign(std::string_view()));
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.view(), "");
}

TEST(ShortStringTest, RefusesTextLongerThanCapacity) {
  ShortString<4> s = ShortString<4>::FromView("ab");
  EXPECT_FALSE(s.Assign("abcde"));
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.view(), "");
  EXPECT_TRUE(ShortString<4>::FromView("abcde").empty());

  ClOrdId id;
  EXPECT_EQ(ClOrdId::kCapacity, 32u);
  EXPECT_TRUE(id.Assign(std::string(32, 'c')));
  EXPECT_FALSE(id.Assign(std::string(33, 'c')));
  EXPECT_TRUE(id.empty());
}

TEST(ShortStringTest, EqualityAndHash) {
  const ClOrdId a = ClOrdId::FromView("ORD-1");
  const ClOrdId b = ClOrdId::FromView("ORD-1");
  const ClOrdId c = ClOrdId::FromView("ORD-2");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_EQ(absl::Hash<ClOrdId>{}(a), absl::Hash<ClOrdId>{}(b));
  // Bytes after the end never affect equality.
  ClOrdId d = ClOrdId::FromView("ORD-1XYZ");
  ASSERT_TRUE(d.Assign("ORD-1"));
  EXPECT_EQ(d, a);
  EXPECT_EQ(absl::Hash<ClOrdId>{}(d), absl::Hash<ClOrdId>{}(a));
}

// ---------------------------------------------------------------------------------------------
// Side.

TEST(SideTest, OppositeAndName) {
  static_assert(Opposite(Side::kBuy) == Side::kSell);
  static_assert(Opposite(Side::kSell) == Side::kBuy);
  EXPECT_EQ(SideName(Side::kBuy), "BUY");
  EXPECT_EQ(SideName(Side::kSell), "SELL");
}

// Every day from 1900 to 2200 against the C library's gmtime_r, and the round trip.
TEST(CivilDateTest, EveryDayAgreesWithGmtimeAndRoundTrips) {
  for (int64_t days = -25567; days <= 84000; ++days) {
    const CivilDate date = CivilFromDays(days);
    const time_t noon = static_cast<time_t>(days * 86400 + 43200);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&noon, &tm), nullptr);
    ASSERT_EQ(date.year, tm.tm_year + 1900) << days;
    ASSERT_EQ(date.month, tm.tm_mon + 1) << days;
    ASSERT_EQ(date.day, tm.tm_mday) << days;
    ASSERT_EQ(DaysFromCivil(date.year, date.month, date.day), days);
  }
}

// A thread off the order path runs at a lower priority; the others are left as they were.
TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  const int before = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  int lowered = 0;
  std::thread t([&] {
    LowerThreadPriority();
    lowered = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  });
  t.join();
  EXPECT_EQ(lowered, std::min(before + kOffOrderPathNice, 19));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), before);
}

// The sequencer's priority: the value is set on the calling thread only and inherited by the
// threads it starts; a value below the current one is either granted (CAP_SYS_NICE) or refused
// with the value left as it was.
TEST(ThreadPriorityTest, SetThreadNiceIsPerThreadInheritedAndRefusedCleanly) {
  const int before = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  int raised = 0, inherited = 0, after_lower = 0;
  bool lower_ok = false;
  int lower_errno = 0;
  std::thread t([&] {
    ASSERT_TRUE(SetThreadNice(std::min(before + 2, 19)));  // a higher value is always allowed
    raised = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    std::thread child([&] { inherited = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); });
    child.join();
    errno = 0;
    lower_ok = SetThreadNice(before - 1);
    lower_errno = errno;
    after_lower = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  });
  t.join();
  EXPECT_EQ(raised, std::min(before + 2, 19));
  EXPECT_EQ(inherited, raised);
  if (lower_ok) {
    EXPECT_EQ(after_lower, std::max(before - 1, -20));
  } else {
    EXPECT_TRUE(lower_errno == EACCES || lower_errno == EPERM) << lower_errno;
    EXPECT_EQ(after_lower, raised);
  }
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), before);
}

}  // namespace
}  // namespace dazong
