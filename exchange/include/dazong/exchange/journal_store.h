// JournalStore: the exchange's durable record in RocksDB.
//
// Keys (one column family, prefixed):
//   "J" + big-endian seq      -> the command journal: a block of the group's commands
//                                (AppendCommandToBlock) under its first command's seq;
//                                journals written before blocks hold one command per key
//                                (EncodeCommand), and both are read
//   "T" + big-endian trade id -> EncodeTrade(TradeRecord)          settled trades
//   "M:last_seq"              -> big-endian seq                    last journaled command
// and the warehouse-receipt ledger's hash-chained history (warehouse_receipts/codec.h), written
// by AddLedgerChanges in the same batch as the journal records of the commands that caused it:
//   "H" + index of the block's first record -> EncodeHistoryBlock (the group's new records)
//   "L:meta" (next receipt id, history size and head, cash totals). Ids are big-endian u64.
// The ledger's state is not stored separately: it is a function of the history (the
// verifier rebuilds it) and of the journal (recovery replays it and compares the history).
// The sequencer fills one Batch per group of commands and commits it with Commit(), which is
// a single synced WriteBatch: the journal records and the state they produce become durable
// together or not at all. Nothing is acknowledged before Commit() returns OK.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/common/commands.h"
#include "dazong/exchange/journal_codec.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
struct Options;
}  // namespace rocksdb

namespace dazong::exchange {

class PrewrittenWalFileSystem;  // exchange/src/prewritten_wal.h

// Also the ledger's HistoryArchive: the ledger keeps only recent history in memory.
class JournalStore final : public receipts::HistoryArchive {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  struct OpenOptions {
    // Read-write mode: the size of the write-ahead log files taken from a pool of files
    // prewritten with zeros (exchange/src/prewritten_wal.h: a synced write then overwrites
    // instead of appending, about half the latency and CPU on this machine's disk); 0 for
    // RocksDB's own log files. The pool (two files) is kept in `path`/prewritten-wal.
    uint64_t wal_prewrite_bytes = 0;
  };

  // Opens (creating if needed, in read-write mode) the store in `path`.
  static absl::StatusOr<std::unique_ptr<JournalStore>> Open(const std::string& path,
                                                            Mode mode = Mode::kReadWrite);
  static absl::StatusOr<std::unique_ptr<JournalStore>> Open(const std::string& path, Mode mode,
                                                            const OpenOptions& open_options);
  ~JournalStore() override;

  // One group commit. Reusable: Clear() after Commit().
  class Batch {
   public:
    Batch();
    ~Batch();
    void AddCommand(const SequencedCommand& cmd);
    void AddTrade(const TradeRecord& trade);
    // The ledger's new history records (one block) and its meta record.
    void AddLedgerChanges(const receipts::Ledger& ledger, const receipts::LedgerChanges& changes);
    // The same from parts taken earlier: the new records' encodings (records [begin, begin +
    // records.size())), the chain head before them and the encoded meta record
    // (receipts::EncodeMeta). Nothing is added when `records` is empty.
    void AddLedgerBlock(uint64_t begin, const receipts::Hash& prev_hash,
                        std::span<const std::string_view> records, std::string_view meta);
    void Clear();
    size_t command_count() const { return commands_; }

   private:
    friend class JournalStore;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
    std::string key_;
    std::string value_;
    std::string commands_block_;
    size_t commands_ = 0;
    uint64_t first_seq_ = 0;
    uint64_t last_seq_ = 0;
  };

  // Writes the batch with sync=true. On error nothing of the batch is visible.
  absl::Status Commit(Batch& batch);

  // The RocksDB options every store is opened with; benchmarks open their raw comparison
  // databases with the same. (zstd WAL compression was measured: on this 2-core VM it made a
  // synced group slower, the CPU it costs outweighing the bytes it saves.)
  static void ConfigureOptions(rocksdb::Options& options);
  // For benchmarks: when set, Commit() appends each batch's serialized contents here, so the
  // very same batches can be replayed into a raw RocksDB.
  void CopyBatchesTo(std::vector<std::string>* copies) {
    batch_copies_.store(copies, std::memory_order_release);
  }

  // What Commit() has written so far (for benchmarks): batches, entries (puts and deletes) and
  // WriteBatch bytes.
  struct CommitStats {
    uint64_t batches = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };
  CommitStats commit_stats() const { return stats_; }
  // Write-ahead log files taken from the prewritten pool so far (0 without one).
  uint64_t prewritten_logs() const;

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
  // HistoryArchive: visits the persisted ledger history records [begin, end) in order, as
  // (index, encoded record); DataLoss on a gap or a block that does not decode.
  absl::Status ReadHistory(
      uint64_t begin, uint64_t end,
      const std::function<absl::Status(uint64_t, std::string_view)>& visit) const override;

 private:
  JournalStore(std::shared_ptr<PrewrittenWalFileSystem> prewritten, std::unique_ptr<rocksdb::Env> env,
               std::unique_ptr<rocksdb::DB> db);
  // Declared before db_: destroyed after it.
  std::shared_ptr<PrewrittenWalFileSystem> prewritten_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
  CommitStats stats_;  // written by the committing thread only
  std::atomic<std::vector<std::string>*> batch_copies_{nullptr};
};

}  // namespace dazong::exchange
