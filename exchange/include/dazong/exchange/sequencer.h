// Sequencer: the single thread that owns the exchange state.
//
// It drains the command queue in groups, numbers and stamps each command, applies it to the
// core, writes the group's journal records and resulting trades to the store in one synced
// batch (group commit), and only then hands the group's events to the sinks. So nothing is
// acknowledged before it is durable, and the journal alone rebuilds the state (Recover()).
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "dazong/common/clock.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/journal_store.h"

namespace dazong::exchange {

class Sequencer {
 public:
  // Most commands one group commit takes.
  static constexpr size_t kMaxGroup = 512;

  Sequencer(ExchangeCore& core, JournalStore& store, const Clock& clock, CommandQueue& commands);

  // Adds a sink; call before Run(). Sinks get events in the order they were added.
  void AddSink(EventSink* sink) { sinks_.push_back(sink); }

  // Replays the whole journal into the core, discarding events. Call once before Run().
  absl::Status Recover();

  // Runs until the queue is interrupted and drained. Returns the first store error, after
  // which nothing more is applied (the daemon must stop: state may be ahead of the store).
  absl::Status Run();

  // Processes whatever is queued now as one group (for tests and tools).
  absl::Status ProcessAvailable();

  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }

 private:
  Timestamp NextTime();

  ExchangeCore& core_;
  JournalStore& store_;
  const Clock& clock_;
  CommandQueue& commands_;
  std::vector<EventSink*> sinks_;
  JournalStore::Batch batch_;
  std::vector<Event> events_;
  std::atomic<uint64_t> last_seq_{0};
  Timestamp last_time_ = 0;
};

}  // namespace dazong::exchange
