// Exchange-local calendar arithmetic for the index service.
//
// Index times are the sequencer's time stamps: nanoseconds since the Unix epoch, UTC. The
// methodology's clock is Asia/Shanghai, which is UTC+8 all year (no daylight saving), so the
// local time is computed as t + 8 h. The machine's time zone is never read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dazong/common/clock.h"

namespace dazong::index {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
inline constexpr int64_t kNanosPerDay = 86'400 * kNanosPerSecond;
inline constexpr int64_t kShanghaiOffsetNanos = 8 * 3600 * kNanosPerSecond;

// A local (Asia/Shanghai) calendar day: days since 1970-01-01.
using LocalDay = int32_t;

// The local day of a UTC time stamp (floor division, also for times before 1970).
LocalDay LocalDayOf(Timestamp t);
// Nanoseconds since local midnight, 0 .. kNanosPerDay-1.
int64_t LocalNanosOfDay(Timestamp t);
// The UTC time stamp of `nanos_of_day` after local midnight of `day`.
Timestamp UtcOfLocal(LocalDay day, int64_t nanos_of_day);
// 1 = Monday .. 7 = Sunday.
int Weekday(LocalDay day);

// "YYYY-MM-DD" (proleptic Gregorian).
std::string FormatDate(LocalDay day);
// Parses "YYYY-MM-DD"; rejects impossible dates.
absl::StatusOr<LocalDay> ParseDate(std::string_view text);
// Parses "HH:MM" (00:00..23:59) into nanoseconds after midnight.
absl::StatusOr<int64_t> ParseHhMm(std::string_view text);
// "2026-01-05T15:00:00.000000000+08:00".
std::string FormatLocalTime(Timestamp t);
// Accepts an integer (ns since the epoch, UTC), or "YYYY-MM-DDTHH:MM:SS[.fffffffff]" followed
// by "+08:00" or "Z", or "YYYY-MM-DD HH:MM:SS" (read as Asia/Shanghai).
absl::StatusOr<Timestamp> ParseTime(std::string_view text);

}  // namespace dazong::index
