#include "dazong/index/redis_publisher.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>

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

// Several records in one call (a burst): the same writes as kScript for each record in order,
// in one atomic script, except that each `latest` hash is written once, with the newest of the
// batch's records for it (the state after applying them one by one), and each calc-id hash
// gets one EXPIRE. KEYS: 5 per record, as for kScript. ARGV: 1 notify channel, 2 alerts
// maxlen, 3 dedup ttl, 4 r (records), then per record: calc_id, maxlen, "1" for fixings and
// corrections, as_of_ns, index, date, seq, kind, n, n field strings, m, 2m alert strings.
// Returns one entry id per record (the earlier one for a record already published). As with
// kScript, an error part-way through (e.g. Redis out of memory) keeps what was written before
// it and the call counts as failed: the retry skips those records by calc id (for them
// `latest` may then wait for the next newer record) and writes the rest.
constexpr char kBatchScript[] = R"lua(
local chan, amax, ttl = ARGV[1], ARGV[2], ARGV[3]
local r = tonumber(ARGV[4])
local p = 5
local res = {}
local latest, lorder = {}, {}
local calcs, corder = {}, {}
for i = 0, r - 1 do
  local k = 5 * i
  local calc, maxlen, fix, asof = ARGV[p], ARGV[p + 1], ARGV[p + 2], ARGV[p + 3]
  local index, date, seq, kind = ARGV[p + 4], ARGV[p + 5], ARGV[p + 6], ARGV[p + 7]
  local n = tonumber(ARGV[p + 8])
  local f0 = p + 9
  local m = tonumber(ARGV[f0 + n])
  local a0 = f0 + n + 1
  p = a0 + 2 * m
  local dup = redis.call('HGET', KEYS[k + 5], calc)
  if dup then
    res[i + 1] = dup
  else
    local id
    if maxlen == '0' then
      id = redis.call('XADD', KEYS[k + 2], '*', unpack(ARGV, f0, f0 + n - 1))
    else
      id = redis.call('XADD', KEYS[k + 2], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, f0, f0 + n - 1))
    end
    local lk = KEYS[k + 1]
    local st = latest[lk]
    if not st then
      st = {cur = redis.call('HGET', lk, 'as_of_ns')}
      latest[lk] = st
      lorder[#lorder + 1] = lk
    end
    local newer = true
    if st.cur then
      if #asof ~= #st.cur then newer = #asof > #st.cur else newer = asof >= st.cur end
    end
    if newer then
      st.cur = asof
      st.f0 = f0
      st.n = n
      st.stream = KEYS[k + 2]
      st.id = id
    end
    if fix == '1' then
      redis.call('DEL', KEYS[k + 3])
      redis.call('HSET', KEYS[k + 3], 'stream', KEYS[k + 2], 'stream_id', id, unpack(ARGV, f0, f0 + n - 1))
    end
    for j = 0, m - 1 do
      redis.call('XADD', KEYS[k + 4], 'MAXLEN', '~', amax, '*', 'index', index, 'alert', ARGV[a0 + 2 * j],
                 'detail', ARGV[a0 + 2 * j + 1], 'date', date, 'record_kind', kind, 'seq', seq,
                 'calc_id', calc, 'stream', KEYS[k + 2], 'stream_id', id)
    end
    redis.call('HSET', KEYS[k + 5], calc, KEYS[k + 2] .. ' ' .. id)
    if not calcs[KEYS[k + 5]] then
      calcs[KEYS[k + 5]] = true
      corder[#corder + 1] = KEYS[k + 5]
    end
    redis.call('PUBLISH', chan, index .. ' ' .. kind .. ' ' .. date .. ' ' .. id .. ' ' .. seq .. ' ' .. calc)
    res[i + 1] = id
  end
end
for _, lk in ipairs(lorder) do
  local st = latest[lk]
  if st.f0 then
    redis.call('DEL', lk)
    redis.call('HSET', lk, 'stream', st.stream, 'stream_id', st.id, unpack(ARGV, st.f0, st.f0 + st.n - 1))
  end
end
for _, ck in ipairs(corder) do redis.call('EXPIRE', ck, ttl) end
return res
)lua";

using Argv = RedisIndexPublisher::Argv;

std::string_view FieldRef(const Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return {};
}

// What both scripts need of a record, as views into its field list.
struct RecordParts {
  std::string_view index, kind, date, calc_id, as_of_ns, seq;
  bool fixing = false;
  std::vector<std::pair<std::string_view, std::string_view>> alerts;  // kind, detail
};

void Parse(const Fields& f, RecordParts& out) {
  out.index = FieldRef(f, "index");
  out.kind = FieldRef(f, "kind");
  out.date = FieldRef(f, "date");
  out.calc_id = FieldRef(f, "calc_id");
  out.as_of_ns = FieldRef(f, "as_of_ns");
  out.seq = FieldRef(f, "seq");
  out.fixing = out.kind != "INTRADAY";
  // Alerts: "KIND:detail|KIND:detail".
  out.alerts.clear();
  const std::string_view text = FieldRef(f, "alerts");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('|', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view one = text.substr(start, end - start);
    const size_t colon = one.find(':');
    out.alerts.emplace_back(one.substr(0, colon),
                            colon == std::string_view::npos ? std::string_view() : one.substr(colon + 1));
    start = end + 1;
  }
}

void AppendKeys(const RedisTarget& t, const RecordParts& r, Argv& a) {
  const std::string index(r.index);
  a.Own(RedisIndexPublisher::Key(t.prefix, index, "latest"));
  a.Own(RedisIndexPublisher::Key(t.prefix, index, r.fixing ? "fixings" : "intraday"));
  a.Own(RedisIndexPublisher::Key(t.prefix, index, absl::StrCat("fixing:", std::string(r.date))));
  a.Own(RedisIndexPublisher::Key(t.prefix, index, "alerts"));
  a.Own(RedisIndexPublisher::Key(t.prefix, index, absl::StrCat("calc:", std::string(r.date))));
}

void AppendFieldsAndAlerts(const Fields& f, const RecordParts& r, Argv& a) {
  a.Own(absl::StrCat(2 * f.size()));
  for (const auto& [k, v] : f) {
    a.Ref(k);
    a.Ref(v);
  }
  a.Own(absl::StrCat(r.alerts.size()));
  for (const auto& [k, d] : r.alerts) {
    a.Ref(k);
    a.Ref(d);
  }
}

}  // namespace

void RedisIndexPublisher::Argv::Clear() {
  owned_.clear();
  ptrs_.clear();
  lens_.clear();
}

void RedisIndexPublisher::Argv::Ref(std::string_view s) {
  ptrs_.push_back(s.data());
  lens_.push_back(s.size());
}

void RedisIndexPublisher::Argv::Own(std::string s) {
  owned_.push_back(std::move(s));
  Ref(owned_.back());
}

void RedisIndexPublisher::Argv::Append(const Argv& other) {
  ptrs_.insert(ptrs_.end(), other.ptrs_.begin(), other.ptrs_.end());
  lens_.insert(lens_.end(), other.lens_.begin(), other.lens_.end());
}

// kScript's call for one record.
void RedisIndexPublisher::BuildSingle(const Fields& f) {
  RecordParts r;
  Parse(f, r);
  Argv& a = argv_;
  a.Clear();
  a.Ref("EVALSHA");
  a.Ref(sha_);
  a.Ref("5");
  AppendKeys(target_, r, a);
  a.Ref(r.calc_id);
  a.Ref(r.fixing ? std::string_view("0") : std::string_view(intraday_maxlen_));
  a.Ref(channel_);
  a.Ref(r.fixing ? "1" : "0");
  a.Ref(r.as_of_ns);
  a.Ref(r.index);
  a.Ref(r.date);
  a.Ref(r.seq);
  a.Ref(r.kind);
  a.Ref(alerts_maxlen_);
  a.Ref(dedup_ttl_);
  AppendFieldsAndAlerts(f, r, a);
}

// kBatchScript's call for records [from, to).
void RedisIndexPublisher::BuildBatch(const std::vector<Fields>& batch, size_t from, size_t to) {
  RecordParts r;
  Argv& a = argv_;
  Argv& rest = scratch_;
  a.Clear();
  rest.Clear();
  a.Ref("EVALSHA");
  a.Ref(batch_sha_);
  a.Own(absl::StrCat(5 * (to - from)));
  rest.Ref(channel_);
  rest.Ref(alerts_maxlen_);
  rest.Ref(dedup_ttl_);
  rest.Own(absl::StrCat(to - from));
  for (size_t i = from; i < to; ++i) {
    const Fields& f = batch[i];
    Parse(f, r);
    AppendKeys(target_, r, a);
    rest.Ref(r.calc_id);
    rest.Ref(r.fixing ? std::string_view("0") : std::string_view(intraday_maxlen_));
    rest.Ref(r.fixing ? "1" : "0");
    rest.Ref(r.as_of_ns);
    rest.Ref(r.index);
    rest.Ref(r.date);
    rest.Ref(r.seq);
    rest.Ref(r.kind);
    AppendFieldsAndAlerts(f, r, rest);
  }
  a.Append(rest);
}

RedisIndexPublisher::RedisIndexPublisher(RedisTarget target)
    : target_(std::move(target)),
      channel_(NotifyChannel(target_.prefix)),
      intraday_maxlen_(absl::StrCat(target_.intraday_maxlen)),
      alerts_maxlen_(absl::StrCat(target_.alerts_maxlen)),
      dedup_ttl_(absl::StrCat(kDedupSeconds)) {}
RedisIndexPublisher::~RedisIndexPublisher() { Close(); }

const char* RedisIndexPublisher::Script() { return kScript; }
const char* RedisIndexPublisher::BatchScript() { return kBatchScript; }

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
  for (auto [script, sha] : {std::pair{kScript, &sha_}, std::pair{kBatchScript, &batch_sha_}}) {
    Reply r(static_cast<redisReply*>(redisCommand(ctx_, "SCRIPT LOAD %s", script)));
    if (r == nullptr || r->type != REDIS_REPLY_STRING) {
      if (error != nullptr) {
        *error = r == nullptr ? std::string(ctx_->errstr)
                              : absl::StrCat("SCRIPT LOAD: ", std::string(r->str != nullptr ? r->str : ""));
      }
      Close();
      return false;
    }
    sha->assign(r->str, r->len);
  }
  return true;
}

size_t RedisIndexPublisher::PublishBatch(const std::vector<Fields>& batch, std::string* error) {
  if (batch.empty()) return 0;
  if (!Ensure(error)) return 0;
  // One call per record when there is one (the low-latency case), else one kBatchScript call
  // per target_.batch_records records; the calls are pipelined. A call's records are all in
  // Redis when it returns its array; none of them is counted otherwise (a retry is idempotent).
  calls_.clear();
  for (size_t from = 0; from < batch.size();) {
    const size_t per_call = std::max<size_t>(1, target_.batch_records);
    const size_t to = batch.size() - from == 1 ? from + 1 : std::min(batch.size(), from + per_call);
    if (to - from == 1) {
      BuildSingle(batch[from]);
    } else {
      BuildBatch(batch, from, to);
    }
    redisAppendCommandArgv(ctx_, static_cast<int>(argv_.size()), argv_.ptrs(), argv_.lens());
    calls_.push_back(to - from);
    from = to;
  }
  size_t done = 0;
  bool failed = false;
  for (const size_t records : calls_) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      if (error != nullptr) *error = ctx_->errstr;
      Close();
      return done;
    }
    Reply r(static_cast<redisReply*>(raw));
    if (failed) continue;  // drain the pipeline; publish the rest on the next call
    if (r->type == REDIS_REPLY_ARRAY && (records == 1 || r->elements == records)) {
      done += records;
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
