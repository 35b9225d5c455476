// The warehouse-receipt ledger through the daemon's HTTP API: every route for the role that may
// use it and a refusal for the roles that may not, ledger refusals as JSON errors that change
// nothing, and a trade over FIX that settles delivery versus payment with partial fills across
// several receipts (receipts to the buyers, split; cash to the seller; fees to the exchange).
#include <gtest/gtest.h>

#include "../support/process.h"
#include "../support/seed.h"
#include "../support/temp_dir.h"
#include "dazong/fix_client/fix_client.h"

namespace dazong {
namespace {

using testing::ReplaceOnce;
using fix_client::FixClient;
using fix_client::ReceivedMessage;
using nlohmann::json;
using testing::ApiClient;
using testing::ApiReply;
using testing::ChildProcess;
using testing::FreePort;
using testing::WaitUntil;
using namespace std::chrono_literals;

const std::string kSourceDir = DAZONG_SOURCE_DIR;
const std::string kDaemon = DAZONGD_PATH;
const std::string kSymbol = "RB-HRB400E";

class ReceiptsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fix_port_ = FreePort();
    http_port_ = FreePort();
    std::string config = testing::ReadFile(kSourceDir + "/config/demo.toml");
    ReplaceOnce(config, "data_dir = \"../var/demo\"", "data_dir = \"" + dir_.path() + "/data\"");
    ReplaceOnce(config, "port = 9878", "port = " + std::to_string(fix_port_), "[fix]");
    ReplaceOnce(config, "dictionary = \"../fix_gateway/spec/FIX44-dazong.xml\"",
                "dictionary = \"" + kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml\"");
    // No Redis: the publisher retries in the background, trading does not need it.
    ReplaceOnce(config, "port = 6390", "port = " + std::to_string(FreePort()), "[redis]");
    ReplaceOnce(config, "port = 8088", "port = " + std::to_string(http_port_), "[http]");
    config_path_ = dir_ / "exchange.toml";
    std::ofstream(config_path_) << config;
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kDaemon, "--config", config_path_}, dir_ / "dazongd.log");
    ASSERT_TRUE(daemon_->Start());
    ASSERT_TRUE(WaitUntil([&] { return daemon_->log().find("dazongd ready") != std::string::npos; }, 30s))
        << daemon_->log();
    api_ = std::make_unique<ApiClient>(http_port_);
  }
  void TearDown() override {
    if (daemon_ && daemon_->running()) daemon_->Kill(SIGTERM);
  }

  std::unique_ptr<FixClient> Connect(const std::string& comp_id) {
    fix_client::FixClientOptions options;
    options.port = fix_port_;
    options.sender_comp_id = comp_id;
    options.password = "demo-" + comp_id;
    options.dictionary_path = kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml";
    options.reconnect_seconds = 1;
    auto client = FixClient::Create(options);
    EXPECT_TRUE(client.ok());
    EXPECT_TRUE((*client)->Start().ok());
    return std::move(*client);
  }

  static std::function<bool(const ReceivedMessage&)> ExecReport(const std::string& cl_ord_id, char exec_type) {
    return [=](const ReceivedMessage& m) {
      return m.msg_type == "8" && m.Get(11) == cl_ord_id && m.Get(150) == std::string(1, exec_type);
    };
  }

  int64_t Available(const std::string& member) {
    ApiReply r = api_->Get("S001", "/cash?member=" + member);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    if (r.status != 200 || r.body["accounts"].empty()) return -1;
    return r.body["accounts"][0]["available"].get<int64_t>();
  }

  std::vector<json> Holdings(const std::string& member, const std::string& commodity) {
    ApiReply r = api_->Get(member, "/holdings");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    std::vector<json> out;
    for (const json& x : r.body["receipts"]) {
      if (x["elements"]["commodity"] == commodity) out.push_back(x);
    }
    return out;
  }

  void ExpectVerified() {
    ApiReply v = api_->Get("S001", "/verify");
    ASSERT_EQ(v.status, 200);
    EXPECT_EQ(v.body["ok"], true) << v.body.dump();
  }

  testing::TempDir dir_;
  int fix_port_ = 0;
  int http_port_ = 0;
  std::string config_path_;
  std::unique_ptr<ChildProcess> daemon_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(ReceiptsApiTest, EveryRouteForItsRoleAndRefusedForTheOthers) {
  ApiClient& api = *api_;
  // Authentication.
  EXPECT_EQ(api.Get("M001", "/whoami").body["role"], "member");
  EXPECT_EQ(api.Get("WH-SH-01", "/whoami").body["role"], "warehouse");
  EXPECT_EQ(api.Get("B001", "/whoami").body["role"], "bank");
  EXPECT_EQ(api.Get("S001", "/whoami").body["role"], "supervisor");
  EXPECT_EQ(api.Get("OP001", "/whoami").body["role"], "operator");
  ApiReply bad = api.Get("M001", "/whoami", "not-a-token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body["code"], "unauthenticated");

  // Warehouse: stock report and registration.
  const json stock{{"commodity", "rebar"}, {"grade", testing::kDemoRebarGrade}, {"quantity", 1000000}};
  for (const char* who : {"M001", "B001", "S001", "OP001"}) {
    ApiReply r = api.Post(who, "/stock", stock);
    EXPECT_EQ(r.status, 403) << who;
    EXPECT_EQ(r.body["code"], "forbidden") << who;
  }
  ASSERT_EQ(api.Post("WH-SH-01", "/stock", stock).status, 200);
  const json reg{{"serial", 10},
                 {"holder", "M001"},
                 {"elements", testing::DemoElements("M001", "rebar", testing::kDemoRebarGrade, 100000, "LOT-A")}};
  for (const char* who : {"M001", "B001", "S001", "OP001"}) EXPECT_EQ(api.Post(who, "/receipts", reg).status, 403) << who;
  ApiReply issued = api.Post("WH-SH-01", "/receipts", reg);
  ASSERT_EQ(issued.status, 200) << issued.body.dump();
  const int64_t a = issued.body["receipts"][0]["id"].get<int64_t>();
  EXPECT_EQ(issued.body["receipts"][0]["number"], "SHBS000010");
  // A ledger refusal: JSON code + message, and nothing changes.
  ApiReply again = api.Post("WH-SH-01", "/receipts", reg);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["code"], "number_used");
  EXPECT_FALSE(again.body["message"].get<std::string>().empty());
  ApiReply over = api.Post("WH-SH-01", "/receipts",
                           json{{"serial", 11}, {"holder", "M001"},
                                {"elements", testing::DemoElements("M001", "rebar", testing::kDemoRebarGrade, 5000000, "LOT-B")}});
  EXPECT_EQ(over.body["code"], "exceeds_stock") << over.body.dump();
  EXPECT_EQ(api.Post("WH-SH-01", "/receipts", json{{"serial", "x"}}).status, 400);
  EXPECT_EQ(api.Get("WH-SH-01", "/receipts").body["receipts"].size(), 1u);
  EXPECT_EQ(api.Get("WH-TJ-02", "/receipts").body["receipts"].size(), 0u);
  EXPECT_EQ(api.Get("WH-TJ-02", "/receipts?warehouse=WH-SH-01").status, 403);
  for (const char* who : {"M001", "B001"}) EXPECT_EQ(api.Get(who, "/receipts").status, 403) << who;
  EXPECT_EQ(api.Get("S001", "/receipts").body["receipts"].size(), 1u);

  // Reading a receipt: holder, issuer, supervisor yes; another member no.
  const std::string ra = "/receipts/" + std::to_string(a);
  EXPECT_EQ(api.Get("M001", ra).status, 200);
  EXPECT_EQ(api.Get("WH-SH-01", ra).status, 200);
  EXPECT_EQ(api.Get("S001", ra).status, 200);
  EXPECT_EQ(api.Get("M002", ra).status, 403);
  EXPECT_EQ(api.Get("M001", "/receipts/999").status, 404);
  EXPECT_EQ(api.Get("M001", ra + "/history").body["history"].size(), 1u);
  EXPECT_EQ(api.Get("M002", ra + "/history").status, 403);

  // Holder: split, merge, transfer.
  for (const char* who : {"WH-SH-01", "S001", "OP001"}) {
    EXPECT_EQ(api.Post(who, ra + "/split", json{{"quantities", {40000, 60000}}}).status, 403) << who;
  }
  EXPECT_EQ(api.Post("M002", ra + "/split", json{{"quantities", {40000, 60000}}}).body["code"], "not_holder");
  ApiReply split = api.Post("M001", ra + "/split", json{{"quantities", {40000, 60000}}});
  ASSERT_EQ(split.status, 200) << split.body.dump();
  const int64_t c1 = split.body["receipts"][0]["id"].get<int64_t>();
  const int64_t c2 = split.body["receipts"][1]["id"].get<int64_t>();
  for (const char* who : {"WH-SH-01", "S001", "OP001"}) {
    EXPECT_EQ(api.Post(who, "/receipts/merge", json{{"receipts", {c1, c2}}}).status, 403) << who;
  }
  ApiReply merged = api.Post("M001", "/receipts/merge", json{{"receipts", {c1, c2}}});
  ASSERT_EQ(merged.status, 200) << merged.body.dump();
  const int64_t m = merged.body["receipts"][0]["id"].get<int64_t>();
  const std::string rm = "/receipts/" + std::to_string(m);
  for (const char* who : {"WH-SH-01", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/transfer", json{{"to", "M002"}}).status, 403);
  ASSERT_EQ(api.Post("M001", rm + "/transfer", json{{"to", "M002"}}).status, 200);
  ASSERT_EQ(api.Get("M002", "/holdings").body["receipts"].size(), 1u);
  EXPECT_EQ(api.Get("M001", "/holdings?holder=M002").status, 403);
  EXPECT_EQ(api.Get("S001", "/holdings?holder=M002").body["receipts"].size(), 1u);
  EXPECT_EQ(api.Get("WH-SH-01", "/holdings").status, 403);

  // Pledge: member requests, bank accepts, an encumbered receipt cannot move, bank releases.
  for (const char* who : {"WH-SH-01", "B001", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/pledge", json{{"bank", "B001"}}).status, 403);
  ASSERT_EQ(api.Post("M002", rm + "/pledge", json{{"bank", "B001"}}).status, 200);
  for (const char* who : {"M002", "WH-SH-01", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/pledge/accept").status, 403);
  ASSERT_EQ(api.Post("B001", rm + "/pledge/accept").status, 200);
  EXPECT_EQ(api.Post("B001", rm + "/pledge/accept").body["code"], "no_pledge_request");
  EXPECT_EQ(api.Post("M002", rm + "/transfer", json{{"to", "M004"}}).body["code"], "encumbered");
  EXPECT_EQ(api.Post("M002", rm + "/pledge", json{{"bank", "B001"}}).body["code"], "encumbered");
  for (const char* who : {"M002", "WH-SH-01", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/pledge/release").status, 403);
  ASSERT_EQ(api.Post("B001", rm + "/pledge/release").status, 200);
  // Decline: a second request, withdrawn by the holder.
  ASSERT_EQ(api.Post("M002", rm + "/pledge", json{{"bank", "B001"}}).status, 200);
  for (const char* who : {"WH-SH-01", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/pledge/decline").status, 403);
  ASSERT_EQ(api.Post("M002", rm + "/pledge/decline").status, 200);
  // Enforce: pledge again, the bank takes the receipt.
  ASSERT_EQ(api.Post("M002", rm + "/pledge", json{{"bank", "B001"}}).status, 200);
  ASSERT_EQ(api.Post("B001", rm + "/pledge/accept").status, 200);
  for (const char* who : {"M002", "WH-SH-01", "S001", "OP001"}) {
    EXPECT_EQ(api.Post(who, rm + "/pledge/enforce", json{{"reason", "default"}}).status, 403);
  }
  EXPECT_EQ(api.Post("B001", rm + "/pledge/enforce", json::object()).body["code"], "reason_required");
  ASSERT_EQ(api.Post("B001", rm + "/pledge/enforce", json{{"reason", "loan default"}}).status, 200);
  ASSERT_EQ(api.Get("B001", "/holdings").body["receipts"].size(), 1u);
  // The bank (now holder) transfers it back to M002.
  ASSERT_EQ(api.Post("B001", rm + "/transfer", json{{"to", "M002"}}).status, 200);

  // Operator: freeze / unfreeze.
  for (const char* who : {"M002", "WH-SH-01", "B001", "S001"}) {
    EXPECT_EQ(api.Post(who, rm + "/freeze", json{{"reference", "D-1"}, {"reason", "dispute"}}).status, 403);
  }
  ASSERT_EQ(api.Post("OP001", rm + "/freeze", json{{"reference", "D-1"}, {"reason", "dispute"}}).status, 200);
  EXPECT_EQ(api.Post("M002", rm + "/load-out").body["code"], "encumbered");
  for (const char* who : {"M002", "WH-SH-01", "B001", "S001"}) EXPECT_EQ(api.Post(who, rm + "/unfreeze", json{{"reason", "x"}}).status, 403);
  ASSERT_EQ(api.Post("OP001", rm + "/unfreeze", json{{"reason", "settled"}}).status, 200);
  for (const char* who : {"M002", "WH-SH-01", "B001", "S001"}) EXPECT_EQ(api.Post(who, "/receipts/expire").status, 403);
  ASSERT_EQ(api.Post("OP001", "/receipts/expire").status, 200);

  // Load-out: holder requests, issuing warehouse confirms.
  for (const char* who : {"WH-SH-01", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/load-out").status, 403);
  ASSERT_EQ(api.Post("M002", rm + "/load-out").status, 200);
  for (const char* who : {"M002", "B001", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rm + "/load-out/confirm").status, 403);
  EXPECT_EQ(api.Post("WH-TJ-02", rm + "/load-out/confirm").body["code"], "not_issuer");
  ASSERT_EQ(api.Post("WH-SH-01", rm + "/load-out/confirm").status, 200);
  EXPECT_EQ(api.Get("M002", "/holdings").body["receipts"].size(), 0u);

  // Correction: cancel-and-reissue with a reason.
  ApiReply b = api.Post("WH-SH-01", "/receipts",
                        json{{"serial", 12}, {"holder", "M004"},
                             {"elements", testing::DemoElements("M004", "rebar", testing::kDemoRebarGrade, 50000, "LOT-C")}});
  ASSERT_EQ(b.status, 200) << b.body.dump();
  const std::string rb = "/receipts/" + std::to_string(b.body["receipts"][0]["id"].get<int64_t>());
  const json fix{{"new_serial", 13}, {"reason", "wrong brand"},
                 {"elements", testing::DemoElements("M004", "rebar", testing::kDemoRebarGrade, 50000, "LOT-C")}};
  for (const char* who : {"M004", "B001", "S001", "OP001"}) EXPECT_EQ(api.Post(who, rb + "/correct", fix).status, 403);
  ApiReply corrected = api.Post("WH-SH-01", rb + "/correct", fix);
  ASSERT_EQ(corrected.status, 200) << corrected.body.dump();
  EXPECT_EQ(corrected.body["receipts"][0]["number"], "SHBS000013");

  // Cash: the bank deposits and withdraws; members read their own account only.
  const json dep{{"member", "M003"}, {"amount", 1000000}, {"reference", "T-1"}};
  for (const char* who : {"M003", "WH-SH-01", "S001", "OP001"}) {
    EXPECT_EQ(api.Post(who, "/cash/deposit", dep).status, 403);
    EXPECT_EQ(api.Post(who, "/cash/withdraw", dep).status, 403);
  }
  ASSERT_EQ(api.Post("B001", "/cash/deposit", dep).status, 200);
  ASSERT_EQ(api.Post("B001", "/cash/withdraw", json{{"member", "M003"}, {"amount", 400000}}).status, 200);
  EXPECT_EQ(api.Post("B001", "/cash/withdraw", json{{"member", "M003"}, {"amount", 700000}}).body["code"],
            "insufficient_funds");
  EXPECT_EQ(api.Post("B001", "/cash/deposit", json{{"member", "M003"}, {"amount", -5}}).body["code"], "invalid_quantity");
  ApiReply own = api.Get("M003", "/cash");
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.body["accounts"][0]["available"], 600000);
  EXPECT_EQ(api.Get("M003", "/cash?member=M001").status, 403);
  EXPECT_EQ(api.Get("WH-SH-01", "/cash").status, 403);

  // Supervisor reads: disclosure, history, verify.
  ApiReply disclosure = api.Get("S001", "/disclosure/stock?warehouse=WH-SH-01");
  ASSERT_EQ(disclosure.status, 200);
  ASSERT_EQ(disclosure.body["stock"].size(), 1u);
  EXPECT_EQ(disclosure.body["stock"][0]["inspected_stock"], 1000000 - 100000);  // loaded out
  EXPECT_EQ(disclosure.body["stock"][0]["receipted"], 50000);
  EXPECT_EQ(api.Get("WH-SH-01", "/disclosure/stock").status, 200);
  EXPECT_EQ(api.Get("WH-SH-01", "/disclosure/stock?warehouse=WH-TJ-02").status, 403);
  for (const char* who : {"M001", "B001"}) {
    EXPECT_EQ(api.Get(who, "/disclosure/stock").status, 403);
    EXPECT_EQ(api.Get(who, "/verify").status, 403);
    EXPECT_EQ(api.Get(who, "/history").status, 403);
  }
  EXPECT_GT(api.Get("S001", "/history").body["size"].get<int64_t>(), 10);
  // Supervisors cannot write, even where the ledger would check the role itself.
  EXPECT_EQ(api.Post("S001", rb + "/transfer", json{{"to", "M001"}}).status, 403);
  ExpectVerified();

  // Operator: phases, halt, resume, mass cancel; members may not.
  for (const char* who : {"M001", "WH-SH-01", "B001", "S001"}) {
    EXPECT_EQ(api.Post(who, "/instruments/RB-HRB400E/halt").status, 403);
    EXPECT_EQ(api.Post(who, "/instruments/RB-HRB400E/resume").status, 403);
    EXPECT_EQ(api.Post(who, "/instruments/RB-HRB400E/phase", json{{"phase", "CLOSED"}}).status, 403);
    EXPECT_EQ(api.Post(who, "/orders/mass-cancel").status, 403);
  }
  ApiReply halted = api.Post("OP001", "/instruments/RB-HRB400E/halt");
  ASSERT_EQ(halted.status, 200) << halted.body.dump();
  EXPECT_EQ(halted.body["instruments"][0]["phase"], "HALTED");
  ApiReply resumed = api.Post("OP001", "/instruments/RB-HRB400E/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body.dump();
  EXPECT_EQ(resumed.body["instruments"][0]["phase"], "CONTINUOUS");
  ApiReply closed = api.Post("OP001", "/instruments/ALL/phase", json{{"phase", "CLOSED"}});
  ASSERT_EQ(closed.status, 200) << closed.body.dump();
  for (const json& i : closed.body["instruments"]) EXPECT_EQ(i["phase"], "CLOSED");
  EXPECT_EQ(api.Post("OP001", "/instruments/NOPE/halt").status, 404);
  EXPECT_EQ(api.Post("OP001", "/instruments/RB-HRB400E/phase", json{{"phase", "PARTY"}}).status, 400);
  ASSERT_EQ(api.Post("OP001", "/instruments/ALL/phase", json{{"phase", "CONTINUOUS"}}).status, 200);
  ApiReply mc = api.Post("OP001", "/orders/mass-cancel", json{{"instrument", kSymbol}});
  ASSERT_EQ(mc.status, 200) << mc.body.dump();
  EXPECT_EQ(mc.body["cancelled"], 0);
  EXPECT_EQ(api.Get("M001", "/instruments").body["instruments"].size(), 3u);
}

TEST_F(ReceiptsApiTest, TradesOverFixSettleDeliveryVersusPaymentAcrossSeveralReceipts) {
  ASSERT_EQ(testing::SeedDemoLedger(*api_), "");
  const int64_t seller_cash = Available("M001");
  const int64_t buyer2_cash = Available("M002");
  const int64_t buyer4_cash = Available("M004");
  ASSERT_EQ(Holdings("M001", "rebar").size(), 2u);  // two receipts of 100 t

  auto seller = Connect("HUAXIN-OE");
  auto buyer2 = Connect("JINLU-OE");
  auto buyer4 = Connect("DONGFANG-OE");
  ASSERT_TRUE(seller->WaitLoggedOn(20s));
  ASSERT_TRUE(buyer2->WaitLoggedOn(20s));
  ASSERT_TRUE(buyer4->WaitLoggedOn(20s));

  // A sell of 150 t reserves the oldest receipt whole and half of the second.
  ASSERT_TRUE(seller->SendNewOrder({"S-1", kSymbol, '2', '2', "3650.00", "150000", '1'}).ok());
  ASSERT_TRUE(seller->WaitFor(ExecReport("S-1", '0'), 10s).has_value()) << daemon_->log();
  // More than the seller holds is refused (no receipts left).
  ASSERT_TRUE(seller->SendNewOrder({"S-2", kSymbol, '2', '2', "3650.00", "60000", '1'}).ok());
  EXPECT_TRUE(seller->WaitFor(ExecReport("S-2", '8'), 10s).has_value());

  ASSERT_TRUE(buyer2->SendNewOrder({"B-1", kSymbol, '1', '2', "3660.00", "60000", '0'}).ok());
  ASSERT_TRUE(buyer2->WaitFor(ExecReport("B-1", 'F'), 10s).has_value());
  ASSERT_TRUE(buyer4->SendNewOrder({"B-2", kSymbol, '1', '2', "3650.00", "90000", '0'}).ok());
  ASSERT_TRUE(buyer4->WaitFor(ExecReport("B-2", 'F'), 10s).has_value());
  ASSERT_TRUE(seller->WaitFor([](const ReceivedMessage& m) {
    return m.msg_type == "8" && m.Get(11) == "S-1" && m.Get(39) == "2";
  }, 10s).has_value());

  // Receipts: M002 got a 60 t child of the first receipt; M004 the 40 t rest of it and a 50 t
  // child of the second; M001 keeps the other 50 t.
  auto h2 = Holdings("M002", "rebar");
  auto h4 = Holdings("M004", "rebar");
  auto h1 = Holdings("M001", "rebar");
  int64_t q2 = 0, q4 = 0, q1 = 0;
  int64_t delivered_to_4 = 0;
  for (const json& x : h2) {
    if (x["elements"]["depositor"] == "M001") {
      q2 += x["elements"]["quantity"].get<int64_t>();
      EXPECT_EQ(x["parents"].size(), 1u);  // a split child, linked to its parent
    }
  }
  for (const json& x : h4) {
    if (x["elements"]["depositor"] == "M001") {
      q4 += x["elements"]["quantity"].get<int64_t>();
      ++delivered_to_4;
    }
  }
  for (const json& x : h1) q1 += x["elements"]["quantity"].get<int64_t>();
  EXPECT_EQ(q2, 60000);
  EXPECT_EQ(q4, 90000);
  EXPECT_EQ(delivered_to_4, 2);  // from two receipts
  EXPECT_EQ(q1, 50000);

  // Cash: 60 t and 90 t at 3650.00 yuan/t; fees 2 bps each side (minimum 5.00 yuan).
  const int64_t n1 = 60 * 365000, n2 = 90 * 365000;   // fen
  const int64_t f1 = n1 * 2 / 10000, f2 = n2 * 2 / 10000;
  EXPECT_EQ(Available("M001"), seller_cash + n1 - f1 + n2 - f2);
  EXPECT_EQ(Available("M002"), buyer2_cash - n1 - f1);
  EXPECT_EQ(Available("M004"), buyer4_cash - n2 - f2);
  EXPECT_EQ(Available("EXCHANGE-FEES"), 2 * (f1 + f2));
  ApiReply reserved = api_->Get("M002", "/cash");
  EXPECT_EQ(reserved.body["accounts"][0]["reserved"], 0);  // the improvement was released
  ExpectVerified();

  // A buy the member cannot pay for is refused and reserves nothing.
  ASSERT_TRUE(buyer2->SendNewOrder({"B-big", kSymbol, '1', '2', "3650.00", "200000000", '0'}).ok());
  EXPECT_TRUE(buyer2->WaitFor(ExecReport("B-big", '8'), 10s).has_value());
  seller->Stop();
  buyer2->Stop();
  buyer4->Stop();
}

// A sell over real FIX that names the receipt to deliver (NoReceipts(20010) on D): the exchange
// reserves that receipt, not the seller's oldest, and the buyer ends up holding it (a child
// split from it). Bad groups are refused with their reason and reserve nothing.
TEST_F(ReceiptsApiTest, ASellNamingItsReceiptOverFixDeliversThatReceiptToTheBuyer) {
  ASSERT_EQ(testing::SeedDemoLedger(*api_), "");
  auto held = Holdings("M001", "rebar");
  ASSERT_EQ(held.size(), 2u);  // two receipts of 100 t
  // Name the newer of the two, so that the ledger's own choice (oldest first) would differ.
  int64_t oldest = held[0]["id"].get<int64_t>();
  int64_t newest = held[1]["id"].get<int64_t>();
  if (newest < oldest) std::swap(oldest, newest);

  auto seller = Connect("HUAXIN-OE");
  auto buyer = Connect("JINLU-OE");
  ASSERT_TRUE(seller->WaitLoggedOn(20s));
  ASSERT_TRUE(buyer->WaitLoggedOn(20s));
  auto sell = [&](const std::string& cl, const std::string& qty, char side,
                  const std::vector<std::vector<std::pair<int, std::string>>>& entries) {
    return seller->SendRaw("D",
                           {{11, cl}, {55, kSymbol}, {54, std::string(1, side)}, {60, "20261127-02:00:00"},
                            {38, qty}, {40, "2"}, {44, "3650.00"}, {59, "1"}},
                           {FixClient::RawGroup{20010, 20011, entries}});
  };
  auto refused = [&](const std::string& cl) -> std::string {
    auto er = seller->WaitFor(ExecReport(cl, '8'), 10s);
    return er.has_value() ? er->Get(20001) + " " + er->Get(58) : "no reject";
  };
  // Refusals: another member's (or no such) receipt, quantities not summing to OrderQty, a
  // receipt named twice, a buy naming receipts, a malformed receipt id.
  ASSERT_TRUE(sell("N-1", "20000", '2', {{{20011, "999999"}, {20012, "20000"}}}).ok());
  EXPECT_EQ(refused("N-1").substr(0, 2), "12");
  ASSERT_TRUE(sell("N-2", "20000", '2', {{{20011, std::to_string(newest)}, {20012, "10000"}}}).ok());
  EXPECT_NE(refused("N-2").find("sums to 10000 but OrderQty(38) is 20000"), std::string::npos);
  ASSERT_TRUE(sell("N-3", "20000", '2', {{{20011, std::to_string(newest)}, {20012, "10000"}},
                                         {{20011, std::to_string(newest)}, {20012, "10000"}}}).ok());
  EXPECT_NE(refused("N-3").find("named twice"), std::string::npos);
  ASSERT_TRUE(sell("N-4", "20000", '1', {{{20011, std::to_string(newest)}, {20012, "20000"}}}).ok());
  EXPECT_NE(refused("N-4").find("14: only a sell order may name receipts"), std::string::npos);
  ASSERT_TRUE(sell("N-5", "20000", '2', {{{20011, "SHBS000001"}, {20012, "20000"}}}).ok());
  EXPECT_NE(refused("N-5").find("ReceiptID(20011)"), std::string::npos);
  ASSERT_TRUE(sell("N-6", "20000", '2', {{{20011, std::to_string(newest)}, {20012, "2e4"}}}).ok());
  EXPECT_NE(refused("N-6").find("3: ReceiptQty(20012)"), std::string::npos);
  for (const json& x : Holdings("M001", "rebar")) EXPECT_TRUE(x["holds"].empty()) << x.dump();  // nothing reserved

  // 30 t from the newest receipt.
  FixClient::Order named{"S-named", kSymbol, '2', '2', "3650.00", "30000", '1'};
  named.receipts = {{std::to_string(newest), "30000"}};
  ASSERT_TRUE(seller->SendNewOrder(named).ok());
  ASSERT_TRUE(seller->WaitFor(ExecReport("S-named", '0'), 10s).has_value()) << daemon_->log();
  ASSERT_TRUE(buyer->SendNewOrder({"B-named", kSymbol, '1', '2', "3650.00", "30000", '0'}).ok());
  ASSERT_TRUE(buyer->WaitFor(ExecReport("B-named", 'F'), 10s).has_value());
  ASSERT_TRUE(seller->WaitFor([](const ReceivedMessage& m) {
    return m.msg_type == "8" && m.Get(11) == "S-named" && m.Get(39) == "2";
  }, 10s).has_value());

  // The buyer holds 30 t split from the named receipt; the seller's oldest receipt is whole.
  int64_t from_named = 0;
  for (const json& x : Holdings("M002", "rebar")) {
    if (x["elements"]["depositor"] != "M001") continue;
    ASSERT_EQ(x["parents"].size(), 1u) << x.dump();
    EXPECT_EQ(x["parents"][0].get<int64_t>(), newest) << x.dump();
    from_named += x["elements"]["quantity"].get<int64_t>();
  }
  EXPECT_EQ(from_named, 30000);
  bool oldest_whole = false;
  for (const json& x : Holdings("M001", "rebar")) {
    if (x["id"].get<int64_t>() == oldest) oldest_whole = x["elements"]["quantity"].get<int64_t>() == 100000;
  }
  EXPECT_TRUE(oldest_whole);
  ExpectVerified();

  // A replace cannot name receipts: the dictionary does not define the group on G, so the
  // session rejects it (373=2) before the application sees it, and the session stays up.
  ASSERT_TRUE(seller->SendRaw("G",
                              {{41, "S-named"}, {11, "S-named-R"}, {55, kSymbol}, {54, "2"},
                               {60, "20261127-02:00:00"}, {38, "30000"}, {40, "2"}, {44, "3660.00"}},
                              {FixClient::RawGroup{20010, 20011, {{{20011, std::to_string(oldest)}, {20012, "30000"}}}}})
                  .ok());
  auto session_reject = seller->WaitFor([](const ReceivedMessage& m) { return m.msg_type == "3"; }, 10s);
  ASSERT_TRUE(session_reject.has_value());
  EXPECT_EQ(session_reject->Get(373), "2") << session_reject->raw;
  EXPECT_EQ(session_reject->Get(371), "20010") << session_reject->raw;
  ASSERT_TRUE(seller->SendNewOrder({"S-after", kSymbol, '2', '2', "3700.00", "10000", '1'}).ok());
  EXPECT_TRUE(seller->WaitFor(ExecReport("S-after", '0'), 10s).has_value());
  seller->Stop();
  buyer->Stop();
}

}  // namespace
}  // namespace dazong
