// Outbox: the index service's own small RocksDB (under a data directory passed in) that makes
// publication durable and ordered. The calculation thread appends every record before it is
// published; the publisher thread removes records only once Redis has them. If Redis is down
// or slow, records wait here, in order, and nothing upstream waits.
//
// Keys: "Q" + big-endian queue number -> EncodeFields(record fields)
//       "M:published"                  -> big-endian last queue number known to be in Redis
//       "K" + big-endian biased day     -> engine checkpoint taken at that local midnight
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/index/calendar.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace dazong::index {

class Outbox {
 public:
  static absl::StatusOr<std::unique_ptr<Outbox>> Open(const std::string& path);
  ~Outbox();

  // Appends `records` (queue numbers next(), next()+1, ...) and, if given, a checkpoint, in one
  // atomic write. Thread-compatible: one appender.
  absl::Status Append(const std::vector<std::string>& records,
                      const std::optional<std::pair<LocalDay, std::string>>& checkpoint);
  // Up to `max` entries with queue number >= `from`, in order.
  absl::Status Read(uint64_t from, size_t max,
                    std::vector<std::pair<uint64_t, std::string>>& out) const;
  // Everything through `through` is in Redis: deletes those entries and records the mark.
  absl::Status MarkPublished(uint64_t through);

  uint64_t published() const;  // last queue number known published (0: none)
  uint64_t next() const;       // the queue number the next appended record gets
  // The newest checkpoint, if any.
  absl::StatusOr<std::optional<std::pair<LocalDay, std::string>>> LatestCheckpoint() const;

 private:
  explicit Outbox(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_{1};
  std::atomic<uint64_t> published_{0};
};

}  // namespace dazong::index
