// The history verifier: rebuilds every receipt, balance, stock figure and reservation from the
// hash-chained log alone, checks the chain and every invariant, and reports the first
// discrepancy.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dazong/warehouse_receipts/events.h"
#include "dazong/warehouse_receipts/history_log.h"
#include "dazong/warehouse_receipts/state.h"

namespace dazong::receipts {

struct HistoryReport {
  bool ok = true;
  uint64_t records = 0;               // records checked
  std::optional<uint64_t> index;      // the first bad record (none for an end-state mismatch)
  std::string discrepancy;            // what differs, e.g. "record 7 (HolderChanged, seq 12): ..."
  LedgerState rebuilt;                // the state rebuilt up to the first discrepancy
};

// Checks, record by record: the index, the link to the previous hash, the record's own hash,
// non-decreasing seq and time, that the event applies to the rebuilt state (ApplyEvent's
// checks), and VerifyState() after the last record of each sequence number. If `expected` is
// given, the rebuilt state must equal it record for record (receipts, accounts, stock,
// reservations, settled trades, meta); the first difference is reported.
HistoryReport VerifyHistory(const ConfigIndex& config, std::span<const HistoryRecord> records,
                            const LedgerState* expected = nullptr);
// The same over a ledger's in-memory log.
HistoryReport VerifyHistory(const ConfigIndex& config, const HistoryLog& log,
                            const LedgerState* expected = nullptr);

}  // namespace dazong::receipts
