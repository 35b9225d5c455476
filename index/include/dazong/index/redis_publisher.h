// RedisIndexPublisher: the hiredis adapter. Publishes index records (their field lists) to
// Redis, each one atomically and idempotently by calc id, with one Lua script (EVALSHA):
//
//   <p>:index:<ID>:latest              hash   the newest record by as_of (any kind)
//   <p>:index:<ID>:intraday            stream INTRADAY records, capped (XADD MAXLEN ~ N)
//   <p>:index:<ID>:fixings             stream FIXING and CORRECTION records, never trimmed
//   <p>:index:<ID>:fixing:<YYYY-MM-DD> hash   the record currently in force for that date
//   <p>:index:<ID>:alerts              stream alerts, capped
//   <p>:index:<ID>:calc:<YYYY-MM-DD>   hash   calc id -> "<stream> <entry id>" (dedup, 14 days)
//   <p>:index:notify                   Pub/Sub, notification only:
//                                      "<ID> <KIND> <date> <entry id> <seq> <calc id>"
//
// The script first looks the calc id up; if present it returns the earlier entry id and
// writes nothing, so a retried publication never duplicates. Several records queued together
// (a burst, a backlog) go in one call of a second script (BatchScript) that does the same per
// record in order, writing each `latest` hash and each calc-id hash's expiry once per call.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/index/record_codec.h"

struct redisContext;

namespace dazong::index {

struct RedisTarget {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string prefix = "dazong";
  int64_t intraday_maxlen = 100000;
  int64_t alerts_maxlen = 100000;
  int timeout_ms = 1000;
  // At most this many records per BatchScript call; 1 = one Script call per record (pipelined),
  // as before the batch script existed (kept for comparison in bench/index_latency).
  size_t batch_records = 64;
};

class RedisIndexPublisher {
 public:
  explicit RedisIndexPublisher(RedisTarget target);
  ~RedisIndexPublisher();
  RedisIndexPublisher(const RedisIndexPublisher&) = delete;
  RedisIndexPublisher& operator=(const RedisIndexPublisher&) = delete;

  // Publishes `batch` in order: one Script call for a single record, else BatchScript calls
  // of up to target.batch_records records, pipelined. Returns how many records from the front
  // are now in Redis (published now or earlier). On a connection error or a refused script the count is
  // short, `error` says why, and the connection is re-made on the next call.
  size_t PublishBatch(const std::vector<Fields>& batch, std::string* error);

  static std::string Key(const std::string& prefix, const std::string& index_id,
                         const std::string& suffix);
  static std::string NotifyChannel(const std::string& prefix);
  // The Lua script (documented in docs/index-methodology.md).
  static const char* Script();
  // The several-records form (same writes; documented there too).
  static const char* BatchScript();

  // A command's arguments: views of the records' strings and of strings it owns (internal).
  class Argv {
   public:
    void Clear();
    void Ref(std::string_view s);
    void Own(std::string s);
    void Append(const Argv& other);
    size_t size() const { return ptrs_.size(); }
    const char** ptrs() { return ptrs_.data(); }
    const size_t* lens() const { return lens_.data(); }

   private:
    std::deque<std::string> owned_;  // stable addresses
    std::vector<const char*> ptrs_;
    std::vector<size_t> lens_;
  };

 private:
  bool Ensure(std::string* error);
  void Close();
  void BuildSingle(const Fields& f);
  void BuildBatch(const std::vector<Fields>& batch, size_t from, size_t to);

  RedisTarget target_;
  std::string channel_, intraday_maxlen_, alerts_maxlen_, dedup_ttl_;
  redisContext* ctx_ = nullptr;
  std::string sha_;
  std::string batch_sha_;
  Argv argv_, scratch_;
  std::vector<size_t> calls_;
};

}  // namespace dazong::index
