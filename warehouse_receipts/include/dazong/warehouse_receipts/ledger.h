// Ledger: the warehouse-receipt ledger, member cash and delivery-versus-payment settlement.
//
// Pure and deterministic: no I/O, no clock, no threads. The sequencer owns it and calls it from
// its one thread, in sequence order:
//  - Apply(cmd, seq, time, out) for ledger commands from the HTTP API / CLI;
//  - BeginCommand(seq, time) before each order command it gives the matching core, whose
//    Reserve / Resize / Settle / Release calls (ReservationLedger) are stamped with that seq.
// Every state change is a LedgerEvent appended to the hash-chained history (history()); a
// refused command yields one Rejected event and changes nothing, not even the history.
// After each command (group) the sequencer calls TakeChanges() and writes the changed records
// (codec.h) and the new history records in the same WriteBatch as the journal record.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/common/reservations.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/commands.h"
#include "dazong/warehouse_receipts/events.h"
#include "dazong/warehouse_receipts/state.h"

namespace dazong::receipts {

struct LedgerOptions {
  // The bank whose deposits and withdrawals move member cash; empty: every configured bank.
  std::string settlement_bank;
};

// What changed since the previous TakeChanges(): write these records, delete the ones that no
// longer exist (an order or stock key missing from state() was closed / zeroed).
struct LedgerChanges {
  std::vector<ReceiptId> receipts;
  std::vector<MemberId> accounts;      // may include kExchangeFeeAccount
  std::vector<StockKey> stock;
  std::vector<OrderId> orders;
  std::vector<TradeId> settled_trades;
  uint64_t history_begin = 0;          // new history records are history()[begin, end)
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
  const std::vector<HistoryRecord>& history() const { return history_; }
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
  void MarkDirty(const EventBody& body);
  bool EligibleForSale(const Receipt& r, const MemberConfig& member,
                       const InstrumentConfig& instrument) const;
  RejectReason Refuse(RejectReason reason, std::string text);
  void Anomaly(std::string text);

  ConfigIndex config_;
  LedgerState state_;
  std::vector<HistoryRecord> history_;
  absl::flat_hash_map<ReceiptId, std::vector<uint64_t>> receipt_history_;
  SeqNo seq_;
  Timestamp time_ = 0;
  std::vector<LedgerEvent>* out_ = nullptr;
  std::string last_error_;
  uint64_t anomalies_ = 0;

  std::set<ReceiptId> dirty_receipts_;
  std::set<MemberId> dirty_accounts_;
  std::set<StockKey> dirty_stock_;
  std::set<OrderId> dirty_orders_;
  std::vector<TradeId> new_trades_;
  uint64_t history_taken_ = 0;
};

}  // namespace dazong::receipts
