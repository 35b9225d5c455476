#include "dazong/exchange/journal_store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"
#include "prewritten_wal.h"

namespace dazong::exchange {
namespace {

constexpr char kJournalPrefix = 'J';
constexpr char kTradePrefix = 'T';
constexpr std::string_view kLastSeqKey = "M:last_seq";
constexpr char kHistoryPrefix = 'H';
constexpr std::string_view kLedgerMetaKey = "L:meta";

void AppendBigEndian(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t ReadBigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

void MakeKey(std::string& key, char prefix, uint64_t id) {
  key.clear();
  key.push_back(prefix);
  AppendBigEndian(key, id);
}

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(std::string(what) + ": " + s.ToString());
}

rocksdb::Slice AsSlice(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }

// Positions `it` at the record that holds `key` in a prefix whose records are blocks keyed by
// their first element (journal blocks, ledger history blocks): the last record at or before
// `key`, or the first one after it when there is none.
void SeekToBlockHolding(rocksdb::Iterator& it, const std::string& key) {
  it.SeekForPrev(AsSlice(key));
  if (!it.Valid() || it.key()[0] != key[0]) it.Seek(AsSlice(key));
}

}  // namespace

JournalStore::Batch::Batch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
JournalStore::Batch::~Batch() = default;

void JournalStore::Batch::AddCommand(const SequencedCommand& cmd) {
  if (commands_ == 0) first_seq_ = cmd.seq.value();
  AppendCommandToBlock(cmd, commands_block_, value_);
  ++commands_;
  last_seq_ = cmd.seq.value();
}

void JournalStore::Batch::AddTrade(const TradeRecord& trade) {
  MakeKey(key_, kTradePrefix, trade.trade_id.value());
  value_.clear();
  EncodeTrade(trade, value_);
  batch_->Put(AsSlice(key_), AsSlice(value_));
}

void JournalStore::Batch::AddLedgerChanges(const receipts::Ledger& ledger,
                                           const receipts::LedgerChanges& changes) {
  if (changes.empty()) return;
  const receipts::HistoryLog& history = ledger.history();
  std::vector<std::string_view> records;
  records.reserve(changes.history_end - changes.history_begin);
  for (uint64_t i = changes.history_begin; i < changes.history_end; ++i) records.push_back(history.encoded(i));
  std::string meta;
  receipts::EncodeMeta(ledger.state().meta, meta);
  AddLedgerBlock(changes.history_begin, history.prev_hash(changes.history_begin), records, meta);
}

void JournalStore::Batch::AddLedgerBlock(uint64_t begin, const receipts::Hash& prev_hash,
                                         std::span<const std::string_view> records,
                                         std::string_view meta) {
  if (records.empty()) return;
  MakeKey(key_, kHistoryPrefix, begin);
  value_.clear();
  receipts::EncodeHistoryBlock(begin, prev_hash, records, value_);
  batch_->Put(AsSlice(key_), AsSlice(value_));
  batch_->Put(AsSlice(kLedgerMetaKey), AsSlice(meta));
}

void JournalStore::Batch::Clear() {
  batch_->Clear();
  commands_block_.clear();
  commands_ = 0;
  first_seq_ = 0;
  last_seq_ = 0;
}

JournalStore::JournalStore(std::shared_ptr<PrewrittenWalFileSystem> prewritten, std::unique_ptr<rocksdb::Env> env,
                           std::unique_ptr<rocksdb::DB> db)
    : prewritten_(std::move(prewritten)), env_(std::move(env)), db_(std::move(db)) {}
JournalStore::~JournalStore() = default;

absl::StatusOr<std::unique_ptr<JournalStore>> JournalStore::Open(const std::string& path, Mode mode) {
  return Open(path, mode, OpenOptions());
}

absl::StatusOr<std::unique_ptr<JournalStore>> JournalStore::Open(const std::string& path, Mode mode,
                                                                 const OpenOptions& open_options) {
  rocksdb::Options options;
  ConfigureOptions(options);
  options.create_if_missing = mode == Mode::kReadWrite;
  std::shared_ptr<PrewrittenWalFileSystem> prewritten;
  std::unique_ptr<rocksdb::Env> env;
  if (mode == Mode::kReadWrite && open_options.wal_prewrite_bytes > 0) {
    prewritten = std::make_shared<PrewrittenWalFileSystem>(rocksdb::FileSystem::Default(),
                                                           path + "/prewritten-wal", open_options.wal_prewrite_bytes, 2);
    if (absl::Status s = prewritten->Start(); !s.ok()) {
      return absl::UnavailableError(absl::StrCat("cannot prepare the journal's log files in ", path, ": ", s.message()));
    }
    env = rocksdb::NewCompositeEnv(prewritten);
    options.env = env.get();
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = mode == Mode::kReadWrite
                          ? rocksdb::DB::Open(options, path, &raw)
                          : rocksdb::DB::OpenForReadOnly(options, path, &raw);
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("cannot open store ", path, ": ", s.ToString()));
  return std::unique_ptr<JournalStore>(
      new JournalStore(std::move(prewritten), std::move(env), std::unique_ptr<rocksdb::DB>(raw)));
}

uint64_t JournalStore::prewritten_logs() const { return prewritten_ != nullptr ? prewritten_->handed_out() : 0; }

void JournalStore::ConfigureOptions(rocksdb::Options& options) {
  options.IncreaseParallelism(2);
  // Every key is a one-byte prefix then an ascending number (journal seq, trade id, history
  // index): with a hint per prefix, each memtable insert of a group starts where the previous
  // one with the same prefix ended instead of searching the skip list from the top.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
}

absl::Status JournalStore::Commit(Batch& batch) {
  if (batch.commands_ > 0) {
    MakeKey(batch.key_, kJournalPrefix, batch.first_seq_);
    batch.batch_->Put(AsSlice(batch.key_), AsSlice(batch.commands_block_));
    std::string seq;
    AppendBigEndian(seq, batch.last_seq_);
    batch.batch_->Put(AsSlice(kLastSeqKey), AsSlice(seq));
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  ++stats_.batches;
  stats_.entries += batch.batch_->Count();
  stats_.bytes += batch.batch_->GetDataSize();
  if (auto* copies = batch_copies_.load(std::memory_order_acquire)) {
    copies->push_back(batch.batch_->Data());
  }
  return FromRocks(db_->Write(options, batch.batch_.get()), "journal commit");
}

absl::StatusOr<uint64_t> JournalStore::LastSeq() const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), AsSlice(kLastSeqKey), &value);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return FromRocks(s, "read last seq");
  if (value.size() != 8) return absl::DataLossError("last seq record is not 8 bytes");
  return ReadBigEndian(value);
}

absl::Status JournalStore::ReadJournal(
    uint64_t from_seq, const std::function<absl::Status(const SequencedCommand&)>& visit) const {
  std::string start;
  MakeKey(start, kJournalPrefix, from_seq);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  SeekToBlockHolding(*it, start);
  uint64_t expected = from_seq;
  for (; it->Valid() && it->key()[0] == kJournalPrefix; it->Next()) {
    absl::Status s = DecodeJournalRecord(
        std::string_view(it->value().data(), it->value().size()), [&](const SequencedCommand& cmd) {
          if (cmd.seq.value() < from_seq) return absl::OkStatus();
          if (expected != 0 && cmd.seq.value() != expected) {
            return absl::DataLossError(
                absl::StrCat("journal gap: expected seq ", expected, ", found ", cmd.seq.value()));
          }
          expected = cmd.seq.value() + 1;
          return visit(cmd);
        });
    if (!s.ok()) return s;
  }
  return FromRocks(it->status(), "read journal");
}

absl::Status JournalStore::ReadTrades(
    const std::function<absl::Status(const TradeRecord&)>& visit) const {
  std::string start(1, kTradePrefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(start); it->Valid() && it->key()[0] == kTradePrefix; it->Next()) {
    absl::StatusOr<TradeRecord> trade =
        DecodeTrade(std::string_view(it->value().data(), it->value().size()));
    if (!trade.ok()) return trade.status();
    if (absl::Status s = visit(*trade); !s.ok()) return s;
  }
  return FromRocks(it->status(), "read trades");
}

absl::StatusOr<TradeRecord> JournalStore::GetTrade(TradeId id) const {
  std::string key;
  MakeKey(key, kTradePrefix, id.value());
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), AsSlice(key), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no trade ", id.value()));
  if (!s.ok()) return FromRocks(s, "read trade");
  return DecodeTrade(value);
}

absl::StatusOr<receipts::LedgerMeta> JournalStore::GetLedgerMeta() const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), AsSlice(kLedgerMetaKey), &value);
  if (s.IsNotFound()) return absl::NotFoundError("no ledger meta record");
  if (!s.ok()) return FromRocks(s, "read ledger meta");
  return receipts::DecodeMeta(value);
}

absl::Status JournalStore::ReadHistory(
    uint64_t begin, uint64_t end,
    const std::function<absl::Status(uint64_t, std::string_view)>& visit) const {
  if (begin >= end) return absl::OkStatus();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  std::string key;
  MakeKey(key, kHistoryPrefix, begin);
  SeekToBlockHolding(*it, key);
  bool first_block = true;
  uint64_t next = 0;
  uint64_t begin_block = 0;   // the first block read (its head is not checked here)
  receipts::Hash last_hash{};  // the hash of the last record read
  for (; it->Valid() && it->key()[0] == kHistoryPrefix; it->Next()) {
    const uint64_t key_index =
        ReadBigEndian(std::string_view(it->key().data() + 1, it->key().size() - 1));
    if (first_block) {
      next = key_index;
      begin_block = key_index;
      first_block = false;
    }
    if (key_index >= end) break;
    if (key_index != next) {
      return absl::DataLossError(absl::StrCat("ledger history: expected record ", next,
                                              ", the next block starts at ", key_index));
    }
    uint64_t first = 0;
    receipts::Hash block_prev{};
    const uint64_t block_begin = next;
    absl::Status s = receipts::DecodeHistoryBlock(
        std::string_view(it->value().data(), it->value().size()), first, block_prev,
        [&](std::string_view record) {
          if (next == block_begin && block_begin != begin_block && block_prev != last_hash) {
            return absl::DataLossError(absl::StrCat(
                "ledger history: block ", block_begin,
                " does not chain to the previous block (its head differs)"));
          }
          last_hash = receipts::HistoryRecordHash(record);
          const uint64_t i = next++;
          if (i < begin || i >= end) return absl::OkStatus();
          return visit(i, record);
        });
    if (!s.ok()) return s;
    if (first != key_index) {
      return absl::DataLossError(absl::StrCat("ledger history: block ", key_index, " says ", first));
    }
    if (next >= end) break;
  }
  return FromRocks(it->status(), "read ledger history");
}

}  // namespace dazong::exchange
