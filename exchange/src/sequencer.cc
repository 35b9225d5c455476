#include "dazong/exchange/sequencer.h"

#include <algorithm>

namespace dazong::exchange {

Sequencer::Sequencer(ExchangeCore& core, JournalStore& store, const Clock& clock,
                     CommandQueue& commands)
    : core_(core), store_(store), clock_(clock), commands_(commands) {
  events_.reserve(kMaxGroup * 8);
}

absl::Status Sequencer::Recover() {
  std::vector<Event> discarded;
  uint64_t last = 0;
  absl::Status s = store_.ReadJournal(1, [&](const SequencedCommand& cmd) {
    discarded.clear();
    core_.Apply(cmd, discarded);
    last = cmd.seq.value();
    last_time_ = std::max(last_time_, cmd.time);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  absl::StatusOr<uint64_t> stored_last = store_.LastSeq();
  if (!stored_last.ok()) return stored_last.status();
  if (*stored_last != last) {
    return absl::DataLossError("journal ends at seq " + std::to_string(last) +
                               " but the store records last seq " + std::to_string(*stored_last));
  }
  last_seq_.store(last, std::memory_order_release);
  return absl::OkStatus();
}

Timestamp Sequencer::NextTime() {
  // Time stamps never go backwards, even if the wall clock does.
  last_time_ = std::max(last_time_, clock_.Now());
  return last_time_;
}

absl::Status Sequencer::ProcessAvailable() {
  batch_.Clear();
  events_.clear();
  uint64_t seq = last_seq_.load(std::memory_order_relaxed);
  SequencedCommand cmd;
  while (batch_.command_count() < kMaxGroup && commands_.TryPop(cmd.body)) {
    cmd.seq = SeqNo(++seq);
    cmd.time = NextTime();
    const size_t first_event = events_.size();
    core_.Apply(cmd, events_);
    batch_.AddCommand(cmd);
    for (size_t i = first_event; i < events_.size(); ++i) {
      if (const auto* trade = std::get_if<TradeEvent>(&events_[i].body)) {
        batch_.AddTrade(MakeTradeRecord(cmd.seq, *trade));
      }
    }
  }
  if (batch_.command_count() == 0) return absl::OkStatus();
  if (absl::Status s = store_.Commit(batch_); !s.ok()) return s;
  last_seq_.store(seq, std::memory_order_release);
  for (EventSink* sink : sinks_) sink->OnEvents(events_);
  return absl::OkStatus();
}

absl::Status Sequencer::Run() {
  for (;;) {
    commands_.WaitNonEmpty();
    const bool stopping = commands_.interrupted();
    if (absl::Status s = ProcessAvailable(); !s.ok()) return s;
    if (stopping) {
      // Drain what was queued before the stop, then return.
      for (;;) {
        const uint64_t before = last_seq();
        if (absl::Status s = ProcessAvailable(); !s.ok()) return s;
        if (last_seq() == before) return absl::OkStatus();
      }
    }
  }
}

}  // namespace dazong::exchange
