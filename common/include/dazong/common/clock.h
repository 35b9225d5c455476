// Time source. The core never reads the wall clock: the sequencer stamps each command with
// Clock::Now() once, journals the stamp, and everything downstream uses the stamp. Tests and
// replays inject a ManualClock, so the same journal always gives the same events.
#pragma once

#include <atomic>
#include <cstdint>

namespace dazong {

// Nanoseconds since the Unix epoch, UTC.
using Timestamp = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The machine's real-time clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  static SystemClock& Instance();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = 0) : now_(start) {}
  Timestamp Now() const override { return now_.load(std::memory_order_acquire); }
  void Set(Timestamp t) { now_.store(t, std::memory_order_release); }
  void Advance(int64_t nanos) { now_.fetch_add(nanos, std::memory_order_acq_rel); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace dazong
