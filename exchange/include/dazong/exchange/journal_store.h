// JournalStore: the exchange's durable record in RocksDB.
//
// Keys (one column family, prefixed):
//   "J" + big-endian seq      -> EncodeCommand(SequencedCommand)   the command journal
//   "T" + big-endian trade id -> EncodeTrade(TradeRecord)          settled trades
//   "M:last_seq"              -> big-endian seq                    last journaled command
// and the warehouse-receipt ledger's records (warehouse_receipts/codec.h), written by
// AddLedgerChanges in the same batch as the journal record of the command that caused them:
//   "R" + receipt id, "A" + member id, "S" + warehouse id + commodity + 0 + grade,
//   "O" + order id (deleted when closed), "X" + trade id (settled), "H" + history index,
//   "L:meta" (next receipt id, history size and head, cash totals). Ids are big-endian u64.
// The sequencer fills one Batch per group of commands and commits it with Commit(), which is
// a single synced WriteBatch: the journal records and the state they produce become durable
// together or not at all. Nothing is acknowledged before Commit() returns OK.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/common/commands.h"
#include "dazong/exchange/journal_codec.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace dazong::exchange {

class JournalStore {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating if needed, in read-write mode) the store in `path`.
  static absl::StatusOr<std::unique_ptr<JournalStore>> Open(const std::string& path,
                                                            Mode mode = Mode::kReadWrite);
  ~JournalStore();

  // One group commit. Reusable: Clear() after Commit().
  class Batch {
   public:
    Batch();
    ~Batch();
    void AddCommand(const SequencedCommand& cmd);
    void AddTrade(const TradeRecord& trade);
    // The ledger records `changes` names, as they now are in `ledger` (deleted if gone).
    void AddLedgerChanges(const receipts::Ledger& ledger, const receipts::LedgerChanges& changes);
    void Clear();
    size_t command_count() const { return commands_; }

   private:
    friend class JournalStore;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
    std::string key_;
    std::string value_;
    size_t commands_ = 0;
    uint64_t last_seq_ = 0;
  };

  // Writes the batch with sync=true. On error nothing of the batch is visible.
  absl::Status Commit(Batch& batch);

  // What Commit() has written so far (for benchmarks): batches, entries (puts and deletes) and
  // WriteBatch bytes.
  struct CommitStats {
    uint64_t batches = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };
  CommitStats commit_stats() const { return stats_; }

  // The last journaled sequence number (0 when empty).
  absl::StatusOr<uint64_t> LastSeq() const;
  // Visits journaled commands with seq >= from_seq in order; stops at the first error
  // (decode failure or a gap in the sequence).
  absl::Status ReadJournal(uint64_t from_seq,
                           const std::function<absl::Status(const SequencedCommand&)>& visit) const;
  // Visits trades in trade id order.
  absl::Status ReadTrades(const std::function<absl::Status(const TradeRecord&)>& visit) const;
  absl::StatusOr<TradeRecord> GetTrade(TradeId id) const;

  // The ledger's persisted meta record (NotFound before the first ledger change).
  absl::StatusOr<receipts::LedgerMeta> GetLedgerMeta() const;
  // Every persisted ledger record, for Ledger::Restore and for comparing with a replay.
  absl::StatusOr<receipts::LedgerSnapshot> ReadLedgerSnapshot() const;

 private:
  explicit JournalStore(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
  CommitStats stats_;  // written by the committing thread only
};

}  // namespace dazong::exchange
