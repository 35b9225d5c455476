#include "dazong/exchange/sequencer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/history.h"

namespace dazong::exchange {

Sequencer::Sequencer(ExchangeCore& core, JournalStore& store, const Clock& clock,
                     CommandQueue& commands, receipts::Ledger* ledger)
    : core_(core), store_(store), clock_(clock), commands_(commands), ledger_(ledger) {
  events_.reserve(kMaxGroup * 8);
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
  absl::Status s = store_.ReadJournal(1, [&](const SequencedCommand& cmd) {
    discarded.clear();
    discarded_ledger.clear();
    ApplyJournaled(cmd, core_, ledger_, discarded, discarded_ledger);
    if (replayed && !discarded.empty()) replayed(discarded);
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
  if (ledger_ != nullptr) {
    ledger_->TakeChanges();  // all of it is already in the store
    if (absl::Status v = VerifyRecoveredLedger(); !v.ok()) return v;
  }
  last_seq_.store(last, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status Sequencer::VerifyRecoveredLedger() const {
  if (absl::Status s = ledger_->Verify(); !s.ok()) {
    return absl::DataLossError(absl::StrCat("ledger invariant after replay: ", s.message()));
  }
  // The hash chain (the full rebuild from the log, VerifyHistory, is the supervisors' verifier:
  // it checks the invariants after every sequence number, too slow for every start).
  receipts::Hash prev{};
  const std::vector<receipts::HistoryRecord>& history = ledger_->history();
  for (uint64_t i = 0; i < history.size(); ++i) {
    const receipts::HistoryRecord& rec = history[i];
    if (rec.index != i || rec.prev_hash != prev ||
        receipts::ComputeRecordHash(prev, i, rec.event) != rec.hash) {
      return absl::DataLossError(absl::StrCat("ledger history: record ", i, " breaks the hash chain"));
    }
    prev = rec.hash;
  }
  // The records the store holds must be exactly the replayed state.
  absl::StatusOr<receipts::LedgerSnapshot> stored = store_.ReadLedgerSnapshot();
  if (!stored.ok()) return stored.status();
  if (!(stored->meta == ledger_->state().meta)) {
    return absl::DataLossError(absl::StrCat(
        "ledger records in the store (history size ", stored->meta.history_size,
        ") differ from the journal replay (history size ", ledger_->state().meta.history_size, ")"));
  }
  receipts::LedgerSnapshot replayed = ledger_->Snapshot();
  if (stored->receipts != replayed.receipts || stored->accounts != replayed.accounts ||
      stored->stock != replayed.stock || stored->orders != replayed.orders ||
      stored->settled_trades != replayed.settled_trades ||
      stored->history.size() != replayed.history.size()) {
    return absl::DataLossError("ledger records in the store differ from the journal replay");
  }
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
  ledger_events_.clear();
  ledger_results_.clear();
  queries_.clear();
  uint64_t seq = last_seq_.load(std::memory_order_relaxed);
  SequencedCommand cmd;
  while (batch_.command_count() < kMaxGroup && commands_.TryPop(cmd.body)) {
    if (const auto* query = std::get_if<QueryCommand>(&cmd.body)) {
      queries_.push_back(*query);
      continue;
    }
    cmd.seq = SeqNo(++seq);
    cmd.time = NextTime();
    if (const auto* envelope = std::get_if<LedgerCommandEnvelope>(&cmd.body)) {
      const size_t begin = ledger_events_.size();
      ApplyLedger(*envelope, cmd.seq, cmd.time, ledger_events_);
      ledger_results_.push_back({envelope->ticket, cmd.seq, begin, ledger_events_.size()});
      batch_.AddCommand(cmd);
      continue;
    }
    if (ledger_ != nullptr) ledger_->BeginCommand(cmd.seq, cmd.time);
    const size_t first_event = events_.size();
    core_.Apply(cmd, events_);
    batch_.AddCommand(cmd);
    for (size_t i = first_event; i < events_.size(); ++i) {
      if (const auto* trade = std::get_if<TradeEvent>(&events_[i].body)) {
        batch_.AddTrade(MakeTradeRecord(cmd.seq, *trade));
      }
    }
  }
  if (batch_.command_count() > 0) {
    if (ledger_ != nullptr) batch_.AddLedgerChanges(*ledger_, ledger_->TakeChanges());
    if (absl::Status s = store_.Commit(batch_); !s.ok()) return s;
    last_seq_.store(seq, std::memory_order_release);
    for (EventSink* sink : sinks_) sink->OnEvents(events_);
  }
  if (hooks_ != nullptr) {
    for (const LedgerResult& r : ledger_results_) {
      hooks_->OnLedgerResult(
          r.ticket, r.seq,
          std::span<const receipts::LedgerEvent>(ledger_events_.data() + r.begin, r.end - r.begin));
    }
  }
  for (const QueryCommand& query : queries_) {
    if (query.client == QueryClient::kApi) {
      if (hooks_ != nullptr) hooks_->RunQuery(query.ticket);
    } else if (QueryRunner* runner = runners_[static_cast<size_t>(query.client)]; runner != nullptr) {
      runner->RunQuery(query.ticket);
    }
  }
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
