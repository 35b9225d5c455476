// index_latency: trade-to-published-Redis-entry latency of the index service with Redis local.
//
//   index_latency [trades=20000] [rate_per_second=2000] [group=1] [batch_records=64] [indices=1]
//
// `group` > 1 hands that many trades over at once (OnEvents-style bursts, as the sequencer's
// committer does under load): the records queue and are published several per round trip.
// `batch_records` 1 publishes one script call per record (the behaviour before the batch
// script). `indices` > 1 adds single indices on the same instrument, so each trade makes that
// many records at once (as in the daemon, where a trade feeds its instrument's index and the
// composite); the latency is still that of the first index's record. Also prints the CPU time redis-server (INFO cpu) and this process (getrusage) used per trade.
// Starts its own redis-server (no persistence) on a free port and an IndexService with a
// temporary outbox, feeds trades at a steady rate through IndexService::OnTrade (as the
// sequencer would), and subscribes to the notify channel: a trade's latency is from the
// OnTrade call to the arrival of the notification of its intraday record, which the Lua
// script publishes after the record's XADD in the same atomic script. Prints percentiles.
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "dazong/index/index_service.h"
#include "../tests/support/process.h"
#include "../tests/support/temp_dir.h"

namespace {

using namespace dazong;
using namespace dazong::index;
using SteadyClock = std::chrono::steady_clock;

// used_cpu_sys and used_cpu_user of the server, in microseconds.
std::pair<double, double> RedisCpuUs(int port) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (c == nullptr || c->err) {
    if (c != nullptr) redisFree(c);
    return {0, 0};
  }
  double v[2] = {0, 0};
  auto* r = static_cast<redisReply*>(redisCommand(c, "INFO cpu"));
  if (r != nullptr && r->type == REDIS_REPLY_STRING) {
    const std::string text(r->str, r->len);
    const char* keys[2] = {"used_cpu_sys:", "used_cpu_user:"};
    for (int i = 0; i < 2; ++i) {
      const size_t at = text.find(keys[i]);
      if (at != std::string::npos) v[i] = std::stod(text.substr(at + std::strlen(keys[i]))) * 1e6;
    }
  }
  if (r != nullptr) freeReplyObject(r);
  redisFree(c);
  return {v[0], v[1]};
}

double SelfCpuUs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

ExchangeConfig Config(int port, int indices) {
  ExchangeConfig config;
  config.name = "bench";
  config.redis.port = static_cast<uint16_t>(port);
  config.redis.key_prefix = "bench";
  InstrumentConfig c;
  c.id = InstrumentId(1);
  c.symbol = "RB";
  c.base_units_per_price_unit = 1000;
  config.instruments.push_back(c);
  for (uint32_t i = 1; i <= 10; ++i) {
    MemberConfig m;
    m.id = MemberId(i);
    m.code = "M" + std::to_string(i);
    config.members.push_back(m);
  }
  IndexConfig index;
  index.id = "DZ-RB";
  index.kind = IndexKind::kSingle;
  index.instruments = {"RB"};
  index.fixing_window_start = "14:30";
  index.fixing_window_end = "15:00";
  index.min_trades = 3;
  index.min_volume = Quantity::FromRaw(100000);
  index.min_distinct_buyers = 2;
  index.min_distinct_sellers = 2;
  config.indices.push_back(index);
  for (int i = 2; i <= indices; ++i) {
    index.id = "DZ-RB" + std::to_string(i);  // its calc ids "T-DZ-RB2-..." are not matched below
    config.indices.push_back(index);
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 20000;
  const double rate = argc > 2 ? std::stod(argv[2]) : 2000;
  const size_t group = std::max<size_t>(1, argc > 3 ? std::stoul(argv[3]) : 1);
  dazong::testing::TempDir dir;
  const int port = dazong::testing::FreePort();
  dazong::testing::ChildProcess redis({REDIS_SERVER_PATH, "--port", std::to_string(port), "--bind",
                                       "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                                       dir.path()},
                                      dir / "redis.log");
  redis.Start();
  redisContext* sub = nullptr;
  for (int i = 0; i < 200 && sub == nullptr; ++i) {
    sub = redisConnect("127.0.0.1", port);
    if (sub != nullptr && sub->err) {
      redisFree(sub);
      sub = nullptr;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  if (sub == nullptr) {
    std::fprintf(stderr, "redis did not start\n");
    return 2;
  }
  const ExchangeConfig config = Config(port, argc > 5 ? std::stoi(argv[5]) : 1);
  IndexServiceOptions options;
  options.data_dir = dir / "index";
  if (argc > 4) options.redis.batch_records = std::stoul(argv[4]);
  auto service = IndexService::Create(config, options);
  if (!service.ok() || !(*service)->Start().ok()) {
    std::fprintf(stderr, "service: %s\n", service.status().ToString().c_str());
    return 2;
  }
  std::vector<SteadyClock::time_point> sent(n + 1), received(n + 1);
  std::atomic<size_t> got{0};
  void* r = redisCommand(sub, "SUBSCRIBE %s", RedisIndexPublisher::NotifyChannel("bench").c_str());
  freeReplyObject(r);
  std::thread reader([&] {
    while (got.load() < n) {
      void* raw = nullptr;
      if (redisGetReply(sub, &raw) != REDIS_OK) return;
      auto* reply = static_cast<redisReply*>(raw);
      const auto now = SteadyClock::now();
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
        const std::string msg(reply->element[2]->str, reply->element[2]->len);
        const size_t at = msg.find(" T-DZ-RB-");
        if (at != std::string::npos) {
          const size_t id = std::stoul(msg.substr(at + 9));
          if (id <= n) {
            received[id] = now;
            got.fetch_add(1);
          }
        }
      }
      freeReplyObject(reply);
    }
  });
  const Timestamp base = *ParseTime("2026-01-05 09:00:00");
  const std::pair<double, double> redis_cpu0 = RedisCpuUs(port);
  const double self_cpu0 = SelfCpuUs();
  const auto start = SteadyClock::now();
  const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 * group / rate));
  std::vector<Event> events;
  for (size_t i = 1; i <= n; i += group) {
    const auto due = start + interval * static_cast<int64_t>((i - 1) / group + 1);
    while (SteadyClock::now() < due) std::this_thread::sleep_until(due);
    const Timestamp now =
        base + std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
    events.clear();
    for (size_t j = i; j < i + group && j <= n; ++j) {
      TradeEvent t;
      t.trade_id = TradeId(j);
      t.time = now;
      t.instrument = InstrumentId(1);
      t.price = Price::FromRaw(365000 + static_cast<int64_t>(j % 21) * 100 - 1000);
      t.quantity = Quantity::FromRaw(10000);
      t.buy.member = MemberId(static_cast<uint32_t>(1 + j % 10));
      t.sell.member = MemberId(static_cast<uint32_t>(1 + (j * 3 + 1) % 10));
      Event e;
      e.time = now;
      e.body = t;
      events.push_back(e);
    }
    const auto sent_at = SteadyClock::now();
    for (size_t j = i; j < i + group && j <= n; ++j) sent[j] = sent_at;
    if (group == 1) {
      exchange::TradeRecord t;
      const auto& te = std::get<TradeEvent>(events.front().body);
      t.trade_id = te.trade_id;
      t.time = te.time;
      t.instrument = te.instrument;
      t.price = te.price;
      t.quantity = te.quantity;
      t.buyer = te.buy.member;
      t.seller = te.sell.member;
      (*service)->OnTrade(t);
    } else {
      (*service)->OnEvents(events);
    }
  }
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (got.load() < n && SteadyClock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto [redis_sys, redis_user] = RedisCpuUs(port);
  const double redis_sys_used = redis_sys - redis_cpu0.first;
  const double redis_cpu = redis_sys_used + redis_user - redis_cpu0.second;
  if (std::getenv("INDEX_LATENCY_COMMANDSTATS") != nullptr) {  // where Redis spent it
    redisContext* c = redisConnect("127.0.0.1", port);
    if (c != nullptr && !c->err) {
      auto* stats = static_cast<redisReply*>(redisCommand(c, "INFO commandstats"));
      if (stats != nullptr && stats->type == REDIS_REPLY_STRING) std::printf("%s", stats->str);
      if (stats != nullptr) freeReplyObject(stats);
    }
    if (c != nullptr) redisFree(c);
  }
  const double self_cpu = SelfCpuUs() - self_cpu0;
  const uint64_t direct = (*service)->records_published_directly();
  (*service)->Stop(0);
  std::vector<double> us;
  for (size_t i = 1; i <= n; ++i) {
    if (received[i] != SteadyClock::time_point{}) {
      us.push_back(std::chrono::duration<double, std::micro>(received[i] - sent[i]).count());
    }
  }
  std::sort(us.begin(), us.end());
  const auto pct = [&](double p) { return us.empty() ? 0.0 : us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))]; };
  std::printf("trades %zu  received %zu  rate %.0f/s  group %zu  indices %zu  published directly %llu\n",
              n, us.size(), rate, group, config.indices.size(), static_cast<unsigned long long>(direct));
  std::printf("cpu per trade (us): redis-server %.1f (system %.1f)  this process %.1f\n",
              redis_cpu / n, redis_sys_used / n, self_cpu / n);
  std::printf("trade -> redis notify latency (us): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
              pct(0.5), pct(0.9), pct(0.99), pct(0.999), us.empty() ? 0.0 : us.back());
  redis.Kill(SIGTERM);
  if (got.load() < n) {
    reader.detach();
    return 1;
  }
  reader.join();
  redisFree(sub);
  return 0;
}
