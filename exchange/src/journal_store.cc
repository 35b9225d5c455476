#include "dazong/exchange/journal_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"

namespace dazong::exchange {
namespace {

constexpr char kJournalPrefix = 'J';
constexpr char kTradePrefix = 'T';
constexpr std::string_view kLastSeqKey = "M:last_seq";
constexpr char kReceiptPrefix = 'R';
constexpr char kAccountPrefix = 'A';
constexpr char kStockPrefix = 'S';
constexpr char kOrderPrefix = 'O';
constexpr char kSettledPrefix = 'X';
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

}  // namespace

JournalStore::Batch::Batch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
JournalStore::Batch::~Batch() = default;

void JournalStore::Batch::AddCommand(const SequencedCommand& cmd) {
  MakeKey(key_, kJournalPrefix, cmd.seq.value());
  value_.clear();
  EncodeCommand(cmd, value_);
  batch_->Put(AsSlice(key_), AsSlice(value_));
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
  const receipts::LedgerState& state = ledger.state();
  for (receipts::ReceiptId id : changes.receipts) {
    MakeKey(key_, kReceiptPrefix, id.value());
    auto it = state.receipts.find(id);
    if (it == state.receipts.end()) {
      batch_->Delete(AsSlice(key_));
      continue;
    }
    value_.clear();
    receipts::EncodeReceipt(it->second, value_);
    batch_->Put(AsSlice(key_), AsSlice(value_));
  }
  for (MemberId member : changes.accounts) {
    MakeKey(key_, kAccountPrefix, member.value());
    auto it = state.accounts.find(member);
    if (it == state.accounts.end()) {
      batch_->Delete(AsSlice(key_));
      continue;
    }
    value_.clear();
    receipts::EncodeAccount(receipts::AccountRecord{member, it->second}, value_);
    batch_->Put(AsSlice(key_), AsSlice(value_));
  }
  for (const receipts::StockKey& stock : changes.stock) {
    MakeKey(key_, kStockPrefix, stock.warehouse.value());
    key_.append(stock.commodity);
    key_.push_back('\0');
    key_.append(stock.grade);
    auto it = state.stock.find(stock);
    if (it == state.stock.end()) {
      batch_->Delete(AsSlice(key_));
      continue;
    }
    value_.clear();
    receipts::EncodeStock(receipts::StockRecord{stock, it->second}, value_);
    batch_->Put(AsSlice(key_), AsSlice(value_));
  }
  for (OrderId order : changes.orders) {
    MakeKey(key_, kOrderPrefix, order.value());
    auto it = state.orders.find(order);
    if (it == state.orders.end()) {
      batch_->Delete(AsSlice(key_));
      continue;
    }
    value_.clear();
    receipts::EncodeOrder(it->second, value_);
    batch_->Put(AsSlice(key_), AsSlice(value_));
  }
  for (TradeId trade : changes.settled_trades) {
    MakeKey(key_, kSettledPrefix, trade.value());
    value_.clear();
    receipts::EncodeSettledTrade(trade, value_);
    batch_->Put(AsSlice(key_), AsSlice(value_));
  }
  for (uint64_t i = changes.history_begin; i < changes.history_end; ++i) {
    MakeKey(key_, kHistoryPrefix, i);
    value_.clear();
    receipts::EncodeHistoryRecord(ledger.history()[i], value_);
    batch_->Put(AsSlice(key_), AsSlice(value_));
  }
  if (!changes.empty()) {
    value_.clear();
    receipts::EncodeMeta(state.meta, value_);
    batch_->Put(AsSlice(kLedgerMetaKey), AsSlice(value_));
  }
}

void JournalStore::Batch::Clear() {
  batch_->Clear();
  commands_ = 0;
  last_seq_ = 0;
}

JournalStore::JournalStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
JournalStore::~JournalStore() = default;

absl::StatusOr<std::unique_ptr<JournalStore>> JournalStore::Open(const std::string& path,
                                                                 Mode mode) {
  rocksdb::Options options;
  options.create_if_missing = mode == Mode::kReadWrite;
  options.IncreaseParallelism(2);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = mode == Mode::kReadWrite
                          ? rocksdb::DB::Open(options, path, &raw)
                          : rocksdb::DB::OpenForReadOnly(options, path, &raw);
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("cannot open store ", path, ": ", s.ToString()));
  return std::unique_ptr<JournalStore>(new JournalStore(std::unique_ptr<rocksdb::DB>(raw)));
}

absl::Status JournalStore::Commit(Batch& batch) {
  if (batch.commands_ > 0) {
    std::string seq;
    AppendBigEndian(seq, batch.last_seq_);
    batch.batch_->Put(AsSlice(kLastSeqKey), AsSlice(seq));
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  ++stats_.batches;
  stats_.entries += batch.batch_->Count();
  stats_.bytes += batch.batch_->GetDataSize();
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
  uint64_t expected = from_seq;
  for (it->Seek(start); it->Valid() && it->key()[0] == kJournalPrefix; it->Next()) {
    absl::StatusOr<SequencedCommand> cmd =
        DecodeCommand(std::string_view(it->value().data(), it->value().size()));
    if (!cmd.ok()) return cmd.status();
    if (expected != 0 && cmd->seq.value() != expected) {
      return absl::DataLossError(absl::StrCat("journal gap: expected seq ", expected, ", found ",
                                              cmd->seq.value()));
    }
    expected = cmd->seq.value() + 1;
    if (absl::Status s = visit(*cmd); !s.ok()) return s;
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

absl::StatusOr<receipts::LedgerSnapshot> JournalStore::ReadLedgerSnapshot() const {
  receipts::LedgerSnapshot snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  auto scan = [&](char prefix, auto&& decode) -> absl::Status {
    for (it->Seek(std::string(1, prefix)); it->Valid() && it->key()[0] == prefix; it->Next()) {
      if (absl::Status s = decode(std::string_view(it->value().data(), it->value().size()));
          !s.ok()) {
        return s;
      }
    }
    return FromRocks(it->status(), "read ledger records");
  };
  absl::Status s = scan(kReceiptPrefix, [&](std::string_view v) -> absl::Status {
    auto r = receipts::DecodeReceipt(v);
    if (!r.ok()) return r.status();
    snapshot.receipts.push_back(std::move(*r));
    return absl::OkStatus();
  });
  if (s.ok()) s = scan(kAccountPrefix, [&](std::string_view v) -> absl::Status {
    auto r = receipts::DecodeAccount(v);
    if (!r.ok()) return r.status();
    snapshot.accounts.push_back(std::move(*r));
    return absl::OkStatus();
  });
  if (s.ok()) s = scan(kStockPrefix, [&](std::string_view v) -> absl::Status {
    auto r = receipts::DecodeStock(v);
    if (!r.ok()) return r.status();
    snapshot.stock.push_back(std::move(*r));
    return absl::OkStatus();
  });
  if (s.ok()) s = scan(kOrderPrefix, [&](std::string_view v) -> absl::Status {
    auto r = receipts::DecodeOrder(v);
    if (!r.ok()) return r.status();
    snapshot.orders.push_back(std::move(*r));
    return absl::OkStatus();
  });
  if (s.ok()) s = scan(kSettledPrefix, [&](std::string_view v) -> absl::Status {
    auto r = receipts::DecodeSettledTrade(v);
    if (!r.ok()) return r.status();
    snapshot.settled_trades.push_back(*r);
    return absl::OkStatus();
  });
  if (s.ok()) s = scan(kHistoryPrefix, [&](std::string_view v) -> absl::Status {
    auto r = receipts::DecodeHistoryRecord(v);
    if (!r.ok()) return r.status();
    snapshot.history.push_back(std::move(*r));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  absl::StatusOr<receipts::LedgerMeta> meta = GetLedgerMeta();
  if (meta.ok()) {
    snapshot.meta = *meta;
  } else if (!absl::IsNotFound(meta.status())) {
    return meta.status();
  }
  return snapshot;
}

}  // namespace dazong::exchange
