#include "dazong/warehouse_receipts/history_log.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <sys/mman.h>

#include "absl/strings/str_cat.h"
#include "dazong/warehouse_receipts/codec.h"

namespace dazong::receipts {
namespace {

[[noreturn]] void Fatal(uint64_t i, const absl::Status& status) {
  std::fprintf(stderr, "dazong ledger: history record %llu cannot be read: %s\n",
               static_cast<unsigned long long>(i), std::string(status.message()).c_str());
  std::abort();
}

}  // namespace

void HistoryChunkUnmap::operator()(char* p) const {
  if (p != nullptr) munmap(p, bytes);
}

HistoryLog::ChunkMemory HistoryLog::MapChunk(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "dazong ledger: cannot map %zu bytes for the history log: %s\n", bytes,
                 std::strerror(errno));
    std::abort();
  }
  return ChunkMemory(static_cast<char*>(p), HistoryChunkUnmap{bytes});
}

void HistoryLog::Append(std::string_view encoded) {
  const auto size = static_cast<uint32_t>(encoded.size());
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < size) {
    Chunk c;
    if (size <= kChunkBytes && !spare_.empty()) {
      c.data = std::move(spare_.back());
      spare_.pop_back();
      c.capacity = kChunkBytes;
    } else {
      c.capacity = size > kChunkBytes ? size : kChunkBytes;
      c.data = MapChunk(c.capacity);
    }
    chunks_.push_back(std::move(c));
  }
  Chunk& c = chunks_.back();
  std::memcpy(c.data.get() + c.used, encoded.data(), size);
  spans_.push_back({first_chunk_ + chunks_.size() - 1, c.used, size});
  c.used += size;
  c.end_record = this->size();
}

void HistoryLog::Trim(uint64_t before) {
  if (archive_ == nullptr) return;  // nowhere to read trimmed records back from
  // The last chunk stays: it is being filled.
  while (chunks_.size() > 1 && chunks_.front().end_record <= before) {
    Chunk& c = chunks_.front();
    const uint64_t drop = c.end_record - first_;
    before_first_ = HistoryRecordHash(encoded(c.end_record - 1));
    spans_.erase(spans_.begin(), spans_.begin() + static_cast<std::ptrdiff_t>(drop));
    first_ = c.end_record;
    if (c.capacity == kChunkBytes && spare_.size() < kSpareChunks) spare_.push_back(std::move(c.data));
    chunks_.pop_front();
    ++first_chunk_;
  }
}

Hash HistoryLog::prev_hash(uint64_t i) const {
  if (i == 0) return Hash{};
  if (i - 1 >= first_) return HistoryRecordHash(encoded(i - 1));
  if (i == first_) return before_first_;
  Hash h{};
  absl::Status s = archive_ == nullptr
                       ? absl::FailedPreconditionError("trimmed history records without an archive")
                       : archive_->ReadHistory(i - 1, i, [&](uint64_t, std::string_view bytes) {
                           h = HistoryRecordHash(bytes);
                           return absl::OkStatus();
                         });
  if (!s.ok()) Fatal(i - 1, s);
  return h;
}

absl::Status HistoryLog::ForEach(
    uint64_t begin, uint64_t end,
    const std::function<absl::Status(const HistoryRecord&)>& visit) const {
  end = std::min(end, size());
  if (begin >= end) return absl::OkStatus();
  Hash prev = prev_hash(begin);
  auto decode_and_visit = [&](uint64_t i, std::string_view bytes) -> absl::Status {
    absl::StatusOr<HistoryRecord> rec = DecodeHistoryRecord(bytes, prev);
    if (!rec.ok()) return rec.status();
    if (rec->index != i) {
      return absl::DataLossError(absl::StrCat("history record ", i, " says it is ", rec->index));
    }
    prev = rec->hash;
    return visit(*rec);
  };
  if (begin < first_) {
    if (archive_ == nullptr) {
      return absl::FailedPreconditionError("trimmed history records without an archive");
    }
    const uint64_t archived_end = std::min(end, first_);
    uint64_t expected = begin;
    absl::Status s = archive_->ReadHistory(begin, archived_end,
                                           [&](uint64_t i, std::string_view bytes) {
                                             if (i != expected) {
                                               return absl::DataLossError(absl::StrCat(
                                                   "archive returned record ", i, " for ", expected));
                                             }
                                             ++expected;
                                             return decode_and_visit(i, bytes);
                                           });
    if (!s.ok()) return s;
    if (expected != archived_end) {
      return absl::DataLossError(absl::StrCat("the archive ends at history record ", expected,
                                              ", durable records go to ", archived_end));
    }
    begin = archived_end;
  }
  for (uint64_t i = begin; i < end; ++i) {
    if (absl::Status s = decode_and_visit(i, encoded(i)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

HistoryRecord HistoryLog::operator[](uint64_t i) const {
  HistoryRecord out;
  absl::Status s = ForEach(i, i + 1, [&](const HistoryRecord& rec) {
    out = rec;
    return absl::OkStatus();
  });
  if (!s.ok()) Fatal(i, s);
  return out;
}

std::vector<HistoryRecord> HistoryLog::Decoded() const {
  std::vector<HistoryRecord> out;
  out.reserve(size());
  absl::Status s = ForEach(0, size(), [&](const HistoryRecord& rec) {
    out.push_back(rec);
    return absl::OkStatus();
  });
  if (!s.ok()) Fatal(out.size(), s);
  return out;
}

}  // namespace dazong::receipts
