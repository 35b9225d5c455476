// Ledger: the warehouse-receipt ledger, member cash and delivery-versus-payment settlement.
//
// Pure and deterministic: no I/O, no clock, no threads. The sequencer owns it and calls it from
// its one thread, in sequence order:
//  - Apply(cmd, seq, time, out) for ledger commands from the HTTP API / CLI;
//  - BeginCommand(seq, time) before each order command it gives the matching core, whose
//    Reserve / Resize / Settle / Release calls (ReservationLedger) are stamped with that seq.
// Every state change is a LedgerEvent appended to the hash-chained history (history()); a
// refused command yields one Rejected event and changes nothing, not even the history.
// After each command group the sequencer calls TakeChanges() and writes the new history
// records (already encoded) in the same WriteBatch as the journal records: the history is the
// ledger's persisted record, and the state is a function of it (and of the journal).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/common/reservations.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/commands.h"
#include "dazong/warehouse_receipts/events.h"
#include "dazong/warehouse_receipts/history_log.h"
#include "dazong/warehouse_receipts/state.h"

namespace dazong::receipts {

struct LedgerOptions {
  // The bank whose deposits and withdrawals move member cash; empty: every configured bank.
  std::string settlement_bank;
};

// The history records appended since the previous TakeChanges(): history()[begin, end).
struct LedgerChanges {
  uint64_t history_begin = 0;
  uint64_t history_end = 0;
  bool empty() const { return history_begin == history_end; }
};

// Everything needed to rebuild a ledger without replaying the journal.
struct LedgerSnapshot {
  std::vector<Receipt> receipts;
  std::vector<AccountRecord> accounts;
  std::vector<StockRecord> stock;
  std::vector<OrderReservation> orders;
  std::vector<TradeId> settled_trades;
  std::vector<HistoryRecord> history;
  LedgerMeta meta;
};

class Ledger final : public ReservationLedger {
 public:
  // `config` must outlive the ledger.
  explicit Ledger(const ExchangeConfig& config, LedgerOptions options = {});
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Rebuilds a ledger from persisted records. Checks that the records are consistent with each
  // other and with the history's head, and VerifyState(); DataLoss otherwise.
  static absl::StatusOr<std::unique_ptr<Ledger>> Restore(const ExchangeConfig& config,
                                                         LedgerOptions options,
                                                         LedgerSnapshot snapshot);

  // Applies one ledger command stamped (seq, time). Checks the actor's role first, then every
  // rule; appends the resulting events to `out`, or exactly one Rejected event and changes
  // nothing.
  void Apply(const LedgerCommand& cmd, SeqNo seq, Timestamp time, std::vector<LedgerEvent>& out);

  // Stamps the ReservationLedger calls that follow with the sequencer's (seq, time).
  void BeginCommand(SeqNo seq, Timestamp time);

  // ReservationLedger (see common/reservations.h). Events go to history() only.
  RejectReason Reserve(const ReservationRequest& request) override;
  RejectReason Resize(OrderId order, Price reserve_price, Quantity leaves) override;
  void Settle(const TradeEvent& trade) override;
  void Release(OrderId order) override;
  // Why the last Reserve / Resize failed, or the last Settle was refused.
  const std::string& last_reservation_error() const { return last_error_; }
  // Settle calls that could not be honoured (unknown orders, a trade beyond the reservations):
  // impossible when every order was reserved through this ledger; nothing changes for them.
  uint64_t settlement_anomalies() const { return anomalies_; }

  const LedgerState& state() const { return state_; }
  const ConfigIndex& config() const { return config_; }
  const HistoryLog& history() const { return history_; }
  // Where history records trimmed from memory are read back (the journal store); must outlive
  // the ledger's readers.
  void SetHistoryArchive(const HistoryArchive* archive) { history_.SetArchive(archive); }
  // Records before `durable_end` are persisted in the archive: keep only the most recent
  // kHistoryKeptInMemory of them in memory.
  void TrimHistory(uint64_t durable_end);
  static constexpr uint64_t kHistoryKeptInMemory = uint64_t{1} << 16;
  // Indexes into history() of the records touching `id` or any of its ancestors, ascending.
  std::vector<uint64_t> ReceiptHistory(ReceiptId id) const;

  // VerifyState over the live state.
  absl::Status Verify() const;

  LedgerChanges TakeChanges();
  LedgerSnapshot Snapshot() const;

 private:
  struct Refusal {
    LedgerReason reason = LedgerReason::kNone;
    std::string text;
  };
  class CommandHandler;

  void Emit(EventBody body, std::string why, const Principal& actor);
  bool EligibleForSale(const Receipt& r, const MemberConfig& member,
                       const InstrumentConfig& instrument) const;
  RejectReason Refuse(RejectReason reason, std::string text);
  void Anomaly(std::string text);

  ConfigIndex config_;
  LedgerState state_;
  HistoryLog history_;
  // Per receipt, the records touching it as a chain through receipt_links_ (newest first).
  struct ReceiptLink {
    uint64_t record;
    uint64_t next;  // index into receipt_links_ of the previous link, or kNoLink
  };
  static constexpr uint64_t kNoLink = ~uint64_t{0};
  // Indexed by receipt id (ids are issued in sequence). A deque: growing never moves or
  // rehashes what is there, so no settlement waits for a table to grow.
  std::deque<uint64_t> receipt_chain_;
  std::deque<ReceiptLink> receipt_links_;  // a deque: growing never copies the links
  void LinkReceiptRecord(ReceiptId id, uint64_t record);
  HistoryRecord pending_;    // the record Emit builds (reused)
  std::string encoded_;      // its encoding (reused)
  SeqNo seq_;
  Timestamp time_ = 0;
  std::vector<LedgerEvent>* out_ = nullptr;
  std::string last_error_;
  uint64_t anomalies_ = 0;

  uint64_t history_taken_ = 0;
};

}  // namespace dazong::receipts
