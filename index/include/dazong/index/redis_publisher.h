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
// writes nothing, so a retried publication never duplicates. Not thread-safe.
#pragma once

#include <cstdint>
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
};

class RedisIndexPublisher {
 public:
  explicit RedisIndexPublisher(RedisTarget target);
  ~RedisIndexPublisher();
  RedisIndexPublisher(const RedisIndexPublisher&) = delete;
  RedisIndexPublisher& operator=(const RedisIndexPublisher&) = delete;

  // Publishes `batch` in order, pipelined. Returns how many records from the front are now in
  // Redis (published now or earlier). On a connection error or a refused script the count is
  // short, `error` says why, and the connection is re-made on the next call.
  size_t PublishBatch(const std::vector<Fields>& batch, std::string* error);

  static std::string Key(const std::string& prefix, const std::string& index_id,
                         const std::string& suffix);
  static std::string NotifyChannel(const std::string& prefix);
  // The Lua script (documented in docs/index-methodology.md).
  static const char* Script();

 private:
  bool Ensure(std::string* error);
  void Close();

  RedisTarget target_;
  redisContext* ctx_ = nullptr;
  std::string sha_;
};

}  // namespace dazong::index
