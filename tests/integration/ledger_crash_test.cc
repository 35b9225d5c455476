// Crash test of the ledger on the real daemon: streams of HTTP API operations (receipt
// registrations by a warehouse, deposits by the bank) and FIX orders (resting buys that reserve
// cash) run while dazongd is killed with SIGKILL at a random moment, many times. After every
// restart each acknowledged operation must be there (acknowledged = durable), and the ledger
// must verify clean (the daemon itself replays and verifies it on start).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "../support/process.h"
#include "../support/seed.h"
#include "../support/temp_dir.h"
#include "dazong/fix_client/fix_client.h"

namespace dazong {
namespace {

using testing::ReplaceOnce;
using nlohmann::json;
using testing::ApiClient;
using testing::ApiReply;
using testing::ChildProcess;
using testing::FreePort;
using testing::WaitUntil;
using namespace std::chrono_literals;

const std::string kSourceDir = DAZONG_SOURCE_DIR;
const std::string kDaemon = DAZONGD_PATH;

// Cash one resting buy of 10 t at 3500.00 reserves (docs/receipts.md, buy reservation):
// ceil(350000 × 10000 × 10002 / 10^7) + 1 lot × (500 + 3 + 1).
constexpr int64_t kOrderReservation = 3500700 + 504;

TEST(LedgerCrashTest, EveryAcknowledgedOperationSurvivesKillNine) {
  testing::TempDir dir;
  const int fix_port = FreePort();
  const int http_port = FreePort();
  std::string config = testing::ReadFile(kSourceDir + "/config/demo.toml");
  ReplaceOnce(config, "data_dir = \"../var/demo\"", "data_dir = \"" + dir.path() + "/data\"");
  ReplaceOnce(config, "port = 9878", "port = " + std::to_string(fix_port), "[fix]");
  ReplaceOnce(config, "dictionary = \"../fix_gateway/spec/FIX44-dazong.xml\"",
              "dictionary = \"" + kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml\"");
  ReplaceOnce(config, "port = 6390", "port = " + std::to_string(FreePort()), "[redis]");
  ReplaceOnce(config, "port = 8088", "port = " + std::to_string(http_port), "[http]");
  const std::string config_path = dir / "exchange.toml";
  std::ofstream(config_path) << config;

  std::unique_ptr<ChildProcess> daemon;
  int run = 0;
  auto start = [&] {
    daemon = std::make_unique<ChildProcess>(std::vector<std::string>{kDaemon, "--config", config_path},
                                            dir / ("dazongd-" + std::to_string(run++) + ".log"));
    ASSERT_TRUE(daemon->Start());
    ApiClient probe(http_port);
    ASSERT_TRUE(WaitUntil([&] { return probe.Get("S001", "/whoami").status == 200; }, 60s)) << daemon->log();
  };
  start();
  ApiClient api(http_port);
  testing::DemoSeed seed;
  ASSERT_EQ(testing::SeedDemoLedger(api, seed), "");
  const int64_t base_cash = seed.cash_fen;

  fix_client::FixClientOptions options;
  options.port = fix_port;
  options.sender_comp_id = "DONGFANG-OE";
  options.password = "demo-DONGFANG-OE";
  options.dictionary_path = kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml";
  options.reconnect_seconds = 1;
  auto fix = fix_client::FixClient::Create(options);
  ASSERT_TRUE(fix.ok());
  ASSERT_TRUE((*fix)->Start().ok());

  std::set<int64_t> acked_serials;
  int64_t acked_deposits = 0;
  int64_t sent_deposits = 0;
  int64_t acked_orders = 0;
  int64_t sent_orders = 0;
  int64_t next_serial = 1000;
  int64_t next_order = 1;
  std::mt19937_64 rng(20261127);
  constexpr int kKills = 8;

  for (int round = 0; round <= kKills; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    if (round > 0) start();
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE((*fix)->WaitLoggedOn(30s)) << daemon->log();
    const auto t2 = std::chrono::steady_clock::now();
    std::fprintf(stderr, "round %d: start %lld ms, logon %lld ms\n", round,
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()),
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(t2 - t1).count()));

    // Every acknowledged operation so far is there.
    ApiReply receipts = api.Get("WH-SH-01", "/receipts");
    ASSERT_EQ(receipts.status, 200);
    std::set<int64_t> serials;
    for (const json& r : receipts.body["receipts"]) serials.insert(r["serial"].get<int64_t>());
    for (int64_t s : acked_serials) ASSERT_TRUE(serials.contains(s)) << "lost receipt serial " << s;
    ApiReply cash = api.Get("S001", "/cash?member=M003");
    ASSERT_EQ(cash.status, 200);
    const int64_t deposited = cash.body["accounts"][0]["available"].get<int64_t>() - base_cash;
    EXPECT_GE(deposited, acked_deposits) << "lost deposits";
    EXPECT_LE(deposited, sent_deposits);
    ApiReply buyer = api.Get("S001", "/cash?member=M004");
    const int64_t reserved = buyer.body["accounts"][0]["reserved"].get<int64_t>();
    EXPECT_EQ(reserved % kOrderReservation, 0);
    EXPECT_GE(reserved / kOrderReservation, acked_orders) << "lost orders";
    EXPECT_LE(reserved / kOrderReservation, sent_orders);
    ApiReply verify = api.Get("S001", round == kKills ? "/verify" : "/verify?quick=1");
    ASSERT_EQ(verify.status, 200) << daemon->log();
    ASSERT_EQ(verify.body["ok"], true) << verify.body.dump();
    if (round == kKills) break;

    // A stream of operations, then SIGKILL at a random moment.
    std::atomic<bool> stop{false};
    std::thread registrar([&] {
      ApiClient client(http_port);
      while (!stop.load()) {
        const int64_t serial = next_serial++;
        json body{{"serial", serial}, {"holder", "M002"},
                  {"elements", testing::DemoElements("M002", "rebar", testing::kDemoRebarGrade, 1000,
                                                     "CRASH-" + std::to_string(serial))}};
        ApiReply r = client.Post("WH-SH-01", "/receipts", body);
        if (r.status == 200) acked_serials.insert(serial);
        if (r.status == 0) std::this_thread::sleep_for(5ms);
      }
    });
    std::thread banker([&] {
      ApiClient client(http_port);
      while (!stop.load()) {
        ++sent_deposits;
        ApiReply r = client.Post("B001", "/cash/deposit", json{{"member", "M003"}, {"amount", 1}});
        if (r.status == 200) ++acked_deposits;
        if (r.status == 0) std::this_thread::sleep_for(5ms);
      }
    });
    std::thread trader([&] {
      while (!stop.load()) {
        const std::string id = "C-" + std::to_string(next_order++);
        if (!(*fix)->SendNewOrder({id, "RB-HRB400E", '1', '2', "3500.00", "10000", '1'}).ok()) {
          std::this_thread::sleep_for(5ms);
          continue;
        }
        ++sent_orders;
        auto ack = (*fix)->WaitFor(
            [&](const fix_client::ReceivedMessage& m) {
              return m.msg_type == "8" && m.Get(11) == id && (m.Get(150) == "0" || m.Get(150) == "8");
            },
            2s);
        if (ack.has_value() && ack->Get(150) == "0") ++acked_orders;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 1200));
    daemon->Kill(SIGKILL);
    stop.store(true);
    const auto k0 = std::chrono::steady_clock::now();
    registrar.join();
    banker.join();
    trader.join();
    std::fprintf(stderr, "round %d: join %lld ms\n", round,
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - k0).count()));
  }
  EXPECT_GT(acked_serials.size(), 20u);
  EXPECT_GT(acked_deposits, 20);
  EXPECT_GT(acked_orders, 5);
  (*fix)->Stop();
  daemon->Kill(SIGTERM);
}

}  // namespace
}  // namespace dazong
