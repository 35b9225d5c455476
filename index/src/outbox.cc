#include "dazong/index/outbox.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"

namespace dazong::index {
namespace {

std::string QueueKey(uint64_t n) {
  std::string k(9, '\0');
  k[0] = 'Q';
  for (int i = 0; i < 8; ++i) k[1 + i] = static_cast<char>((n >> (56 - 8 * i)) & 0xff);
  return k;
}

uint64_t BigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string CheckpointKey(LocalDay day) {
  const uint32_t biased = static_cast<uint32_t>(static_cast<int64_t>(day) + (int64_t{1} << 31));
  std::string k(5, '\0');
  k[0] = 'K';
  for (int i = 0; i < 4; ++i) k[1 + i] = static_cast<char>((biased >> (24 - 8 * i)) & 0xff);
  return k;
}

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("index outbox ", std::string(what), ": ", s.ToString()));
}

constexpr char kPublishedKey[] = "M:published";

}  // namespace

absl::StatusOr<std::unique_ptr<Outbox>> Outbox::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 64;
  rocksdb::DB* raw = nullptr;
  absl::Status s = FromRocks(rocksdb::DB::Open(options, path, &raw), "open");
  if (!s.ok()) return s;
  std::unique_ptr<Outbox> box(new Outbox(std::unique_ptr<rocksdb::DB>(raw)));
  std::string value;
  rocksdb::Status got = box->db_->Get(rocksdb::ReadOptions(), kPublishedKey, &value);
  if (got.ok()) {
    box->published_ = BigEndian(value);
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "read mark");
  }
  uint64_t next = box->published_ + 1;
  std::unique_ptr<rocksdb::Iterator> it(box->db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(QueueKey(UINT64_MAX));
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == 'Q') {
    next = std::max(next, BigEndian(std::string_view(it->key().data() + 1, 8)) + 1);
  }
  box->next_ = next;
  return box;
}

Outbox::Outbox(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
Outbox::~Outbox() = default;

absl::Status Outbox::Append(const std::vector<std::string>& records,
                            const std::optional<std::pair<LocalDay, std::string>>& checkpoint) {
  if (records.empty() && !checkpoint.has_value()) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  uint64_t n = next_.load(std::memory_order_relaxed);
  for (const std::string& r : records) batch.Put(QueueKey(n++), r);
  if (checkpoint.has_value()) batch.Put(CheckpointKey(checkpoint->first), checkpoint->second);
  // WAL on, not synced: a crash loses at most the tail, which the replay from the journal
  // (from the last checkpoint) produces again, identically.
  absl::Status s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "append");
  if (s.ok()) next_.store(n, std::memory_order_release);
  return s;
}

absl::Status Outbox::Read(uint64_t from, size_t max,
                          std::vector<std::pair<uint64_t, std::string>>& out) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(QueueKey(from)); it->Valid() && out.size() < max; it->Next()) {
    if (it->key().size() != 9 || it->key()[0] != 'Q') break;
    out.emplace_back(BigEndian(std::string_view(it->key().data() + 1, 8)), it->value().ToString());
  }
  return FromRocks(it->status(), "read");
}

absl::Status Outbox::MarkPublished(uint64_t through) {
  const uint64_t from = published_.load(std::memory_order_relaxed) + 1;
  if (through < from) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  // Point deletes: range tombstones would make every later iterator slower.
  for (uint64_t n = from; n <= through; ++n) batch.Delete(QueueKey(n));
  std::string mark(8, '\0');
  for (int i = 0; i < 8; ++i) mark[i] = static_cast<char>((through >> (56 - 8 * i)) & 0xff);
  batch.Put(kPublishedKey, mark);
  absl::Status s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "mark");
  if (s.ok()) published_.store(through, std::memory_order_release);
  return s;
}

uint64_t Outbox::published() const { return published_.load(std::memory_order_acquire); }
uint64_t Outbox::next() const { return next_.load(std::memory_order_acquire); }

absl::StatusOr<std::optional<std::pair<LocalDay, std::string>>> Outbox::LatestCheckpoint() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(std::string("K\xff\xff\xff\xff", 5));
  std::optional<std::pair<LocalDay, std::string>> out;
  if (it->Valid() && it->key().size() == 5 && it->key()[0] == 'K') {
    const uint64_t biased = BigEndian(std::string_view(it->key().data() + 1, 4));
    out = std::make_pair(static_cast<LocalDay>(static_cast<int64_t>(biased) - (int64_t{1} << 31)),
                         it->value().ToString());
  }
  absl::Status s = FromRocks(it->status(), "checkpoint");
  if (!s.ok()) return s;
  return out;
}

}  // namespace dazong::index
