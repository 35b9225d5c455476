// HistoryLog: the ledger's append-only, hash-chained history, held as the exact bytes the
// sequencer persists (EncodeHistoryRecord, codec.h) packed into large chunks: no allocation
// per record, and the bytes to write are already encoded.
//
// Memory is bounded: once records are durable, the owner trims them (Trim) and the log keeps
// only a recent window; older records are read back from a HistoryArchive (the journal
// store). Records are decoded on demand: reading is for queries, verifiers and tests.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/warehouse_receipts/events.h"

namespace dazong::receipts {

// Where a log reads the records it no longer holds in memory.
class HistoryArchive {
 public:
  virtual ~HistoryArchive() = default;
  // Visits the persisted records [begin, end) in order, as (index, encoded record).
  virtual absl::Status ReadHistory(
      uint64_t begin, uint64_t end,
      const std::function<absl::Status(uint64_t, std::string_view)>& visit) const = 0;
};

// Unmaps a HistoryLog chunk.
struct HistoryChunkUnmap {
  size_t bytes = 0;
  void operator()(char* p) const;
};

class HistoryLog {
 public:
  HistoryLog() = default;
  HistoryLog(HistoryLog&&) = default;
  HistoryLog& operator=(HistoryLog&&) = default;

  uint64_t size() const { return first_ + spans_.size(); }
  bool empty() const { return size() == 0; }
  // The first record still held in memory (records before it come from the archive).
  uint64_t first_in_memory() const { return first_; }

  // Record i (i < size()), decoded; from the archive if trimmed. Aborts if it cannot be read
  // (a trimmed log without an archive, or a store that lost durable records).
  HistoryRecord operator[](uint64_t i) const;
  HistoryRecord back() const { return (*this)[size() - 1]; }
  // Record i as persisted; i >= first_in_memory().
  std::string_view encoded(uint64_t i) const {
    const Span& s = spans_[i - first_];
    return std::string_view(chunks_[s.chunk - first_chunk_].data.get() + s.offset, s.size);
  }
  // The hash of record i - 1 (the chain head before record i; zero for i == 0), i <= size().
  Hash prev_hash(uint64_t i) const;
  // Visits records [begin, min(end, size())) in order, decoded (prev_hash from the chain).
  absl::Status ForEach(uint64_t begin, uint64_t end,
                       const std::function<absl::Status(const HistoryRecord&)>& visit) const;
  // Every record, decoded.
  std::vector<HistoryRecord> Decoded() const;

  // Appends one encoded record (the caller guarantees it decodes and chains).
  void Append(std::string_view encoded);
  // Drops from memory whole chunks holding only records before `before` (which must be
  // durable in the archive); keeps their memory for reuse.
  void Trim(uint64_t before);
  void SetArchive(const HistoryArchive* archive) { archive_ = archive; }

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = HistoryRecord;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = HistoryRecord;
    Iterator(const HistoryLog* log, uint64_t i) : log_(log), i_(i) {}
    HistoryRecord operator*() const { return (*log_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const HistoryLog* log_;
    uint64_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

 private:
  static constexpr uint32_t kChunkBytes = 4u << 20;
  static constexpr size_t kSpareChunks = 4;
  // Chunk memory is mapped with its pages populated in one call (MAP_POPULATE): touching a
  // fresh page costs a fault each, which on a virtual machine is dearer than the copy.
  using ChunkMemory = std::unique_ptr<char[], HistoryChunkUnmap>;
  static ChunkMemory MapChunk(size_t bytes);
  struct Chunk {
    ChunkMemory data;
    uint32_t capacity = 0;
    uint32_t used = 0;
    uint64_t end_record = 0;  // one past the last record stored in it
  };
  struct Span {
    uint64_t chunk;  // chunk number (chunks_[chunk - first_chunk_])
    uint32_t offset;
    uint32_t size;
  };
  std::deque<Chunk> chunks_;
  uint64_t first_chunk_ = 0;
  std::vector<ChunkMemory> spare_;  // trimmed standard chunks, already paged in
  std::deque<Span> spans_;                      // records [first_, size())
  uint64_t first_ = 0;
  Hash before_first_{};  // the hash of record first_ - 1 (trimmed)
  const HistoryArchive* archive_ = nullptr;
};

}  // namespace dazong::receipts
