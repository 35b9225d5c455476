#include "dazong/index/redis_publisher.h"

#include <hiredis/hiredis.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace dazong::index {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

constexpr int64_t kDedupSeconds = 14 * 24 * 3600;

// KEYS: 1 latest, 2 record stream, 3 fixing-date hash, 4 alerts stream, 5 calc-id hash.
// ARGV: 1 calc_id, 2 maxlen ("0": never trim), 3 notify channel, 4 "1" for fixings and
// corrections, 5 as_of_ns, 6 index, 7 date, 8 seq, 9 kind, 10 alerts maxlen, 11 dedup ttl,
// 12 n (field strings), 13..12+n fields, then m (alert count), then m pairs (kind, detail).
constexpr char kScript[] = R"lua(
local dup = redis.call('HGET', KEYS[5], ARGV[1])
if dup then return {0, dup} end
local n = tonumber(ARGV[12])
local id
if ARGV[2] == '0' then
  id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 13, 12 + n))
else
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 13, 12 + n))
end
local cur = redis.call('HGET', KEYS[1], 'as_of_ns')
local newer = true
if cur then
  if #ARGV[5] ~= #cur then newer = #ARGV[5] > #cur else newer = ARGV[5] >= cur end
end
if newer then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'stream', KEYS[2], 'stream_id', id, unpack(ARGV, 13, 12 + n))
end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], 'stream', KEYS[2], 'stream_id', id, unpack(ARGV, 13, 12 + n))
end
local m = tonumber(ARGV[13 + n])
for j = 1, m do
  local kind = ARGV[13 + n + 2 * j - 1]
  local detail = ARGV[13 + n + 2 * j]
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], '*', 'index', ARGV[6], 'alert', kind,
             'detail', detail, 'date', ARGV[7], 'record_kind', ARGV[9], 'seq', ARGV[8],
             'calc_id', ARGV[1], 'stream', KEYS[2], 'stream_id', id)
end
redis.call('HSET', KEYS[5], ARGV[1], KEYS[2] .. ' ' .. id)
redis.call('EXPIRE', KEYS[5], ARGV[11])
redis.call('PUBLISH', ARGV[3], ARGV[6] .. ' ' .. ARGV[9] .. ' ' .. ARGV[7] .. ' ' .. id .. ' ' .. ARGV[8] .. ' ' .. ARGV[1])
return {1, id}
)lua";

std::vector<std::string> ScriptArgs(const RedisTarget& t, const Fields& f) {
  const std::string index = FieldValue(f, "index");
  const std::string kind = FieldValue(f, "kind");
  const std::string date = FieldValue(f, "date");
  const bool fixing = kind != "INTRADAY";
  std::vector<std::string> a;
  a.reserve(24 + 2 * f.size());
  a.push_back("EVALSHA");
  a.push_back("");  // sha, filled by the caller
  a.push_back("5");
  a.push_back(RedisIndexPublisher::Key(t.prefix, index, "latest"));
  a.push_back(RedisIndexPublisher::Key(t.prefix, index, fixing ? "fixings" : "intraday"));
  a.push_back(RedisIndexPublisher::Key(t.prefix, index, "fixing:" + date));
  a.push_back(RedisIndexPublisher::Key(t.prefix, index, "alerts"));
  a.push_back(RedisIndexPublisher::Key(t.prefix, index, "calc:" + date));
  a.push_back(FieldValue(f, "calc_id"));
  a.push_back(fixing ? "0" : absl::StrCat(t.intraday_maxlen));
  a.push_back(RedisIndexPublisher::NotifyChannel(t.prefix));
  a.push_back(fixing ? "1" : "0");
  a.push_back(FieldValue(f, "as_of_ns"));
  a.push_back(index);
  a.push_back(date);
  a.push_back(FieldValue(f, "seq"));
  a.push_back(kind);
  a.push_back(absl::StrCat(t.alerts_maxlen));
  a.push_back(absl::StrCat(kDedupSeconds));
  a.push_back(absl::StrCat(2 * f.size()));
  for (const auto& [k, v] : f) {
    a.push_back(k);
    a.push_back(v);
  }
  // Alerts: "KIND:detail|KIND:detail".
  std::vector<std::pair<std::string, std::string>> alerts;
  const std::string text = FieldValue(f, "alerts");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('|', start);
    if (end == std::string::npos) end = text.size();
    const std::string one = text.substr(start, end - start);
    const size_t colon = one.find(':');
    alerts.emplace_back(one.substr(0, colon), colon == std::string::npos ? "" : one.substr(colon + 1));
    start = end + 1;
  }
  a.push_back(absl::StrCat(alerts.size()));
  for (auto& [k, d] : alerts) {
    a.push_back(std::move(k));
    a.push_back(std::move(d));
  }
  return a;
}

}  // namespace

RedisIndexPublisher::RedisIndexPublisher(RedisTarget target) : target_(std::move(target)) {}
RedisIndexPublisher::~RedisIndexPublisher() { Close(); }

const char* RedisIndexPublisher::Script() { return kScript; }

std::string RedisIndexPublisher::Key(const std::string& prefix, const std::string& index_id,
                                     const std::string& suffix) {
  return absl::StrCat(prefix, ":index:", index_id, ":", suffix);
}

std::string RedisIndexPublisher::NotifyChannel(const std::string& prefix) {
  return absl::StrCat(prefix, ":index:notify");
}

void RedisIndexPublisher::Close() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

bool RedisIndexPublisher::Ensure(std::string* error) {
  if (ctx_ != nullptr) return true;
  timeval timeout{target_.timeout_ms / 1000, (target_.timeout_ms % 1000) * 1000};
  ctx_ = redisConnectWithTimeout(target_.host.c_str(), target_.port, timeout);
  if (ctx_ == nullptr || ctx_->err) {
    if (error != nullptr) *error = ctx_ != nullptr ? ctx_->errstr : "cannot allocate a context";
    Close();
    return false;
  }
  redisSetTimeout(ctx_, timeout);
  Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SCRIPT LOAD %s", kScript)));
  if (r == nullptr || r->type != REDIS_REPLY_STRING) {
    if (error != nullptr) {
      *error = r == nullptr ? std::string(ctx_->errstr)
                            : absl::StrCat("SCRIPT LOAD: ", std::string(r->str != nullptr ? r->str : ""));
    }
    Close();
    return false;
  }
  sha_.assign(r->str, r->len);
  return true;
}

size_t RedisIndexPublisher::PublishBatch(const std::vector<Fields>& batch, std::string* error) {
  if (batch.empty()) return 0;
  if (!Ensure(error)) return 0;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(batch.size());
  for (const Fields& f : batch) {
    commands.push_back(ScriptArgs(target_, f));
    commands.back()[1] = sha_;
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& s : commands.back()) {
      argv.push_back(s.data());
      lens.push_back(s.size());
    }
    redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data());
  }
  size_t done = 0;
  bool failed = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      if (error != nullptr) *error = ctx_->errstr;
      Close();
      return done;
    }
    Reply r(static_cast<redisReply*>(raw));
    if (failed) continue;  // drain the pipeline; publish the rest on the next call
    if (r->type == REDIS_REPLY_ARRAY) {
      ++done;
      continue;
    }
    failed = true;
    if (error != nullptr) {
      *error = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "unexpected reply";
    }
    if (r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with("NOSCRIPT")) {
      Close();  // reloaded on reconnect (e.g. after SCRIPT FLUSH or a restart)
      return done;
    }
  }
  return done;
}

}  // namespace dazong::index
