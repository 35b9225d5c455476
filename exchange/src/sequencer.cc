#include "dazong/exchange/sequencer.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "dazong/common/thread_name.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/history.h"

namespace dazong::exchange {

Sequencer::Sequencer(ExchangeCore& core, JournalStore& store, const Clock& clock,
                     CommandQueue& commands, receipts::Ledger* ledger)
    : core_(core), store_(store), clock_(clock), commands_(commands), ledger_(ledger) {
  for (Group& g : groups_) {
    g.commands.reserve(kMaxGroup);
    g.events.reserve(kMaxGroup * 8);
  }
  if (ledger_ != nullptr) ledger_->SetHistoryArchive(&store_);
}

void ApplyLedgerEnvelope(receipts::Ledger* ledger, const LedgerCommandEnvelope& envelope, SeqNo seq,
                         Timestamp time, std::vector<receipts::LedgerEvent>& out) {
  auto refuse = [&](receipts::LedgerReason reason, std::string text) {
    receipts::LedgerEvent e;
    e.seq = seq;
    e.time = time;
    e.why = text;
    e.body = receipts::Rejected{reason, std::move(text), ""};
    out.push_back(std::move(e));
  };
  if (ledger == nullptr) {
    return refuse(receipts::LedgerReason::kInvalidElement, "this exchange runs without a ledger");
  }
  absl::StatusOr<receipts::LedgerCommand> cmd = receipts::DecodeLedgerCommand(envelope.payload);
  if (!cmd.ok()) {
    return refuse(receipts::LedgerReason::kInvalidElement,
                  std::string("malformed ledger command: ") + std::string(cmd.status().message()));
  }
  if (receipts::PrincipalString(receipts::CommandActor(*cmd)) != envelope.principal) {
    return refuse(receipts::LedgerReason::kWrongRole,
                  "the command's actor is not the authenticated principal");
  }
  ledger->Apply(*cmd, seq, time, out);
}

void ApplyJournaled(const SequencedCommand& cmd, ExchangeCore& core, receipts::Ledger* ledger,
                    std::vector<Event>& events, std::vector<receipts::LedgerEvent>& ledger_events) {
  if (const auto* envelope = std::get_if<LedgerCommandEnvelope>(&cmd.body)) {
    ApplyLedgerEnvelope(ledger, *envelope, cmd.seq, cmd.time, ledger_events);
    return;
  }
  if (ledger != nullptr) ledger->BeginCommand(cmd.seq, cmd.time);
  core.Apply(cmd, events);
}

void Sequencer::ApplyLedger(const LedgerCommandEnvelope& envelope, SeqNo seq, Timestamp time,
                            std::vector<receipts::LedgerEvent>& out) {
  ApplyLedgerEnvelope(ledger_, envelope, seq, time, out);
}

absl::Status Sequencer::Recover(const std::function<void(std::span<const Event>)>& replayed) {
  std::vector<Event> discarded;
  std::vector<receipts::LedgerEvent> discarded_ledger;
  uint64_t last = 0;
  uint64_t compared = 0;  // ledger history records checked against the store so far
  absl::Status s = store_.ReadJournal(1, [&](const SequencedCommand& cmd) {
    discarded.clear();
    discarded_ledger.clear();
    ApplyJournaled(cmd, core_, ledger_, discarded, discarded_ledger);
    if (replayed && !discarded.empty()) replayed(discarded);
    last = cmd.seq.value();
    last_time_ = std::max(last_time_, cmd.time);
    if (ledger_ != nullptr && ledger_->history().size() - compared >= 4096) {
      return CompareReplayedHistory(compared);
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  absl::StatusOr<uint64_t> stored_last = store_.LastSeq();
  if (!stored_last.ok()) return stored_last.status();
  if (*stored_last != last) {
    return absl::DataLossError("journal ends at seq " + std::to_string(last) +
                               " but the store records last seq " + std::to_string(*stored_last));
  }
  if (ledger_ != nullptr) {
    if (absl::Status v = CompareReplayedHistory(compared); !v.ok()) return v;
    if (absl::Status v = VerifyRecoveredLedger(); !v.ok()) return v;
  }
  last_seq_.store(last, std::memory_order_release);
  last_applied_ = last;
  return absl::OkStatus();
}

absl::Status Sequencer::CompareReplayedHistory(uint64_t& compared) {
  // The stored history must be exactly the replayed one, byte for byte: every replayed record
  // was hashed from its contents, so this also proves the stored hash chain. Then the compared
  // records leave memory (the store holds them).
  ledger_->TakeChanges();  // all of it is already in the store
  const receipts::HistoryLog& history = ledger_->history();
  const uint64_t end = history.size();
  uint64_t next = compared;
  absl::Status s = store_.ReadHistory(compared, end, [&](uint64_t i, std::string_view record) {
    if (!record.empty() && static_cast<uint8_t>(record[0]) != receipts::kLedgerEventFormatVersion) {
      return receipts::DecodeHistoryRecord(record).status();  // says which format it is
    }
    if (i != next || history.encoded(i) != record) {
      return absl::DataLossError(absl::StrCat(
          "ledger history record ", i, " in the store differs from the journal replay"));
    }
    ++next;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (next != end) {
    return absl::DataLossError(absl::StrCat("the store holds ledger history up to record ", next,
                                            ", the journal replay makes ", end));
  }
  compared = end;
  ledger_->TrimHistory(compared);
  return absl::OkStatus();
}

absl::Status Sequencer::VerifyRecoveredLedger() const {
  if (absl::Status s = ledger_->Verify(); !s.ok()) {
    return absl::DataLossError(absl::StrCat("ledger invariant after replay: ", s.message()));
  }
  // Nothing stored beyond the replayed history, and the same meta (counters, head, totals).
  const uint64_t size = ledger_->history().size();
  bool extra = false;
  absl::Status s = store_.ReadHistory(size, ~uint64_t{0}, [&](uint64_t, std::string_view) {
    extra = true;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (extra) {
    return absl::DataLossError(absl::StrCat("the store holds more ledger history records than the ",
                                            size, " the journal replay makes"));
  }
  absl::StatusOr<receipts::LedgerMeta> meta = store_.GetLedgerMeta();
  if (meta.ok() ? !(*meta == ledger_->state().meta)
                : !(absl::IsNotFound(meta.status()) && size == 0)) {
    return absl::DataLossError("the ledger meta record in the store differs from the journal replay");
  }
  return absl::OkStatus();
}

Timestamp Sequencer::NextTime() {
  // Time stamps never go backwards, even if the wall clock does.
  last_time_ = std::max(last_time_, clock_.Now());
  return last_time_;
}

void Sequencer::Group::Clear() {
  history_end = 0;
  history_begin = 0;
  history_records.clear();
  ledger_meta.clear();
  batch.Clear();
  commands.clear();
  events.clear();
  ledger_events.clear();
  ledger_results.clear();
  last_seq = 0;
}

bool Sequencer::Fill(Group& g) {
  uint64_t seq = g.last_seq != 0 ? g.last_seq : last_applied_;
  bool query = false;
  // Each command is popped straight into the group (reserved for kMaxGroup: no reallocation,
  // so `cmd` stays valid) and applied there; its journal record is encoded at commit.
  while (g.commands.size() < kMaxGroup) {
    SequencedCommand& cmd = g.commands.emplace_back();
    if (!commands_.TryPop(cmd.body)) {
      g.commands.pop_back();
      break;
    }
    if (const auto* q = std::get_if<QueryCommand>(&cmd.body)) {
      queries_.push_back(*q);
      g.commands.pop_back();
      query = true;
      break;
    }
    cmd.seq = SeqNo(++seq);
    cmd.time = NextTime();
    if (const auto* envelope = std::get_if<LedgerCommandEnvelope>(&cmd.body)) {
      const size_t begin = g.ledger_events.size();
      ApplyLedger(*envelope, cmd.seq, cmd.time, g.ledger_events);
      g.ledger_results.push_back({envelope->ticket, cmd.seq, begin, g.ledger_events.size()});
      continue;
    }
    if (ledger_ != nullptr) ledger_->BeginCommand(cmd.seq, cmd.time);
    core_.Apply(cmd, g.events);
  }
  if (!g.commands.empty()) g.last_seq = seq;
  last_applied_ = seq;
  return query;
}

void Sequencer::Seal(Group& g) {
  if (ledger_ != nullptr && !g.commands.empty()) {
    const receipts::LedgerChanges changes = ledger_->TakeChanges();
    g.history_end = changes.history_end;
    g.history_records.clear();
    g.ledger_meta.clear();
    if (!changes.empty()) {
      const receipts::HistoryLog& history = ledger_->history();
      g.history_begin = changes.history_begin;
      g.history_prev = history.prev_hash(changes.history_begin);
      for (uint64_t i = changes.history_begin; i < changes.history_end; ++i) {
        g.history_records.push_back(history.encoded(i));
      }
      receipts::EncodeMeta(ledger_->state().meta, g.ledger_meta);
    }
  }
}

absl::Status Sequencer::CommitAndDispatch(Group& g) {
  if (g.commands.empty()) return absl::OkStatus();
  const auto t0 = std::chrono::steady_clock::now();
  // The journal records: every command, a trade record for every trade (the events carry
  // the seq of the command that caused them) and the ledger's new history as one block with
  // its meta record (taken at Seal). One synced write makes all of it durable together.
  for (const SequencedCommand& cmd : g.commands) g.batch.AddCommand(cmd);
  g.batch.AddLedgerBlock(g.history_begin, g.history_prev, g.history_records, g.ledger_meta);
  for (const Event& e : g.events) {
    if (const auto* trade = std::get_if<TradeEvent>(&e.body)) {
      g.batch.AddTrade(MakeTradeRecord(e.seq, *trade));
    }
  }
  if (absl::Status s = store_.Commit(g.batch); !s.ok()) return s;
  const auto t1 = std::chrono::steady_clock::now();
  last_seq_.store(g.last_seq, std::memory_order_release);
  for (EventSink* sink : sinks_) sink->OnEvents(g.events);
  if (hooks_ != nullptr) {
    for (const LedgerResult& r : g.ledger_results) {
      hooks_->OnLedgerResult(r.ticket, r.seq,
                             std::span<const receipts::LedgerEvent>(
                                 g.ledger_events.data() + r.begin, r.end - r.begin));
    }
  }
  const auto t2 = std::chrono::steady_clock::now();
  AddStat(kGroups, 1);
  AddStat(kCommands, static_cast<int64_t>(g.commands.size()));
  AddStat(kCommitNs, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  AddStat(kDispatchNs, std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count());
  return absl::OkStatus();
}

Sequencer::Stats Sequencer::stats() const {
  auto get = [&](StatField f) { return stats_[f].load(std::memory_order_relaxed); };
  Stats s;
  s.groups = static_cast<uint64_t>(get(kGroups));
  s.commands = static_cast<uint64_t>(get(kCommands));
  s.apply_ns = get(kApplyNs);
  s.wait_ns = get(kWaitNs);
  s.commit_ns = get(kCommitNs);
  s.dispatch_ns = get(kDispatchNs);
  return s;
}

void Sequencer::TrimDurableHistory(const Group& committed) {
  // `committed` is the group last handed to the committer, now durable (or never submitted,
  // then its history_end is from an earlier durable group or 0). Called only while no group
  // is being committed: a group in flight holds views into the log's records (Seal).
  if (ledger_ != nullptr && committed.history_end != 0) ledger_->TrimHistory(committed.history_end);
}

void Sequencer::RunQueries() {
  for (const QueryCommand& query : queries_) {
    if (query.client == QueryClient::kApi) {
      if (hooks_ != nullptr) hooks_->RunQuery(query.ticket);
    } else if (QueryRunner* runner = runners_[static_cast<size_t>(query.client)]; runner != nullptr) {
      runner->RunQuery(query.ticket);
    }
  }
  queries_.clear();
}

absl::Status Sequencer::ProcessAvailable() {
  Group& g = groups_[0];
  g.Clear();
  Fill(g);
  Seal(g);
  if (absl::Status s = CommitAndDispatch(g); !s.ok()) return s;
  if (ledger_ != nullptr && g.history_end != 0) ledger_->TrimHistory(g.history_end);
  RunQueries();
  return absl::OkStatus();
}

void Sequencer::CommitterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return submitted_ != nullptr || stop_committer_; });
    if (submitted_ == nullptr) return;  // stopping with nothing left
    Group* g = submitted_;
    lock.unlock();
    absl::Status s = CommitAndDispatch(*g);
    lock.lock();
    if (!s.ok() && commit_status_.ok()) commit_status_ = s;
    submitted_ = nullptr;
    cv_.notify_all();
  }
}

absl::Status Sequencer::Run() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_committer_ = false;
    submitted_ = nullptr;
  }
  std::thread committer([this] {
    SetThreadName("committer");
    CommitterLoop();
  });
  // Waits until no group is being committed; returns the committer's error, if any.
  auto wait_idle = [this]() -> absl::Status {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return submitted_ == nullptr; });
    AddStat(kWaitNs, std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - t0)
                         .count());
    return commit_status_;
  };
  absl::Status status;
  int current = 0;
  for (;;) {
    commands_.WaitNonEmpty();
    const bool stopping = commands_.interrupted();
    // Drain what is queued (after a stop, everything queued before it) in pipelined groups.
    for (;;) {
      Group& g = groups_[current];
      g.Clear();
      const auto t0 = std::chrono::steady_clock::now();
      bool query = Fill(g);
      const auto t1 = std::chrono::steady_clock::now();
      AddStat(kApplyNs, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
      status = wait_idle();
      if (!status.ok()) break;
      TrimDurableHistory(groups_[current ^ 1]);
      // Commands that arrived during the wait join this group.
      if (!query) {
        const auto t2 = std::chrono::steady_clock::now();
        query = Fill(g);
        AddStat(kApplyNs, std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - t2)
                              .count());
      }
      Seal(g);
      const bool submit = !g.commands.empty();
      if (submit && !query && commands_.Empty()) {
        // Nothing queued to apply while this group syncs: commit it on this thread rather than
        // hand it to the committer and wait (two thread wake-ups on the path of every order
        // at low rates). The committer is idle (wait_idle above), so sinks still never run
        // concurrently, and no history is trimmed while the group is being committed.
        status = CommitAndDispatch(g);
        if (!status.ok()) break;
        TrimDurableHistory(g);
        break;
      }
      if (submit) {
        std::lock_guard<std::mutex> lock(mu_);
        submitted_ = &g;
        cv_.notify_all();
        current ^= 1;
      }
      if (query) {
        status = wait_idle();
        if (!status.ok()) break;
        RunQueries();
        continue;
      }
      if (!submit) break;  // the queue is empty
    }
    if (status.ok()) status = wait_idle();
    if (!status.ok() || stopping) break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_committer_ = true;
    cv_.notify_all();
  }
  committer.join();
  return status;
}

}  // namespace dazong::exchange
