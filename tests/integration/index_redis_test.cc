// The index service against a real redis-server (started here on a private port, with an
// append-only file so a SIGKILL loses nothing it acknowledged):
//  - records are published exactly once and in order through a Redis outage: the server is
//    killed mid-stream, trading goes on, it is restarted, and every record appears once, in
//    sequence order, identical to an offline recompute of the same trades;
//  - `dazong-index recompute` on a trades file (with a bust) prints exactly what was
//    published, and the supervisor commands (latest, explain, asof) read it back;
//  - the batch script (several records per call) leaves Redis exactly as one script call per
//    record does, also when a batch is retried after part of it was published;
//  - a fixing at fallback level 3 (best bid/offer midpoint at the close), computed live from
//    the sequencer's events, is reproduced exactly by `recompute` from the journal's
//    `export-trades` and `export-quotes`.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "../support/process.h"
#include "../support/ledger_test_support.h"
#include "../support/temp_dir.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/index/engine.h"
#include "dazong/index/index_service.h"
#include "dazong/index/record_codec.h"
#include "dazong/warehouse_receipts/codec.h"

namespace dazong::index {
namespace {

using dazong::testing::ChildProcess;
using dazong::testing::FreePort;
using dazong::testing::WaitUntil;
using namespace std::chrono_literals;

const std::string kSourceDir = DAZONG_SOURCE_DIR;
const std::string kRedisServer = REDIS_SERVER_PATH;
const std::string kIndexTool = DAZONG_INDEX_PATH;

using Entry = std::pair<std::string, Fields>;

// Two trading days of the demo instruments (rebar, copper, soybean meal), with self-trades,
// related-party trades (M001/M005) and an outlier, 14:00 to 15:15 local.
std::vector<exchange::TradeRecord> MakeTrades() {
  std::vector<exchange::TradeRecord> out;
  const int64_t base[] = {365000, 6850000, 320000};
  const int64_t tick[] = {100, 1000, 100};
  const int64_t qty[] = {10000, 5000, 10000};
  uint64_t id = 1;
  for (int day = 0; day < 2; ++day) {
    const Timestamp start = *ParseTime(day == 0 ? "2026-01-05 14:00:00" : "2026-01-06 14:00:00");
    for (int i = 0; i < 300; ++i) {
      exchange::TradeRecord t;
      t.trade_id = TradeId(id++);
      t.seq = SeqNo(t.trade_id.value());
      t.time = start + int64_t{i} * 15 * kNanosPerSecond;
      const int k = i % 3;
      t.instrument = InstrumentId(static_cast<uint32_t>(k + 1));
      int64_t price = base[k] + (day * 3 + (i * 7) % 11 - 5) * tick[k];
      if (i == 100) price = price * 6 / 5;  // an outlier
      t.price = Price::FromRaw(price);
      t.quantity = Quantity::FromRaw(qty[k]);
      t.buyer = MemberId(static_cast<uint32_t>(1 + i % 5));
      t.seller = MemberId(static_cast<uint32_t>(1 + (i * 3 + 1) % 5));
      out.push_back(t);
    }
  }
  return out;
}

IndexTrade ToIndexTrade(const exchange::TradeRecord& t) {
  return IndexTrade{t.trade_id.value(), t.time,          t.instrument.value(), t.price.raw(),
                    t.quantity.raw(),   t.buyer.value(), t.seller.value()};
}

class IndexRedisTest : public ::testing::Test {
 protected:
  void RunOutage(bool paced);
  void SetUp() override {
    redis_port_ = FreePort();
    StartRedis();
    std::string config = dazong::testing::ReadFile(kSourceDir + "/config/demo.toml");
    Replace(config, "data_dir = \"../var/demo\"", "data_dir = \"" + dir_.path() + "/data\"");
    Replace(config, "dictionary = \"../fix_gateway/spec/FIX44-dazong.xml\"",
            "dictionary = \"" + kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml\"");
    const size_t redis_section = config.find("[redis]");
    const size_t port = config.find("port = 6390", redis_section);
    ASSERT_NE(port, std::string::npos);
    config.replace(port, 11, "port = " + std::to_string(redis_port_));
    config_path_ = dir_ / "exchange.toml";
    std::ofstream(config_path_) << config;
    absl::StatusOr<ExchangeConfig> loaded = LoadConfigFile(config_path_);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    config_ = *loaded;
  }

  // An index service over dir_/index with no watermark lag, created and started.
  absl::StatusOr<std::unique_ptr<IndexService>> StartedService() {
    IndexServiceOptions options;
    options.data_dir = dir_ / "index";
    options.watermark_lag_ns = 0;
    absl::StatusOr<std::unique_ptr<IndexService>> service = IndexService::Create(config_, options);
    if (!service.ok()) return service.status();
    if (absl::Status started = (*service)->Start(); !started.ok()) return started;
    return service;
  }

  static void Replace(std::string& text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }

  void StartRedis() {
    redis_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kRedisServer, "--port", std::to_string(redis_port_), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "yes",
                                 "--appendfsync", "always", "--dir", dir_.path()},
        dir_ / "redis.log");
    ASSERT_TRUE(redis_->Start());
    ASSERT_TRUE(WaitUntil([&] { return Ping(); }, 10s)) << redis_->log();
  }

  bool Ping() {
    redisContext* c = redisConnect("127.0.0.1", redis_port_);
    bool ok = false;
    if (c != nullptr && !c->err) {
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
      if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    return ok;
  }

  std::vector<Entry> Stream(const std::string& key) {
    std::vector<Entry> out;
    redisContext* c = redisConnect("127.0.0.1", redis_port_);
    if (c == nullptr || c->err) {
      if (c != nullptr) redisFree(c);
      return out;
    }
    auto* r = static_cast<redisReply*>(redisCommand(c, "XRANGE %s - +", key.c_str()));
    if (r != nullptr && r->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < r->elements; ++i) {
        Fields f;
        redisReply* kv = r->element[i]->element[1];
        for (size_t j = 0; j + 1 < kv->elements; j += 2) {
          f.emplace_back(std::string(kv->element[j]->str, kv->element[j]->len),
                         std::string(kv->element[j + 1]->str, kv->element[j + 1]->len));
        }
        out.emplace_back(r->element[i]->element[0]->str, std::move(f));
      }
    }
    if (r != nullptr) freeReplyObject(r);
    redisFree(c);
    return out;
  }

  std::string Key(const std::string& index, const std::string& suffix) {
    return RedisIndexPublisher::Key(config_.redis.key_prefix, index, suffix);
  }

  // Every published record of every index, keyed (index, seq), checking per-stream order and
  // that no (index, seq) or calc id appears twice.
  std::map<std::pair<std::string, uint64_t>, Fields> Published() {
    std::map<std::pair<std::string, uint64_t>, Fields> out;
    std::set<std::string> calc_ids;
    for (const IndexConfig& index : config_.indices) {
      for (const char* stream : {"intraday", "fixings"}) {
        uint64_t last = 0;
        for (auto& [id, f] : Stream(Key(index.id, stream))) {
          const uint64_t seq = std::stoull(FieldValue(f, "seq"));
          EXPECT_GT(seq, last) << index.id << " " << stream << " out of order at " << id;
          last = seq;
          EXPECT_TRUE(calc_ids.insert(FieldValue(f, "calc_id")).second)
              << "duplicate " << FieldValue(f, "calc_id");
          EXPECT_TRUE(out.emplace(std::make_pair(index.id, seq), f).second);
        }
      }
    }
    return out;
  }

  // Runs dazong-index; returns its stdout.
  std::string Tool(const std::string& args, int* status = nullptr) {
    const std::string command = kIndexTool + " " + args + " 2>" + (dir_ / "tool.err");
    FILE* p = popen(command.c_str(), "r");
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    const int rc = pclose(p);
    if (status != nullptr) *status = WEXITSTATUS(rc);
    return out;
  }

  // The records `dazong-index recompute` printed, keyed (index, seq).
  static std::map<std::pair<std::string, uint64_t>, Fields> ParseRecords(const std::string& out) {
    std::map<std::pair<std::string, uint64_t>, Fields> records;
    size_t start = 0;
    while (start < out.size()) {
      size_t eol = out.find('\n', start);
      if (eol == std::string::npos) eol = out.size();
      const std::string line = out.substr(start, eol - start);
      start = eol + 1;
      Fields f;
      size_t p = 0;
      while (p <= line.size()) {
        size_t tab = line.find('\t', p);
        if (tab == std::string::npos) tab = line.size();
        const std::string kv = line.substr(p, tab - p);
        const size_t eq = kv.find('=');
        f.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        p = tab + 1;
      }
      records[{FieldValue(f, "index"), std::stoull(FieldValue(f, "seq"))}] = f;
    }
    return records;
  }

  dazong::testing::TempDir dir_;
  int redis_port_ = 0;
  std::unique_ptr<ChildProcess> redis_;
  std::string config_path_;
  ExchangeConfig config_;
};

// `paced`: one trade at a time, each published before the next is fed, so the calculation
// thread publishes the records itself (its direct path) until Redis dies, hands over to the
// publisher thread during the outage, and takes over again after it.
void IndexRedisTest::RunOutage(bool paced) {
  absl::StatusOr<std::unique_ptr<IndexService>> service = StartedService();
  ASSERT_TRUE(service.ok()) << service.status();
  IndexService& s = **service;

  const std::vector<exchange::TradeRecord> trades = MakeTrades();
  const Timestamp end = *ParseTime("2026-01-06 23:00:00");
  // The reference: the same inputs through the offline recompute.
  std::vector<RecomputeInput> inputs;
  for (const auto& t : trades) inputs.push_back(RecomputeInput{RecomputeInput::Type::kTrade, ToIndexTrade(t), {}, ""});
  std::vector<IndexRecord> expected;
  ASSERT_TRUE(Recompute(s.methodology(), inputs, end, EngineOptions{}, expected).ok());

  size_t next = 0;
  const auto feed = [&](size_t until) {
    for (; next < until; ++next) {
      const uint64_t before = s.records_produced();
      s.OnTrade(trades[next]);
      if (paced) {  // each trade makes at least its intraday record
        ASSERT_TRUE(WaitUntil([&] { return s.records_produced() > before && s.backlog() == 0; }, 20s));
      }
    }
  };
  feed(200);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(WaitUntil([&] { return s.records_produced() > 0 && s.backlog() == 0; }, 20s));
  EXPECT_TRUE(s.redis_up());

  redis_->Kill(SIGKILL);  // mid-stream
  for (; next < 450; ++next) {  // through day 1's fixing and into day 2
    s.OnTrade(trades[next]);
    if (paced && next % 50 == 0) std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return !s.redis_up() && s.backlog() > 0; }, 20s));
  std::this_thread::sleep_for(300ms);  // a few failed retries
  const uint64_t queued = s.backlog();
  EXPECT_GT(queued, 0u);

  StartRedis();
  const uint64_t direct_before = s.records_published_directly();
  if (paced) {
    // Once the backlog is gone, the calculation thread publishes directly again.
    ASSERT_TRUE(WaitUntil([&] { return s.backlog() == 0; }, 60s));
  }
  feed(trades.size());
  if (HasFatalFailure()) return;
  s.OnTime(end);
  ASSERT_TRUE(WaitUntil([&] { return s.records_published() >= expected.size() && s.backlog() == 0; },
                        60s))
      << s.records_published() << " of " << expected.size() << ", backlog " << s.backlog();
  s.Stop();
  EXPECT_EQ(s.records_produced(), expected.size());
  if (paced) {
    EXPECT_GT(direct_before, 0u);
    EXPECT_GT(s.records_published_directly(), direct_before);
  }

  const auto published = Published();
  ASSERT_EQ(published.size(), expected.size());
  for (const IndexRecord& r : expected) {
    auto it = published.find({r.index_id, r.seq});
    ASSERT_NE(it, published.end()) << r.index_id << " seq " << r.seq << " missing";
    EXPECT_EQ(it->second, RecordFields(r, s.methodology())) << r.index_id << " seq " << r.seq;
  }
  // Per index the sequence has no gap.
  std::map<std::string, uint64_t> count;
  for (const auto& [key, f] : published) EXPECT_EQ(key.second, ++count[key.first]);
  // The day hashes and `latest` hold the fixings; the composite set its base on 2026-01-05.
  const std::vector<Entry> bulk = Stream(Key("DZ-BULK", "fixings"));
  ASSERT_EQ(bulk.size(), 2u);
  EXPECT_EQ(FieldValue(bulk[0].second, "value"), "1000.000000");
  EXPECT_EQ(FieldValue(bulk[0].second, "status"), "FIRM");
  EXPECT_EQ(FieldValue(bulk[1].second, "kind"), "FIXING");
}

TEST_F(IndexRedisTest, EveryRecordExactlyOnceAndInOrderThroughARedisOutage) { RunOutage(false); }

TEST_F(IndexRedisTest, DirectPublicationHandsOverDuringAnOutageAndResumes) { RunOutage(true); }

// A reply as a string ("" for nil), or its elements.
std::vector<std::string> Strings(redisReply* r) {
  std::vector<std::string> out;
  if (r == nullptr) return out;
  if (r->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < r->elements; ++i) out.emplace_back(r->element[i]->str, r->element[i]->len);
  } else if (r->type == REDIS_REPLY_INTEGER) {
    out.push_back(std::to_string(r->integer));
  } else if (r->str != nullptr) {
    out.emplace_back(r->str, r->len);
  }
  return out;
}

// The sequencer hands every group of events over; a hand-over with no trade wakes the
// calculation thread only if it is the first of a new second. A per-interval record that falls
// due from time alone (a book change past the boundary, no trade) is still produced at once.
TEST_F(IndexRedisTest, AnIntervalRecordDueFromTimeAloneIsProducedWithoutATrade) {
  absl::StatusOr<std::unique_ptr<IndexService>> service = StartedService();
  ASSERT_TRUE(service.ok()) << service.status();
  IndexService& s = **service;
  const InstrumentId rebar(1);
  const Timestamp t0 = *ParseTime("2026-01-05 14:00:10");
  TradeEvent trade;
  trade.trade_id = TradeId(1);
  trade.instrument = rebar;
  trade.price = Price::FromRaw(365000);
  trade.quantity = Quantity::FromRaw(10000);
  trade.time = t0;
  trade.buy.member = MemberId(1);
  trade.sell.member = MemberId(2);
  const Event traded[] = {Event{SeqNo(1), t0, trade}};
  s.OnEvents(traded);
  ASSERT_TRUE(WaitUntil([&] { return s.records_produced() >= 1; }, 10s));  // its intraday record
  const uint64_t after_trade = s.records_produced();
  auto book = [&](uint64_t seq, Timestamp time) {
    const Event changed[] = {Event{SeqNo(seq), time,
                                   BboChanged{rebar, Price::FromRaw(364000), Quantity::FromRaw(10000),
                                              Price::FromRaw(366000), Quantity::FromRaw(10000)}}};
    s.OnEvents(changed);
  };
  book(2, t0 + 200'000'000);  // same second as the trade, before any boundary: nothing due
  // 14:01:00.3 is past the interval boundary 14:01:00, and the trade is in its window.
  book(3, *ParseTime("2026-01-05 14:01:00") + 300'000'000);
  EXPECT_TRUE(WaitUntil([&] { return s.records_produced() > after_trade; }, 10s))
      << "the per-interval record of 14:01:00 was not produced";
  s.Stop(0);
}

TEST_F(IndexRedisTest, BatchScriptWritesWhatOneCallPerRecordWrites) {
  absl::StatusOr<Methodology> m = Methodology::Build(config_, {}, {});
  ASSERT_TRUE(m.ok()) << m.status();
  const std::vector<exchange::TradeRecord> trades = MakeTrades();
  std::vector<RecomputeInput> inputs;
  for (const auto& t : trades) inputs.push_back(RecomputeInput{RecomputeInput::Type::kTrade, ToIndexTrade(t), {}, ""});
  // A bust after day 1's fixing: a correction (fixing hash rewritten, supersedes).
  RecomputeInput bust;
  bust.type = RecomputeInput::Type::kBust;
  bust.trade.trade_id = 124;
  bust.trade.time = *ParseTime("2026-01-05 15:00:05");
  bust.reason = "erroneous";
  inputs.push_back(bust);
  SortInputs(inputs);
  std::vector<IndexRecord> records;
  ASSERT_TRUE(Recompute(*m, inputs, *ParseTime("2026-01-06 23:00:00"), EngineOptions{}, records).ok());
  std::vector<Fields> fields;
  size_t with_alerts = 0, corrections = 0;
  for (const IndexRecord& r : records) {
    fields.push_back(RecordFields(r, *m));
    corrections += r.kind == RecordKind::kCorrection ? 1 : 0;
    // These days raise no alert: give some records alerts (one or two) to publish.
    if (fields.size() % 37 == 0) {
      for (auto& [k, v] : fields.back()) {
        if (k == "alerts") v = fields.size() % 2 == 0 ? "MOVE:up 2.5%" : "FALLBACK:level 2|SHARE:M001 61%";
      }
    }
    with_alerts += FieldValue(fields.back(), "alerts").empty() ? 0 : 1;
  }
  ASSERT_GT(fields.size(), 600u);
  EXPECT_GT(with_alerts, 0u);
  EXPECT_GT(corrections, 0u);

  RedisTarget one{"127.0.0.1", redis_port_, "one"};
  one.batch_records = 1;
  RedisTarget many{"127.0.0.1", redis_port_, "many"};
  many.batch_records = 7;
  RedisIndexPublisher single(one), batched(many);
  std::string error;
  for (const Fields& f : fields) ASSERT_EQ(single.PublishBatch({f}, &error), 1u) << error;
  // In slices of up to 100, each slice starting 30 records before the previous one ended (a
  // retry of records already in Redis); slices of one record go through the single script.
  for (size_t from = 0, call = 0; from < fields.size(); ++call) {
    const size_t len = call % 3 == 2 ? 1 : 100;
    const size_t end = std::min(fields.size(), from + len);
    const std::vector<Fields> slice(fields.begin() + static_cast<ptrdiff_t>(from),
                                    fields.begin() + static_cast<ptrdiff_t>(end));
    ASSERT_EQ(batched.PublishBatch(slice, &error), slice.size()) << error;
    from = end == fields.size() || len == 1 ? end : end - 30;
  }

  redisContext* c = redisConnect("127.0.0.1", redis_port_);
  ASSERT_TRUE(c != nullptr && !c->err);
  const auto command = [&](const std::string& a, const std::string& b) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "%s %s", a.c_str(), b.c_str()));
    std::vector<std::string> out = Strings(r);
    if (r != nullptr) freeReplyObject(r);
    return out;
  };
  // Same keys, the prefix aside.
  std::vector<std::string> keys_one = command("KEYS", "one:*");
  std::vector<std::string> keys_many = command("KEYS", "many:*");
  for (std::string& k : keys_one) k = k.substr(4);
  for (std::string& k : keys_many) k = k.substr(5);
  std::sort(keys_one.begin(), keys_one.end());
  std::sort(keys_many.begin(), keys_many.end());
  ASSERT_EQ(keys_one, keys_many);
  // Values without entry ids (stream times differ): a hash's "stream_id", a calc hash's values.
  const auto normalise = [](std::vector<std::string> kv, const std::string& prefix) {
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
      std::string v = kv[i + 1];
      if (kv[i] == "stream_id") v = "";
      if (v.starts_with(prefix + ":")) v = v.substr(prefix.size() + 1);
      if (const size_t sp = v.find(' '); sp != std::string::npos && v.starts_with("index:")) v = v.substr(0, sp);
      out[kv[i]] = v;
    }
    return out;
  };
  size_t compared = 0;
  for (const std::string& key : keys_one) {
    const std::string type = command("TYPE", "one:" + key).front();
    if (type == "hash") {
      EXPECT_EQ(normalise(command("HGETALL", "one:" + key), "one"),
                normalise(command("HGETALL", "many:" + key), "many"))
          << key;
    } else if (type == "stream") {
      std::vector<Entry> a = Stream("one:" + key), b = Stream("many:" + key);
      ASSERT_EQ(a.size(), b.size()) << key;
      for (size_t i = 0; i < a.size(); ++i) {
        std::vector<std::string> fa, fb;
        for (auto& [k, v] : a[i].second) fa.insert(fa.end(), {k, v});
        for (auto& [k, v] : b[i].second) fb.insert(fb.end(), {k, v});
        EXPECT_EQ(normalise(fa, "one"), normalise(fb, "many")) << key << " entry " << i;
      }
    }
    ++compared;
  }
  EXPECT_GT(compared, 10u);
  // The calc-id hashes expire as before.
  for (const std::string& key : keys_one) {
    if (key.find(":calc:") == std::string::npos) continue;
    EXPECT_GT(std::stoll(command("TTL", "many:" + key).front()), 0) << key;
  }
  redisFree(c);
}

TEST_F(IndexRedisTest, RecomputeFromATradesFileEqualsWhatWasPublished) {
  absl::StatusOr<std::unique_ptr<IndexService>> service = StartedService();
  ASSERT_TRUE(service.ok()) << service.status();
  IndexService& s = **service;
  const std::vector<exchange::TradeRecord> trades = MakeTrades();
  // Day 1 through the fixing, then (at 15:00:05, after every earlier trade: the watermark
  // contract) a bust of a trade the rebar fixing used.
  size_t next = 0;
  const Timestamp bust_time = *ParseTime("2026-01-05 15:00:05");
  for (; next < trades.size() && trades[next].time < bust_time; ++next) s.OnTrade(trades[next]);
  s.OnTime(bust_time);
  ASSERT_TRUE(WaitUntil([&] { return s.backlog() == 0 && !Stream(Key("DZ-RB", "fixings")).empty(); }, 20s));
  std::this_thread::sleep_for(20ms);  // the correction gets a later stream time
  // Trade 124 (i = 123): rebar (123 % 3 == 0) at 14:00 + 123 × 15 s = 14:30:45, in the window.
  const uint64_t busted = 124;
  s.OnBust(TradeId(busted), bust_time, "erroneous");
  for (; next < trades.size(); ++next) s.OnTrade(trades[next]);
  const Timestamp end = *ParseTime("2026-01-06 23:00:00");
  s.OnTime(end);
  ASSERT_TRUE(WaitUntil([&] {
    return s.backlog() == 0 && Stream(Key("DZ-BULK", "fixings")).size() >= 3;
  }, 30s));
  s.Stop();

  // The trades and the bust as files, recomputed by the CLI.
  std::string csv = "trade_id,time,instrument,price,quantity,buyer,seller\n";
  for (const auto& t : trades) csv += TradeCsvLine(ToIndexTrade(t), config_) + "\n";
  std::ofstream(dir_ / "trades.csv") << csv;
  std::ofstream(dir_ / "busts.csv") << "trade_id,time,reason\n"
                                     << busted << "," << bust_time << ",erroneous\n";
  int status = -1;
  const std::string out = Tool("recompute --config " + config_path_ + " --trades " +
                                   (dir_ / "trades.csv") + " --busts " + (dir_ / "busts.csv") +
                                   " --until " + std::to_string(end),
                               &status);
  ASSERT_EQ(status, 0) << dazong::testing::ReadFile(dir_ / "tool.err");
  const std::map<std::pair<std::string, uint64_t>, Fields> recomputed = ParseRecords(out);
  const auto published = Published();
  ASSERT_EQ(recomputed.size(), published.size());
  for (const auto& [key, f] : published) {
    auto it = recomputed.find(key);
    ASSERT_NE(it, recomputed.end()) << key.first << " " << key.second;
    EXPECT_EQ(it->second, f) << key.first << " " << key.second;
  }
  // The bust produced a correction naming the fixing it supersedes.
  const std::vector<Entry> rb = Stream(Key("DZ-RB", "fixings"));
  ASSERT_EQ(rb.size(), 3u);  // fixing 01-05, its correction, fixing 01-06
  EXPECT_EQ(FieldValue(rb[1].second, "kind"), "CORRECTION");
  EXPECT_EQ(FieldValue(rb[1].second, "supersedes"), FieldValue(rb[0].second, "calc_id"));
  EXPECT_EQ(FieldValue(rb[1].second, "reason"), "BUSTED_TRADE:124:erroneous");
  EXPECT_NE(FieldValue(rb[1].second, "excluded").find("124:BUSTED"), std::string::npos);

  // Supervisor commands.
  const std::string latest = Tool("latest --config " + config_path_ + " --index DZ-RB", &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(latest.find("index=DZ-RB"), std::string::npos);
  const std::string explain =
      Tool("explain --config " + config_path_ + " --index DZ-RB --date 2026-01-05", &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(explain.find("kind CORRECTION"), std::string::npos) << explain;
  EXPECT_NE(explain.find("history of this date"), std::string::npos);
  // As published just after the fixing (before the correction): the original value.
  const std::string original_ms = rb[0].first.substr(0, rb[0].first.find('-'));
  const std::string asof =
      Tool("asof --config " + config_path_ + " --index DZ-RB --date 2026-01-05 --at " +
               original_ms + "000000",
           &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(asof.find("calc_id=" + FieldValue(rb[0].second, "calc_id")), std::string::npos) << asof;
  const std::string history = Tool("history --config " + config_path_ +
                                       " --index DZ-RB --from 2026-01-05 --to 2026-01-06",
                                   &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(history.find("2026-01-05\t"), std::string::npos);
  EXPECT_NE(history.find("CORRECTION"), std::string::npos);
}

NewOrderCommand Limit(uint32_t member, const std::string& cl, Side side, int64_t price_fen,
                      int64_t qty) {
  NewOrderCommand o;
  o.session = 100 + member;
  o.member = MemberId(member);
  o.instrument = InstrumentId(1);  // RB-HRB400E
  o.cl_ord_id = ClOrdId::FromView(cl);
  o.side = side;
  o.tif = TimeInForce::kGtc;
  o.price = Price::FromRaw(price_fen);
  o.quantity = Quantity::FromRaw(qty);
  return o;
}

// The demo config's rebar grade (config/demo.toml).
constexpr const char* kDemoRebarGrade = "HRB400E 20mm, GB/T 1499.2-2018";

TEST_F(IndexRedisTest, LevelThreeFixingFromTheSequencerIsReproducedFromTheJournal) {
  // The live path: the sequencer journals the commands and hands their events (trades and
  // BboChanged) to the index service, as in dazongd.
  absl::StatusOr<std::unique_ptr<IndexService>> service = StartedService();
  ASSERT_TRUE(service.ok()) << service.status();
  const Timestamp until = *ParseTime("2026-01-05 15:10:00");
  {
    std::filesystem::create_directories(config_.data_dir);
    auto store = exchange::JournalStore::Open(config_.data_dir + "/journal");
    ASSERT_TRUE(store.ok()) << store.status();
    // As in dazongd, the warehouse-receipt ledger reserves for every order.
    receipts::Ledger ledger(config_);
    exchange::ExchangeCore core(config_, &ledger);
    CommandQueue queue(64);
    ManualClock clock(*ParseTime("2026-01-05 10:00:00"));
    exchange::Sequencer sequencer(core, **store, clock, queue, &ledger);
    sequencer.AddSink(service->get());
    ASSERT_TRUE(sequencer.Recover([&](std::span<const Event> events) {
      (*service)->OnRecoveredEvents(events);  // empty journal: nothing
    }).ok());
    const auto at = [&](const char* local, std::vector<CommandBody> commands) {
      clock.Set(*ParseTime(std::string("2026-01-05 ") + local));
      for (CommandBody& c : commands) ASSERT_TRUE(queue.TryPush(std::move(c)));
      ASSERT_TRUE(sequencer.ProcessAvailable().ok());
    };
    // Receipts for the sellers (M002, M004) and cash for the buyers (M001, M003).
    const receipts::Principal warehouse = receipts::Principal::Warehouse("WH-SH-01");
    const receipts::Principal bank = receipts::Principal::Bank("B001");
    const Timestamp expiry = *ParseTime("2099-12-31 00:00:00");
    at("09:00:00", {testing::LedgerEnvelope(receipts::ReportStock{warehouse, "rebar", kDemoRebarGrade,
                                                          Quantity::FromRaw(1'000'000)}),
                    testing::LedgerEnvelope(receipts::RegisterReceipt{
                        warehouse, 1, "M002", testing::Elements("rebar", kDemoRebarGrade, 100000, {"L1"}, expiry)}),
                    testing::LedgerEnvelope(receipts::RegisterReceipt{
                        warehouse, 2, "M004", testing::Elements("rebar", kDemoRebarGrade, 100000, {"L2"}, expiry)}),
                    testing::LedgerEnvelope(receipts::Deposit{bank, "M001", Money::FromRaw(100'000'000), "d1"}),
                    testing::LedgerEnvelope(receipts::Deposit{bank, "M003", Money::FromRaw(100'000'000), "d3"})});
    // One trade in the morning (not enough for levels 1 and 2: min_trades is 3), then a book
    // of 3641.00 / 3660.00, improved to 3645.00 at 14:50: the close midpoint is 3652.50.
    at("10:00:00", {Limit(2, "s1", Side::kSell, 365000, 10000)});
    at("10:00:01", {Limit(1, "b1", Side::kBuy, 365000, 10000)});
    at("10:05:00", {Limit(3, "b2", Side::kBuy, 364100, 10000), Limit(4, "s2", Side::kSell, 366000, 10000)});
    at("14:50:00", {Limit(3, "b3", Side::kBuy, 364500, 10000)});
    // M005 has no cash: the ledger refuses this bid, so it is not in the closing book (a
    // replay without the ledger would put it there and move the midpoint to 3657.50).
    at("14:55:00", {Limit(5, "b-unfunded", Side::kBuy, 365500, 10000)});
    at("15:00:00", {Limit(4, "s3", Side::kSell, 367000, 10000)});  // at the end: not "before"
    at("15:10:00", {TimerCommand{}});
  }
  IndexService& s = **service;
  ASSERT_TRUE(WaitUntil([&] {
    return s.backlog() == 0 && !Stream(Key("DZ-RB", "fixings")).empty() &&
           !Stream(Key("DZ-BULK", "fixings")).empty();
  }, 20s));
  s.Stop();
  const std::vector<Entry> rb = Stream(Key("DZ-RB", "fixings"));
  ASSERT_EQ(rb.size(), 1u);
  EXPECT_EQ(FieldValue(rb[0].second, "level"), "3");
  EXPECT_EQ(FieldValue(rb[0].second, "status"), "FALLBACK");
  EXPECT_EQ(FieldValue(rb[0].second, "value"), "3652.500000");
  EXPECT_NE(FieldValue(rb[0].second, "inputs").find("bid=364500,ask=366000,"), std::string::npos)
      << FieldValue(rb[0].second, "inputs");

  // The auditor's path: the journal's trades and quotes, recomputed offline.
  int status = -1;
  const std::string trades = Tool("export-trades --config " + config_path_, &status);
  ASSERT_EQ(status, 0) << dazong::testing::ReadFile(dir_ / "tool.err");
  const std::string quotes = Tool("export-quotes --config " + config_path_, &status);
  ASSERT_EQ(status, 0) << dazong::testing::ReadFile(dir_ / "tool.err");
  EXPECT_NE(quotes.find(",RB-HRB400E,3645.00,3660.00\n"), std::string::npos) << quotes;
  std::ofstream(dir_ / "trades.csv") << trades;
  std::ofstream(dir_ / "quotes.csv") << quotes;
  const std::string out =
      Tool("recompute --config " + config_path_ + " --trades " + (dir_ / "trades.csv") +
               " --quotes " + (dir_ / "quotes.csv") + " --until " + std::to_string(until),
           &status);
  ASSERT_EQ(status, 0) << dazong::testing::ReadFile(dir_ / "tool.err");
  const auto recomputed = ParseRecords(out);
  const auto published = Published();
  ASSERT_EQ(recomputed.size(), published.size());
  for (const auto& [key, f] : published) {
    auto it = recomputed.find(key);
    ASSERT_NE(it, recomputed.end()) << key.first << " " << key.second;
    EXPECT_EQ(it->second, f) << key.first << " " << key.second;
  }
  // Without the quotes the same trades give a different fixing (level 4 or none): the quotes
  // are an input of the published value.
  const std::string without = Tool("recompute --config " + config_path_ + " --trades " +
                                       (dir_ / "trades.csv") + " --until " + std::to_string(until),
                                   &status);
  ASSERT_EQ(status, 0);
  bool differs = false;
  for (const auto& [key, f] : ParseRecords(without)) {
    if (key.first == "DZ-RB" && FieldValue(f, "kind") == "FIXING") differs = FieldValue(f, "level") != "3";
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace dazong::index
