// End to end through the real daemon: a private redis-server, dazongd with the demo
// configuration (private ports and data directory), and QuickFIX initiators for two members.
// Trades a crossing pair, checks both sides' ExecutionReports, kills the daemon with SIGKILL,
// finds the trade in RocksDB, restarts, trades against the recovered book, and reads both
// trades from the Redis stream. The warehouse-receipt ledger is attached: the demo members get
// receipts and cash through the HTTP API first, and the trade settles (delivery versus payment).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <csignal>
#include <regex>
#include <thread>

#include "../support/process.h"
#include "../support/seed.h"
#include "../support/temp_dir.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/fix_client/fix_client.h"

namespace dazong {
namespace {

using testing::ReplaceOnce;
using fix_client::FixClient;
using fix_client::ReceivedMessage;
using testing::ChildProcess;
using testing::FreePort;
using testing::WaitUntil;
using namespace std::chrono_literals;

const std::string kSourceDir = DAZONG_SOURCE_DIR;
const std::string kDaemon = DAZONGD_PATH;
const std::string kRedisServer = REDIS_SERVER_PATH;
const std::string kSymbol = "RB-HRB400E";

// Replaces the first match of `pattern` (which must exist) after `from` in `text`.
class ExchangeEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_port_ = FreePort();
    fix_port_ = FreePort();
    redis_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kRedisServer, "--port", std::to_string(redis_port_), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir_.path()},
        dir_ / "redis.log");
    ASSERT_TRUE(redis_->Start());
    ASSERT_TRUE(WaitUntil([&] { return RedisCommand("PING") == "PONG"; }, 10s)) << redis_->log();

    std::string config = testing::ReadFile(kSourceDir + "/config/demo.toml");
    ReplaceOnce(config, "data_dir = \"../var/demo\"", "data_dir = \"" + dir_.path() + "/data\"");
    ReplaceOnce(config, "port = 9878", "port = " + std::to_string(fix_port_), "[fix]");
    ReplaceOnce(config, "dictionary = \"../fix_gateway/spec/FIX44-dazong.xml\"",
                "dictionary = \"" + kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml\"");
    ReplaceOnce(config, "port = 6390", "port = " + std::to_string(redis_port_), "[redis]");
    http_port_ = FreePort();
    ReplaceOnce(config, "port = 8088", "port = " + std::to_string(http_port_), "[http]");
    config_path_ = dir_ / "exchange.toml";
    std::ofstream(config_path_) << config;
  }

  void StartDaemon() {
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kDaemon, "--config", config_path_}, dir_ / "dazongd.log");
    ASSERT_TRUE(daemon_->Start());
    ASSERT_TRUE(WaitUntil([&] { return daemon_->log().find("dazongd ready") != std::string::npos; }, 30s))
        << daemon_->log();
  }

  std::unique_ptr<FixClient> Connect(const std::string& comp_id, const std::string& password) {
    fix_client::FixClientOptions options;
    options.port = fix_port_;
    options.sender_comp_id = comp_id;
    options.password = password;
    options.dictionary_path = kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml";
    options.reconnect_seconds = 1;
    auto client = FixClient::Create(options);
    EXPECT_TRUE(client.ok());
    EXPECT_TRUE((*client)->Start().ok());
    return std::move(*client);
  }

  // Runs a Redis command and returns a simple reply as text ("" on failure).
  std::string RedisCommand(const char* command) {
    redisContext* c = redisConnect("127.0.0.1", redis_port_);
    if (c == nullptr || c->err) {
      if (c != nullptr) redisFree(c);
      return "";
    }
    auto* reply = static_cast<redisReply*>(redisCommand(c, command));
    std::string out;
    if (reply != nullptr && (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_STRING)) {
      out.assign(reply->str, reply->len);
    }
    if (reply != nullptr) freeReplyObject(reply);
    redisFree(c);
    return out;
  }

  // One field of a Redis hash ("" when absent).
  std::string RedisHashField(const std::string& key, const std::string& field) {
    redisContext* c = redisConnect("127.0.0.1", redis_port_);
    if (c == nullptr || c->err) {
      if (c != nullptr) redisFree(c);
      return "";
    }
    auto* reply = static_cast<redisReply*>(redisCommand(c, "HGET %s %s", key.c_str(), field.c_str()));
    std::string out;
    if (reply != nullptr && reply->type == REDIS_REPLY_STRING) out.assign(reply->str, reply->len);
    if (reply != nullptr) freeReplyObject(reply);
    redisFree(c);
    return out;
  }

  // Entries of the instrument's trade stream as field maps.
  std::vector<std::map<std::string, std::string>> TradeStream() {
    std::vector<std::map<std::string, std::string>> out;
    redisContext* c = redisConnect("127.0.0.1", redis_port_);
    if (c == nullptr || c->err) {
      if (c != nullptr) redisFree(c);
      return out;
    }
    const std::string key = "dazong:trades:" + kSymbol;
    auto* reply = static_cast<redisReply*>(redisCommand(c, "XRANGE %s - +", key.c_str()));
    if (reply != nullptr && reply->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < reply->elements; ++i) {
        std::map<std::string, std::string> entry;
        entry["_id"] = reply->element[i]->element[0]->str;
        redisReply* fields = reply->element[i]->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
          entry[fields->element[f]->str] = fields->element[f + 1]->str;
        }
        out.push_back(entry);
      }
    }
    if (reply != nullptr) freeReplyObject(reply);
    redisFree(c);
    return out;
  }

  static std::function<bool(const ReceivedMessage&)> ExecReport(const std::string& cl_ord_id,
                                                                char exec_type) {
    return [=](const ReceivedMessage& m) {
      return m.msg_type == "8" && m.Get(11) == cl_ord_id && m.Get(150) == std::string(1, exec_type);
    };
  }

  testing::TempDir dir_;
  int redis_port_ = 0;
  int fix_port_ = 0;
  int http_port_ = 0;
  std::string config_path_;
  std::unique_ptr<ChildProcess> redis_;
  std::unique_ptr<ChildProcess> daemon_;
};

TEST_F(ExchangeEndToEndTest, TradesSurviveKillAndRestartAndReachRedis) {
  StartDaemon();
  testing::ApiClient api(http_port_);
  ASSERT_EQ(testing::SeedDemoLedger(api), "");
  auto seller = Connect("HUAXIN-OE", "demo-HUAXIN-OE");
  auto buyer = Connect("JINLU-OE", "demo-JINLU-OE");
  ASSERT_TRUE(seller->WaitLoggedOn(20s)) << daemon_->log();
  ASSERT_TRUE(buyer->WaitLoggedOn(20s)) << daemon_->log();

  // The seller rests 20 t at 3650.00; the buyer takes 10 t with a limit of 3660.00.
  ASSERT_TRUE(seller->SendNewOrder({"S-1", kSymbol, '2', '2', "3650.00", "20000", '1'}).ok());
  auto seller_new = seller->WaitFor(ExecReport("S-1", '0'), 10s);
  ASSERT_TRUE(seller_new.has_value()) << daemon_->log();
  EXPECT_EQ(seller_new->Get(39), "0");
  EXPECT_EQ(seller_new->Get(151), "20000");

  ASSERT_TRUE(buyer->SendNewOrder({"B-1", kSymbol, '1', '2', "3660.00", "10000", '0'}).ok());
  auto buyer_new = buyer->WaitFor(ExecReport("B-1", '0'), 10s);
  ASSERT_TRUE(buyer_new.has_value());
  auto buyer_fill = buyer->WaitFor(ExecReport("B-1", 'F'), 10s);
  ASSERT_TRUE(buyer_fill.has_value());
  EXPECT_EQ(buyer_fill->Get(39), "2");          // filled
  EXPECT_EQ(buyer_fill->Get(31), "3650.00");    // at the resting order's price
  EXPECT_EQ(buyer_fill->Get(32), "10000");
  EXPECT_EQ(buyer_fill->Get(14), "10000");
  EXPECT_EQ(buyer_fill->Get(151), "0");
  EXPECT_EQ(buyer_fill->Get(6), "3650.0000");
  EXPECT_EQ(buyer_fill->Get(880), "1");
  auto seller_fill = seller->WaitFor(ExecReport("S-1", 'F'), 10s);
  ASSERT_TRUE(seller_fill.has_value());
  EXPECT_EQ(seller_fill->Get(39), "1");  // partially filled
  EXPECT_EQ(seller_fill->Get(14), "10000");
  EXPECT_EQ(seller_fill->Get(151), "10000");
  EXPECT_EQ(seller_fill->Get(37), seller_new->Get(37));

  // A rejected order comes back with the exchange's reason code and changes nothing.
  ASSERT_TRUE(buyer->SendNewOrder({"B-bad", kSymbol, '1', '2', "3650.50", "10000", '0'}).ok());
  auto rejected = buyer->WaitFor(ExecReport("B-bad", '8'), 10s);
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->Get(20001), "4");
  EXPECT_NE(rejected->Get(58).find("tick"), std::string::npos);

  // Acknowledged means durable: kill -9, then the trade is in RocksDB.
  daemon_->Kill(SIGKILL);
  {
    auto store = exchange::JournalStore::Open(dir_.path() + "/data/journal",
                                              exchange::JournalStore::Mode::kReadOnly);
    ASSERT_TRUE(store.ok()) << store.status();
    auto trade = (*store)->GetTrade(TradeId(1));
    ASSERT_TRUE(trade.ok()) << trade.status();
    EXPECT_EQ(trade->price, Price::FromRaw(365000));
    EXPECT_EQ(trade->quantity, Quantity::FromRaw(10000));
    EXPECT_EQ(trade->buy_cl_ord_id.view(), "B-1");
    EXPECT_EQ(trade->sell_cl_ord_id.view(), "S-1");
    EXPECT_EQ(trade->notional, Money::FromRaw(3650000));  // 10 t × 3650.00 yuan
    // The journal holds the three orders (and the daemon's one-second timer ticks).
    int orders = 0;
    ASSERT_TRUE((*store)->ReadJournal(1, [&](const SequencedCommand& cmd) {
      orders += std::holds_alternative<NewOrderCommand>(cmd.body) ? 1 : 0;
      return absl::OkStatus();
    }).ok());
    EXPECT_EQ(orders, 3);
  }

  // Restart: the book is rebuilt from the journal, so the rest of S-1 trades.
  StartDaemon();
  // The ledger was rebuilt too: the first trade's 10 t were delivered to the buyer.
  ASSERT_TRUE(WaitUntil([&] { return api.Get("M002", "/whoami").status == 200; }, 30s)) << daemon_->log();
  testing::ApiReply holdings = api.Get("M002", "/holdings");
  ASSERT_EQ(holdings.status, 200) << holdings.body.dump();
  int64_t delivered = 0;
  for (const auto& r : holdings.body["receipts"]) {
    if (r["elements"]["commodity"] == "rebar" && r["elements"]["depositor"] == "M001") {
      delivered += r["elements"]["quantity"].get<int64_t>();
    }
  }
  EXPECT_EQ(delivered, 10000);
  ASSERT_TRUE(WaitUntil([&] { return seller->logged_on() && buyer->logged_on(); }, 30s)) << daemon_->log();
  ASSERT_TRUE(buyer->SendNewOrder({"B-2", kSymbol, '1', '2', "3650.00", "10000", '0'}).ok());
  auto second_fill = seller->WaitFor(ExecReport("S-1", 'F'), 10s);
  ASSERT_TRUE(second_fill.has_value()) << daemon_->log();
  EXPECT_EQ(second_fill->Get(39), "2");
  EXPECT_EQ(second_fill->Get(14), "20000");
  EXPECT_EQ(second_fill->Get(880), "2");
  // A ClOrdID used before the restart is still known.
  ASSERT_TRUE(buyer->SendNewOrder({"B-1", kSymbol, '1', '2', "3650.00", "10000", '0'}).ok());
  auto duplicate = buyer->WaitFor(ExecReport("B-1", '8'), 10s);
  ASSERT_TRUE(duplicate.has_value());
  EXPECT_EQ(duplicate->Get(20001), "8");

  // Both trades reach the Redis stream, once each, in order.
  std::vector<std::map<std::string, std::string>> entries;
  ASSERT_TRUE(WaitUntil([&] { entries = TradeStream(); return entries.size() >= 2; }, 10s));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["trade_id"], "1");
  EXPECT_EQ(entries[0]["price"], "3650.00");
  EXPECT_EQ(entries[0]["quantity"], "10000");
  EXPECT_EQ(entries[0]["buyer"], "M002");
  EXPECT_EQ(entries[0]["seller"], "M001");
  EXPECT_EQ(entries[1]["trade_id"], "2");
  EXPECT_EQ(entries[1]["aggressor"], "B");

  // The index service turned the trades into an intraday value of the rebar index.
  std::string latest;
  ASSERT_TRUE(WaitUntil([&] {
    latest = RedisHashField("dazong:index:DZ-RB:latest", "value");
    return !latest.empty();
  }, 15s)) << daemon_->log();
  EXPECT_EQ(latest.rfind("3650", 0), 0u) << latest;

  // Both trades settled; the ledger verifies clean.
  testing::ApiReply verify = api.Get("S001", "/verify");
  ASSERT_EQ(verify.status, 200);
  EXPECT_EQ(verify.body["ok"], true) << verify.body.dump();

  seller->Stop();
  buyer->Stop();
  EXPECT_EQ(WEXITSTATUS(daemon_->Kill(SIGTERM)), 0) << daemon_->log();
}

// The trade stream is published in pipelined batches: while Redis is stalled (SIGSTOP, so
// connections hang instead of failing) trading goes on, and once it resumes every trade is in
// the stream exactly once and in order, although batches sent before the stall are applied
// late and the publisher sends them again.
TEST_F(ExchangeEndToEndTest, TradeStreamGetsEveryTradeOnceInOrderThroughARedisStall) {
  StartDaemon();
  testing::ApiClient api(http_port_);
  testing::DemoSeed seed;
  seed.receipt_kg = 1'000'000;  // 2 × 1,000 t per member: 150 trades of 10 t
  ASSERT_EQ(testing::SeedDemoLedger(api, seed), "");
  auto seller = Connect("HUAXIN-OE", "demo-HUAXIN-OE");
  auto buyer = Connect("JINLU-OE", "demo-JINLU-OE");
  ASSERT_TRUE(seller->WaitLoggedOn(20s)) << daemon_->log();
  ASSERT_TRUE(buyer->WaitLoggedOn(20s)) << daemon_->log();
  ASSERT_TRUE(seller->SendNewOrder({"S-BIG", kSymbol, '2', '2', "3650.00", "1500000", '1'}).ok());
  ASSERT_TRUE(seller->WaitFor(ExecReport("S-BIG", '0'), 10s).has_value()) << daemon_->log();

  int sent = 0;
  auto buy = [&](int n) {  // n <= 50, and one batch a second: under the session's throttle
    std::this_thread::sleep_for(1s);
    for (int i = 0; i < n; ++i) {
      ++sent;
      ASSERT_TRUE(buyer->SendNewOrder({"B-" + std::to_string(sent), kSymbol, '1', '2', "3650.00", "10000", '3'}).ok());
    }
    ASSERT_TRUE(buyer->WaitFor(ExecReport("B-" + std::to_string(sent), 'F'), 20s).has_value()) << daemon_->log();
  };
  buy(50);
  redis_->Signal(SIGSTOP);
  buy(50);  // trading is not held up by Redis
  ASSERT_TRUE(WaitUntil([&] { return daemon_->log().find("redis unavailable") != std::string::npos; }, 20s))
      << daemon_->log();
  redis_->Signal(SIGCONT);
  buy(50);

  std::vector<std::map<std::string, std::string>> entries;
  ASSERT_TRUE(WaitUntil([&] { entries = TradeStream(); return entries.size() >= 150; }, 30s))
      << entries.size() << "\n" << daemon_->log();
  std::this_thread::sleep_for(500ms);  // nothing more arrives
  entries = TradeStream();
  ASSERT_EQ(entries.size(), 150u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i]["trade_id"], std::to_string(i + 1)) << "entry " << i;
  }
  EXPECT_EQ(entries.back()["quantity"], "10000");
  seller->Stop();
  buyer->Stop();
  EXPECT_EQ(WEXITSTATUS(daemon_->Kill(SIGTERM)), 0) << daemon_->log();
}

TEST_F(ExchangeEndToEndTest, LogonWithAWrongPasswordIsRefusedWithAReason) {
  StartDaemon();
  auto intruder = Connect("HUAXIN-OE", "not-the-password");
  EXPECT_FALSE(intruder->WaitLoggedOn(3s));
  EXPECT_TRUE(WaitUntil([&] { return !intruder->last_logout_text().empty(); }, 10s));
  EXPECT_NE(intruder->last_logout_text().find("invalid password"), std::string::npos)
      << intruder->last_logout_text();
  intruder->Stop();
  auto stranger = Connect("NOBODY-OE", "x");
  EXPECT_FALSE(stranger->WaitLoggedOn(3s));
  stranger->Stop();
  EXPECT_TRUE(daemon_->running());
}

TEST_F(ExchangeEndToEndTest, DaemonRefusesToStartOnABadConfigAndSaysWhichKey) {
  std::string config = testing::ReadFile(config_path_);
  ReplaceOnce(config, "tick = \"1.00\"", "tick = \"0.00\"");
  std::ofstream(config_path_) << config;
  ChildProcess daemon({kDaemon, "--config", config_path_}, dir_ / "bad.log");
  ASSERT_TRUE(daemon.Start());
  ASSERT_TRUE(WaitUntil([&] { return !daemon.running(); }, 10s));
  EXPECT_EQ(WEXITSTATUS(daemon.exit_status()), 2);
  const std::string log = daemon.log();
  EXPECT_NE(log.find("configuration error"), std::string::npos) << log;
  EXPECT_NE(log.find("instruments[0].tick"), std::string::npos) << log;
  EXPECT_EQ(log.find("dazongd ready"), std::string::npos) << log;
}

}  // namespace
}  // namespace dazong
