// Sequencer: the single thread that owns the exchange state.
//
// It drains the command queue in groups, numbers and stamps each command, applies it to the
// core, writes the group's journal records and resulting trades to the store in one synced
// batch (group commit), and only then hands the group's events to the sinks. So nothing is
// acknowledged before it is durable, and the journal alone rebuilds the state (Recover()).
//
// With a warehouse-receipt ledger attached (the core's ReservationLedger), ledger commands
// (LedgerCommandEnvelope) are applied to the ledger in sequence, order commands are stamped
// into it (BeginCommand) before the core applies them, and the ledger's changes go into the
// same synced batch as the journal records of the group. Ledger results and queries
// (QueryCommand) are handed to the hooks after the commit, on this thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "dazong/common/clock.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/journal_store.h"

namespace dazong::exchange {

// Runs the reads a client queued as QueryCommands, on the sequencer thread, after the commit
// of everything queued before them.
class QueryRunner {
 public:
  virtual ~QueryRunner() = default;
  // Runs the read registered under `ticket`.
  virtual void RunQuery(uint64_t ticket) = 0;
};

// What the API side of the sequencer gets, on the sequencer thread, after each commit.
class SequencerHooks : public QueryRunner {
 public:
  // The result of the ledger command sent with `ticket`, now durable at `seq`: its events, or
  // one Rejected event.
  virtual void OnLedgerResult(uint64_t ticket, SeqNo seq,
                              std::span<const receipts::LedgerEvent> events) = 0;
};

// Applies one journaled command exactly as the sequencer did: a ledger command to `ledger`
// (decoded, its actor checked against the envelope's principal), any other command to `core`
// after stamping `ledger` with its (seq, time). For recovery and for auditors' replays
// (`dazong-index export-quotes`), which must see the same events the live run produced.
void ApplyJournaled(const SequencedCommand& cmd, ExchangeCore& core, receipts::Ledger* ledger,
                    std::vector<Event>& events, std::vector<receipts::LedgerEvent>& ledger_events);

class Sequencer {
 public:
  // Most commands one group commit takes.
  static constexpr size_t kMaxGroup = 512;

  // `ledger`, when given, must be the core's ReservationLedger.
  Sequencer(ExchangeCore& core, JournalStore& store, const Clock& clock, CommandQueue& commands,
            receipts::Ledger* ledger = nullptr);

  // Sets the receiver of ledger results and queries; call before Run().
  void SetHooks(SequencerHooks* hooks) { hooks_ = hooks; }
  // Sets the runner of the queries other clients than the API queue; call before Run().
  void SetQueryRunner(QueryClient client, QueryRunner* runner) {
    runners_[static_cast<size_t>(client)] = runner;
  }

  // Adds a sink; call before Run(). Sinks get events in the order they were added.
  void AddSink(EventSink* sink) { sinks_.push_back(sink); }

  // Replays the whole journal into the core (and the ledger), discarding events. With a
  // ledger, then checks its invariants, its history chain, and that its state equals the
  // ledger records in the store. Call once before Run().
  // `replayed`, when given, gets the core's events of each replayed command (as the sinks got
  // them live), so a sink that resumes from a checkpoint can catch up in the same pass.
  absl::Status Recover(const std::function<void(std::span<const Event>)>& replayed = nullptr);

  // Runs until the queue is interrupted and drained. Returns the first store error, after
  // which nothing more is applied (the daemon must stop: state may be ahead of the store).
  absl::Status Run();

  // Processes whatever is queued now as one group (for tests and tools).
  absl::Status ProcessAvailable();

  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }

 private:
  Timestamp NextTime();
  // Applies one ledger command (decoding it; a malformed one is refused) to the ledger.
  void ApplyLedger(const LedgerCommandEnvelope& envelope, SeqNo seq, Timestamp time,
                   std::vector<receipts::LedgerEvent>& out);
  absl::Status VerifyRecoveredLedger() const;

  struct LedgerResult {
    uint64_t ticket;
    SeqNo seq;
    size_t begin;
    size_t end;
  };

  ExchangeCore& core_;
  JournalStore& store_;
  const Clock& clock_;
  CommandQueue& commands_;
  std::vector<EventSink*> sinks_;
  JournalStore::Batch batch_;
  std::vector<Event> events_;
  receipts::Ledger* ledger_;
  SequencerHooks* hooks_ = nullptr;
  std::vector<receipts::LedgerEvent> ledger_events_;
  std::vector<LedgerResult> ledger_results_;
  std::vector<QueryCommand> queries_;
  QueryRunner* runners_[2] = {nullptr, nullptr};  // by QueryClient; kApi goes to hooks_
  std::atomic<uint64_t> last_seq_{0};
  Timestamp last_time_ = 0;
};

}  // namespace dazong::exchange
