#include "dazong/exchange/schedule.h"

namespace dazong::exchange {
namespace {

constexpr int64_t kNsPerMinute = int64_t{60} * 1'000'000'000;
constexpr int64_t kNsPerDay = 1440 * kNsPerMinute;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

TradingSchedule::Slot TradingSchedule::At(Timestamp time) const {
  const auto& phases = config_->phases;
  const int64_t offset = config_->utc_offset_minutes * kNsPerMinute;
  const int64_t local = time + offset;
  int64_t day = FloorDiv(local, kNsPerDay);
  const int64_t minute = (local - day * kNsPerDay) / kNsPerMinute;
  // The last entry at or before this minute; before the first, yesterday's last.
  uint32_t entry = static_cast<uint32_t>(phases.size());
  while (entry > 0 && phases[entry - 1].minute > minute) --entry;
  Slot slot;
  if (entry == 0) {
    slot.day = day - 1;
    slot.entry = static_cast<uint32_t>(phases.size() - 1);
    slot.next_change = day * kNsPerDay + phases.front().minute * kNsPerMinute - offset;
  } else {
    slot.day = day;
    slot.entry = entry - 1;
    const int64_t next_minute =
        entry < phases.size() ? phases[entry].minute : 1440 + phases.front().minute;
    slot.next_change = day * kNsPerDay + next_minute * kNsPerMinute - offset;
  }
  slot.phase = phases[slot.entry].phase;
  return slot;
}

}  // namespace dazong::exchange
