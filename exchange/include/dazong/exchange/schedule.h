// TradingSchedule: where an instrument's daily phase timetable stands at a given time.
//
// Pure: the time is the sequenced command's, never the wall clock, so replaying the journal
// takes exactly the transitions the live run took. A slot is one timetable entry on one local
// day; the last entry of a day lasts until the first entry of the next day (so before the
// first entry the slot is the previous day's last).
#pragma once

#include <cstdint>

#include "dazong/common/config.h"
#include "dazong/common/clock.h"
#include "dazong/common/phase.h"

namespace dazong::exchange {

class TradingSchedule {
 public:
  struct Slot {
    int64_t day = 0;         // local days since 1970-01-01
    uint32_t entry = 0;      // index into the timetable
    Phase phase = Phase::kContinuous;
    Timestamp next_change = 0;  // when the following slot starts
    friend bool operator==(const Slot& a, const Slot& b) { return a.day == b.day && a.entry == b.entry; }
  };

  // `config` must outlive the schedule.
  explicit TradingSchedule(const TradingScheduleConfig& config) : config_(&config) {}

  // No timetable: the instrument is never moved by the clock.
  bool empty() const { return config_->phases.empty(); }
  // The slot in force at `time` (nanoseconds since the epoch, UTC). Requires !empty().
  Slot At(Timestamp time) const;

 private:
  const TradingScheduleConfig* config_;
};

}  // namespace dazong::exchange
