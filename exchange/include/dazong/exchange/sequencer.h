// Sequencer: the single thread that owns the exchange state.
//
// It drains the command queue in groups, numbers and stamps each command, applies it to the
// core, writes the group's journal records and resulting trades to the store in one synced
// batch (group commit), and only then hands the group's events to the sinks. So nothing is
// acknowledged before it is durable, and the journal alone rebuilds the state (Recover()).
//
// Run() pipelines two groups: while a committer thread writes and syncs group N and then
// hands its events to the sinks and its ledger results to the hooks, the sequencer thread
// applies group N+1. A group with nothing queued behind it (the usual case at low rates) is
// committed and dispatched on the sequencer thread itself, which saves two thread hand-offs
// on the path of every order. Sinks and OnLedgerResult are therefore called on one thread at
// a time (the committer or the sequencer), one group at a time, in sequence order. Queries
// run on the sequencer thread once every group before them is durable and dispatched, so
// they see no uncommitted state.
//
// With a warehouse-receipt ledger attached (the core's ReservationLedger), ledger commands
// (LedgerCommandEnvelope) are applied to the ledger in sequence, order commands are stamped
// into it (BeginCommand) before the core applies them, and the ledger's changes go into the
// same synced batch as the journal records of the group. Ledger results and queries
// (QueryCommand) are handed to the hooks after the commit, on this thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
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

// What the API side of the sequencer gets after each commit: ledger results on the committer
// thread (ProcessAvailable: the calling thread), queries on the sequencer thread.
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
  // Most commands one group commit takes. Groups only grow this large when commands queue up
  // faster than they commit; then a larger group spreads one synced write over more commands
  // (ledger_bench: 43k settled trades/s with 512, 56k with 2,048 on the same VM).
  static constexpr size_t kMaxGroup = 2048;

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

  // Processes whatever is queued now as one group, committed and dispatched on the calling
  // thread before it returns (for tests and tools; not while Run() is running).
  absl::Status ProcessAvailable();

  // The last durable sequence number.
  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }

  // Where the time goes (for benchmarks); any thread, any time.
  struct Stats {
    uint64_t groups = 0;
    uint64_t commands = 0;
    int64_t apply_ns = 0;     // sequencer thread: applying commands and encoding the batch
    int64_t wait_ns = 0;      // sequencer thread (Run): waiting for the previous group's commit
    int64_t commit_ns = 0;    // committer: the synced write
    int64_t dispatch_ns = 0;  // committer: sinks and ledger results
  };
  Stats stats() const;

 private:
  struct LedgerResult {
    uint64_t ticket;
    SeqNo seq;
    size_t begin;
    size_t end;
  };
  // One group commit's worth of work and its outputs.
  struct Group {
    JournalStore::Batch batch;
    // The group's commands as applied (seq and time stamped). Their journal records, and the
    // trade records of `events`, are encoded into `batch` by CommitAndDispatch: on the
    // committer thread in Run(), so that the sequencer thread only applies.
    std::vector<SequencedCommand> commands;
    std::vector<Event> events;
    std::vector<receipts::LedgerEvent> ledger_events;
    std::vector<LedgerResult> ledger_results;
    uint64_t last_seq = 0;
    uint64_t history_end = 0;  // the ledger's history size after this group (0: no ledger)
    // The ledger's new history records, taken at Seal for the committer to encode into the
    // batch: views into the ledger's HistoryLog (records are never changed once appended, and
    // the log is trimmed only when no group is being committed), the chain head before them,
    // and the encoded meta record.
    uint64_t history_begin = 0;
    receipts::Hash history_prev{};
    std::vector<std::string_view> history_records;
    std::string ledger_meta;
    void Clear();
  };
  // Pops and applies commands into `g` until it is full or the queue is empty; stops after a
  // query (appended to queries_), so that the query runs right after this group. Returns true
  // if a query ended the group.
  bool Fill(Group& g);
  // Adds the ledger's changes to the batch (the group is complete).
  void Seal(Group& g);
  // Encodes `g`'s journal and trade records into its batch, commits it and dispatches its
  // results; on the calling thread.
  absl::Status CommitAndDispatch(Group& g);
  void RunQueries();
  void CommitterLoop();
  // Lets the ledger drop from memory history records `committed` made durable.
  void TrimDurableHistory(const Group& committed);
  // Recovery: checks the replayed ledger history from `compared` on against the store, then
  // trims it from memory; advances `compared`.
  absl::Status CompareReplayedHistory(uint64_t& compared);

  Timestamp NextTime();
  // Applies one ledger command (decoding it; a malformed one is refused) to the ledger.
  void ApplyLedger(const LedgerCommandEnvelope& envelope, SeqNo seq, Timestamp time,
                   std::vector<receipts::LedgerEvent>& out);
  absl::Status VerifyRecoveredLedger() const;

  ExchangeCore& core_;
  JournalStore& store_;
  const Clock& clock_;
  CommandQueue& commands_;
  std::vector<EventSink*> sinks_;
  Group groups_[2];
  receipts::Ledger* ledger_;
  SequencerHooks* hooks_ = nullptr;
  std::vector<QueryCommand> queries_;
  enum StatField { kGroups, kCommands, kApplyNs, kWaitNs, kCommitNs, kDispatchNs, kStatFields };
  void AddStat(StatField f, int64_t v) { stats_[f].fetch_add(v, std::memory_order_relaxed); }
  std::atomic<int64_t> stats_[kStatFields] = {};
  // Hand-off to the committer thread (Run() only).
  std::mutex mu_;
  std::condition_variable cv_;
  Group* submitted_ = nullptr;  // the group being committed, until dispatched
  bool stop_committer_ = false;
  absl::Status commit_status_;
  QueryRunner* runners_[kQueryClients] = {};  // by QueryClient; kApi goes to hooks_
  std::atomic<uint64_t> last_seq_{0};
  uint64_t last_applied_ = 0;  // sequencer thread: the last seq given out
  Timestamp last_time_ = 0;
};

}  // namespace dazong::exchange
