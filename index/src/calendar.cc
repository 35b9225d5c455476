#include "dazong/index/calendar.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "dazong/common/civil_date.h"
#include "text.h"

namespace dazong::index {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool ParseFixedInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

LocalDay LocalDayOf(Timestamp t) {
  return static_cast<LocalDay>(FloorDiv(t + kShanghaiOffsetNanos, kNanosPerDay));
}

int64_t LocalNanosOfDay(Timestamp t) {
  const int64_t local = t + kShanghaiOffsetNanos;
  return local - FloorDiv(local, kNanosPerDay) * kNanosPerDay;
}

Timestamp UtcOfLocal(LocalDay day, int64_t nanos_of_day) {
  return static_cast<int64_t>(day) * kNanosPerDay + nanos_of_day - kShanghaiOffsetNanos;
}

int Weekday(LocalDay day) {
  // 1970-01-01 was a Thursday (4).
  const int64_t w = FloorDiv(static_cast<int64_t>(day) + 3, 7);
  return static_cast<int>(static_cast<int64_t>(day) + 3 - w * 7) + 1;
}

std::string FormatDate(LocalDay day) {
  const CivilDate date = CivilFromDays(day);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld", static_cast<long long>(date.year),
                static_cast<long long>(date.month), static_cast<long long>(date.day));
  return buf;
}

absl::StatusOr<LocalDay> ParseDate(std::string_view text) {
  int64_t y, m, d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseFixedInt(text.substr(0, 4), y) ||
      !ParseFixedInt(text.substr(5, 2), m) || !ParseFixedInt(text.substr(8, 2), d) || m < 1 ||
      m > 12 || d < 1 || d > 31) {
    return absl::InvalidArgumentError(absl::StrCat("not a date YYYY-MM-DD: ", std::string(text)));
  }
  const int64_t days = DaysFromCivil(y, m, d);
  const CivilDate back = CivilFromDays(days);
  if (back.year != y || back.month != m || back.day != d) {
    return absl::InvalidArgumentError(absl::StrCat("no such date: ", std::string(text)));
  }
  return static_cast<LocalDay>(days);
}

absl::StatusOr<int64_t> ParseHhMm(std::string_view text) {
  int64_t h, m;
  if (text.size() != 5 || text[2] != ':' || !ParseFixedInt(text.substr(0, 2), h) ||
      !ParseFixedInt(text.substr(3, 2), m) || h > 23 || m > 59) {
    return absl::InvalidArgumentError(absl::StrCat("not a time HH:MM: ", std::string(text)));
  }
  return (h * 60 + m) * kNanosPerMinute;
}

std::string FormatLocalTime(Timestamp t) {
  const int64_t nanos = LocalNanosOfDay(t);
  const int64_t secs = nanos / kNanosPerSecond;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "T%02lld:%02lld:%02lld.%09lld+08:00",
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), static_cast<long long>(nanos % kNanosPerSecond));
  return FormatDate(LocalDayOf(t)) + buf;
}

absl::StatusOr<Timestamp> ParseTime(std::string_view text) {
  int64_t raw;
  if (text::ToInt(text, &raw)) return raw;
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat("not a time: ", std::string(text)));
  };
  if (text.size() < 19 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return bad();
  }
  absl::StatusOr<LocalDay> day = ParseDate(text.substr(0, 10));
  if (!day.ok()) return day.status();
  int64_t h, m, s;
  if (!ParseFixedInt(text.substr(11, 2), h) || !ParseFixedInt(text.substr(14, 2), m) ||
      !ParseFixedInt(text.substr(17, 2), s) || h > 23 || m > 59 || s > 59) {
    return bad();
  }
  std::string_view rest = text.substr(19);
  int64_t frac = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    std::string digits(rest.substr(1, n - 1));
    if (digits.empty() || digits.size() > 9) return bad();
    digits.resize(9, '0');
    ParseFixedInt(digits, frac);
    rest = rest.substr(n);
  }
  int64_t offset = kShanghaiOffsetNanos;
  if (rest == "Z") {
    offset = 0;
  } else if (rest != "+08:00" && !rest.empty()) {
    return bad();
  } else if (rest.empty() && text[10] == 'T') {
    return bad();  // an ISO time must say its offset
  }
  const int64_t local = static_cast<int64_t>(*day) * kNanosPerDay +
                        ((h * 60 + m) * 60 + s) * kNanosPerSecond + frac;
  return local - offset;
}

}  // namespace dazong::index
