// The FIX gateway's Rules of Engagement against the real daemon (docs/fix-rules-of-engagement.md):
// session roles, order ownership, logon refusals, throttling, OrderStatusRequest,
// cancel-on-disconnect, market data, SecurityList, drop copy, a slow consumer that stops
// reading, and sequence recovery across a daemon restart. Real QuickFIX initiators (and one raw
// socket for the consumer that never reads) against dazongd with the demo configuration.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <string>

#include "../support/process.h"
#include "../support/temp_dir.h"
#include "../support/seed.h"
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
using Fields = std::vector<std::pair<int, std::string>>;

const std::string kSourceDir = DAZONG_SOURCE_DIR;
const std::string kDaemon = DAZONGD_PATH;
const std::string kRedisServer = REDIS_SERVER_PATH;
const std::string kSymbol = "RB-HRB400E";
const std::string kDictionary = kSourceDir + "/fix_gateway/spec/FIX44-dazong.xml";

std::function<bool(const ReceivedMessage&)> Type(const std::string& type) {
  return [=](const ReceivedMessage& m) { return m.msg_type == type; };
}
std::function<bool(const ReceivedMessage&)> Er(const std::string& cl_ord_id, char exec_type) {
  return [=](const ReceivedMessage& m) {
    return m.msg_type == "8" && m.Get(11) == cl_ord_id && m.Get(150) == std::string(1, exec_type);
  };
}

std::string Frame(const std::string& type, int seq, const std::string& sender, const std::string& body) {
  std::string inner = "35=" + type + "\x01" + "49=" + sender + "\x01" + "56=DAZONG\x01" + "34=" +
                      std::to_string(seq) + "\x01" + "52=20260101-00:00:00.000\x01" + body;
  std::string msg = "8=FIX.4.4\x01" "9=" + std::to_string(inner.size()) + "\x01" + inner;
  unsigned sum = 0;
  for (unsigned char c : msg) sum += c;
  char trailer[16];
  std::snprintf(trailer, sizeof(trailer), "10=%03u\x01", sum % 256);
  return msg + trailer;
}

class FixGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_port_ = FreePort();
    fix_port_ = FreePort();
    redis_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kRedisServer, "--port", std::to_string(redis_port_), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir_.path()},
        dir_ / "redis.log");
    ASSERT_TRUE(redis_->Start());
    config_ = testing::ReadFile(kSourceDir + "/config/demo.toml");
    ReplaceOnce(config_, "data_dir = \"../var/demo\"", "data_dir = \"" + dir_.path() + "/data\"");
    ReplaceOnce(config_, "port = 9878", "port = " + std::to_string(fix_port_), "[fix]");
    ReplaceOnce(config_, "dictionary = \"../fix_gateway/spec/FIX44-dazong.xml\"",
                "dictionary = \"" + kDictionary + "\"");
    ReplaceOnce(config_, "port = 6390", "port = " + std::to_string(redis_port_), "[redis]");
    http_port_ = FreePort();
    ReplaceOnce(config_, "port = 8088", "port = " + std::to_string(http_port_), "[http]");
  }

  void StartDaemon() {
    const std::string path = dir_ / "exchange.toml";
    std::ofstream(path) << config_;
    daemon_ = std::make_unique<ChildProcess>(std::vector<std::string>{kDaemon, "--config", path},
                                             dir_ / "dazongd.log");
    ASSERT_TRUE(daemon_->Start());
    ASSERT_TRUE(WaitUntil([&] { return daemon_->log().find("dazongd ready") != std::string::npos; }, 30s))
        << daemon_->log();
    if (!seeded_) {
      // With the ledger attached a sell needs receipts and a buy needs cash: the demo
      // warehouses and bank provide them through the API, once (the journal keeps them).
      testing::ApiClient api(http_port_);
      ASSERT_EQ(testing::SeedDemoLedger(api), "");
      seeded_ = true;
    }
  }

  // A logged-on client; its session store lives in the test directory so a reconnect
  // continues the sequence numbers.
  std::unique_ptr<FixClient> Connect(const std::string& comp_id, bool wait = true,
                                     const std::string& password = "") {
    fix_client::FixClientOptions options;
    options.port = fix_port_;
    options.sender_comp_id = comp_id;
    options.password = password.empty() ? "demo-" + comp_id : password;
    options.dictionary_path = kDictionary;
    options.store_dir = dir_ / ("client-" + comp_id);
    options.reconnect_seconds = 1;
    auto client = FixClient::Create(options);
    EXPECT_TRUE(client.ok());
    EXPECT_TRUE((*client)->Start().ok());
    if (wait) {
      EXPECT_TRUE((*client)->WaitLoggedOn(20s)) << comp_id << "\n" << daemon_->log();
    }
    return std::move(*client);
  }

  static absl::Status StatusRequest(FixClient& c, const std::string& cl_ord_id, char side = '1') {
    return c.SendRaw("H", Fields{{11, cl_ord_id}, {55, kSymbol}, {54, std::string(1, side)}});
  }

  // The order's status report (150=I), asked by `cl_ord_id`.
  static std::optional<ReceivedMessage> AskStatus(FixClient& c, const std::string& cl_ord_id, char side = '1') {
    if (!StatusRequest(c, cl_ord_id, side).ok()) return std::nullopt;
    return c.WaitFor(Type("8"), 10s);
  }

  // OrderCancelReplaceRequest (G) of a limit order: new limit `price` and total `quantity`.
  static absl::Status ReplaceRequest(FixClient& c, const std::string& cl_ord_id, const std::string& orig_cl_ord_id,
                                     char side, const std::string& price, const std::string& quantity,
                                     char time_in_force = '0') {
    return c.SendRaw("G", Fields{{11, cl_ord_id}, {41, orig_cl_ord_id}, {55, kSymbol}, {54, std::string(1, side)},
                                 {40, "2"}, {44, price}, {38, quantity}, {59, std::string(1, time_in_force)},
                                 {60, "20260101-00:00:00.000"}});
  }

  static absl::Status MarketDataRequest(FixClient& c, const std::string& req_id, const std::string& symbol,
                                        const std::vector<std::string>& types, char sub_type = '1',
                                        const std::string& depth = "5") {
    FixClient::RawGroup entry_types{267, 269, {}};
    for (const std::string& t : types) entry_types.entries.push_back({{269, t}});
    FixClient::RawGroup symbols{146, 55, {{{55, symbol}}}};
    return c.SendRaw("V", Fields{{262, req_id}, {263, std::string(1, sub_type)}, {264, depth}, {265, "1"}},
                     {entry_types, symbols});
  }

  testing::TempDir dir_;
  std::string config_;
  int redis_port_ = 0;
  int fix_port_ = 0;
  int http_port_ = 0;
  bool seeded_ = false;
  std::unique_ptr<ChildProcess> redis_;
  std::unique_ptr<ChildProcess> daemon_;
};

TEST_F(FixGatewayTest, EachSessionMaySendOnlyWhatItsRoleAllowsAndTouchOnlyItsOwnOrders) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");
  auto jinlu = Connect("JINLU-OE");
  auto md = Connect("HUAXIN-MD");
  auto drop = Connect("SUPV-DC");

  // A market-data session cannot enter orders; an order-entry session cannot subscribe; a
  // drop-copy session cannot enter orders either.
  ASSERT_TRUE(md->SendNewOrder({"MD-1", kSymbol, '1', '2', "3650.00", "10000", '0'}).ok());
  auto refused = md->WaitFor(Type("j"), 10s);
  ASSERT_TRUE(refused.has_value()) << daemon_->log();
  EXPECT_EQ(refused->Get(380), "6");
  EXPECT_EQ(refused->Get(20001), "9");
  EXPECT_NE(refused->Get(58).find("market_data session cannot send MsgType D"), std::string::npos);
  ASSERT_TRUE(MarketDataRequest(*huaxin, "R1", kSymbol, {"0", "1"}).ok());
  auto refused_md = huaxin->WaitFor(Type("j"), 10s);
  ASSERT_TRUE(refused_md.has_value());
  EXPECT_EQ(refused_md->Get(380), "6");
  ASSERT_TRUE(drop->SendNewOrder({"DC-1", kSymbol, '1', '2', "3650.00", "10000", '0'}).ok());
  ASSERT_TRUE(drop->WaitFor(Type("j"), 10s).has_value());

  // An application message the exchange does not accept from members (a BusinessMessageReject
  // of its own): BusinessMessageReject 380=3.
  ASSERT_TRUE(huaxin->SendRaw("j", Fields{{372, "D"}, {380, "0"}}).ok());
  auto unsupported = huaxin->WaitFor(Type("j"), 10s);
  ASSERT_TRUE(unsupported.has_value());
  EXPECT_EQ(unsupported->Get(380), "3");
  // Positions are for order-entry sessions only.
  ASSERT_TRUE(md->SendRaw("AN", Fields{{710, "P0"}, {724, "0"}, {60, "20260101-00:00:00"}}).ok());
  auto no_positions = md->WaitFor(Type("j"), 10s);
  ASSERT_TRUE(no_positions.has_value());
  EXPECT_EQ(no_positions->Get(380), "6");

  // Jinlu cannot cancel, replace or even see Huaxin's order, though it names its ClOrdID.
  ASSERT_TRUE(huaxin->SendNewOrder({"H-1", kSymbol, '2', '2', "3700.00", "20000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("H-1", '0'), 10s).has_value());
  ASSERT_TRUE(jinlu->SendCancel("J-C1", "H-1", kSymbol, '2').ok());
  auto cancel_reject = jinlu->WaitFor(Type("9"), 10s);
  ASSERT_TRUE(cancel_reject.has_value());
  EXPECT_EQ(cancel_reject->Get(102), "1");  // unknown order
  ASSERT_TRUE(StatusRequest(*jinlu, "H-1", '2').ok());
  auto status = jinlu->WaitFor(Type("8"), 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->Get(150), "I");
  EXPECT_EQ(status->Get(39), "8");
  EXPECT_EQ(status->Get(20001), "7");
  // Huaxin's own order is still open.
  ASSERT_TRUE(StatusRequest(*huaxin, "H-1", '2').ok());
  auto own = huaxin->WaitFor(Type("8"), 10s);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->Get(150), "I");
  EXPECT_EQ(own->Get(39), "0");
  EXPECT_EQ(own->Get(151), "20000");
  EXPECT_TRUE(daemon_->running());
}

TEST_F(FixGatewayTest, LogonRefusals) {
  StartDaemon();
  auto first = Connect("JINLU-OE");
  // A second connection for a CompID that is logged on is refused with a Logout that says why
  // (the exchange's acceptor looks at the Logon before QuickFIX, which would close the
  // connection without a word); the first session stays up.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(fix_port_));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string logon = Frame("A", 1, "JINLU-OE", "98=0\x01" "108=30\x01" "554=demo-JINLU-OE\x01");
  const auto sent_at = std::chrono::steady_clock::now();
  ASSERT_GT(send(fd, logon.data(), logon.size(), MSG_NOSIGNAL), 0);
  char buf[1024];
  std::string reply;
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
  const auto took = std::chrono::steady_clock::now() - sent_at;
  close(fd);
  EXPECT_EQ(reply.find("35=A"), std::string::npos) << reply;
  EXPECT_NE(reply.find("35=5\x01"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\x01" "49=DAZONG\x01"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\x01" "56=JINLU-OE\x01"), std::string::npos) << reply;
  EXPECT_NE(reply.find("58=CompID is already logged on\x01"), std::string::npos) << reply;
  EXPECT_LT(took, 5s);
  // (A QuickFIX initiator shows this Text as the Logout's, like the password refusal below;
  // a second initiator of the same session cannot run in this process: QuickFIX's session
  // registry is per process.)
  EXPECT_TRUE(first->logged_on());
  ASSERT_TRUE(first->SendNewOrder({"J-1", kSymbol, '1', '2', "3600.00", "10000", '0'}).ok());
  EXPECT_TRUE(first->WaitFor(Er("J-1", '0'), 10s).has_value());

  // A wrong password, a wrong Username and a disabled member's session are refused with a
  // Logout that says why.
  auto wrong = Connect("HUAXIN-OE", false, "nope");
  EXPECT_TRUE(WaitUntil([&] { return !wrong->last_logout_text().empty(); }, 10s));
  EXPECT_NE(wrong->last_logout_text().find("invalid password"), std::string::npos);
  wrong->Stop();
  EXPECT_TRUE(first->logged_on());
}

TEST_F(FixGatewayTest, OrderStatusFollowsTheOrderAndTheThrottleRefusesTheExcess) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");
  auto jinlu = Connect("JINLU-OE");
  ASSERT_TRUE(huaxin->SendNewOrder({"S-1", kSymbol, '2', '2', "3650.00", "30000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("S-1", '0'), 10s).has_value());
  ASSERT_TRUE(jinlu->SendNewOrder({"B-1", kSymbol, '1', '2', "3650.00", "10000", '0'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("S-1", 'F'), 10s).has_value());
  ASSERT_TRUE(StatusRequest(*huaxin, "S-1", '2').ok());
  auto status = huaxin->WaitFor(Er("S-1", 'I'), 10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->Get(39), "1");
  EXPECT_EQ(status->Get(14), "10000");
  EXPECT_EQ(status->Get(151), "20000");
  EXPECT_EQ(status->Get(6), "3650.0000");

  // JINLU-OE may send 100 messages per second: 150 status requests at once, and the excess
  // is refused with RejectCode 16, while the session stays up.
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(StatusRequest(*jinlu, "B-1").ok());
  auto throttled = jinlu->WaitFor([](const ReceivedMessage& m) { return m.msg_type == "j" && m.Get(20001) == "16"; }, 10s);
  ASSERT_TRUE(throttled.has_value()) << daemon_->log();
  EXPECT_NE(throttled->Get(58).find("more than 100 messages per second"), std::string::npos);
  std::this_thread::sleep_for(1100ms);
  ASSERT_TRUE(jinlu->SendNewOrder({"B-2", kSymbol, '1', '2', "3600.00", "10000", '0'}).ok());
  EXPECT_TRUE(jinlu->WaitFor(Er("B-2", '0'), 10s).has_value());
}

// OrderCancelReplaceRequest (G) with its ClOrdID chain, OrderMassCancelRequest (q) with its
// report, a TestRequest, and malformed messages refused with a session Reject (3) naming the
// tag and the reason, over real sessions; the session survives every refusal.
TEST_F(FixGatewayTest, ReplaceMassCancelTestRequestAndMalformedMessages) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");
  auto jinlu = Connect("JINLU-OE");
  const std::string now = "20260101-00:00:00.000";
  ASSERT_TRUE(huaxin->SendNewOrder({"R-1", kSymbol, '1', '2', "3600.00", "10000", '0'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("R-1", '0'), 10s).has_value()) << daemon_->log();

  // Replace: a new price and a larger total quantity. The report carries both ClOrdIDs.
  ASSERT_TRUE(ReplaceRequest(*huaxin, "R-2", "R-1", '1', "3610.00", "20000").ok());
  auto replaced = huaxin->WaitFor(Er("R-2", '5'), 10s);
  ASSERT_TRUE(replaced.has_value()) << daemon_->log();
  EXPECT_EQ(replaced->Get(41), "R-1");
  EXPECT_EQ(replaced->Get(39), "0");
  EXPECT_EQ(replaced->Get(38), "20000");
  EXPECT_EQ(replaced->Get(151), "20000");
  EXPECT_EQ(replaced->Get(14), "0");
  EXPECT_EQ(std::stod(replaced->Get(44)), 3610.0);
  const std::string order_id = replaced->Get(37);
  EXPECT_FALSE(order_id.empty());

  // Another member cannot replace it, though it names the current ClOrdID.
  ASSERT_TRUE(ReplaceRequest(*jinlu, "J-R1", "R-2", '1', "3500.00", "10000").ok());
  auto not_yours = jinlu->WaitFor(Type("9"), 10s);
  ASSERT_TRUE(not_yours.has_value());
  EXPECT_EQ(not_yours->Get(11), "J-R1");
  EXPECT_EQ(not_yours->Get(41), "R-2");
  EXPECT_EQ(not_yours->Get(434), "2");  // a replace was refused
  EXPECT_EQ(not_yours->Get(102), "1");  // unknown order

  // A replace naming the ClOrdID the order had before its latest (built on its older state,
  // e.g. sent before the first replace's report) is refused, and changes nothing.
  ASSERT_TRUE(ReplaceRequest(*huaxin, "R-3", "R-1", '1', "3620.00", "20000").ok());
  auto stale = huaxin->WaitFor(Type("9"), 10s);
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(stale->Get(11), "R-3");
  EXPECT_EQ(stale->Get(41), "R-1");
  EXPECT_EQ(stale->Get(434), "2");
  EXPECT_EQ(stale->Get(102), "99");
  EXPECT_EQ(stale->Get(20001), "26");

  // Any of its ClOrdIDs finds the order, as replaced.
  auto status = AskStatus(*huaxin, "R-1");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->Get(150), "I");
  EXPECT_EQ(status->Get(37), order_id);
  EXPECT_EQ(status->Get(151), "20000");
  EXPECT_EQ(std::stod(status->Get(44)), 3610.0);

  // Mass cancel of all Huaxin's orders: a cancel report for each, then the mass-cancel
  // report with the count; Jinlu's order stays.
  ASSERT_TRUE(huaxin->SendNewOrder({"R-4", kSymbol, '1', '2', "3590.00", "10000", '0'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("R-4", '0'), 10s).has_value());
  ASSERT_TRUE(jinlu->SendNewOrder({"J-9", kSymbol, '1', '2', "3580.00", "10000", '0'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-9", '0'), 10s).has_value());
  ASSERT_TRUE(huaxin->SendRaw("q", Fields{{11, "MC-1"}, {530, "7"}, {60, now}}).ok());
  auto mass = huaxin->WaitFor(Type("r"), 10s);
  ASSERT_TRUE(mass.has_value()) << daemon_->log();
  EXPECT_EQ(mass->Get(11), "MC-1");
  EXPECT_EQ(mass->Get(530), "7");
  EXPECT_EQ(mass->Get(531), "7");
  EXPECT_EQ(mass->Get(533), "2");
  for (const char* id : {"R-2", "R-4"}) {
    auto cancelled = huaxin->WaitFor(Er(id, '4'), 10s);
    ASSERT_TRUE(cancelled.has_value()) << id;
    EXPECT_EQ(cancelled->Get(39), "4");
    EXPECT_EQ(cancelled->Get(151), "0");
  }
  // The cancelled order's status, asked by the ClOrdID it had before its replace: its final
  // state, as reported.
  auto final_state = AskStatus(*huaxin, "R-1");
  ASSERT_TRUE(final_state.has_value());
  EXPECT_EQ(final_state->Get(150), "I");
  EXPECT_EQ(final_state->Get(11), "R-1");
  EXPECT_EQ(final_state->Get(37), order_id);
  EXPECT_EQ(final_state->Get(39), "4") << final_state->raw;
  EXPECT_EQ(final_state->Get(151), "0");
  auto still_open = AskStatus(*jinlu, "J-9");
  ASSERT_TRUE(still_open.has_value());
  EXPECT_EQ(still_open->Get(39), "0");

  // TestRequest: a Heartbeat with the TestReqID.
  ASSERT_TRUE(huaxin->SendRaw("1", Fields{{112, "TR-1"}}).ok());
  auto heartbeat = huaxin->WaitFor([](const ReceivedMessage& m) { return m.msg_type == "0" && m.Get(112) == "TR-1"; }, 10s);
  EXPECT_TRUE(heartbeat.has_value());

  // Malformed orders: a Side outside its values, and a required tag missing. Each gets a
  // session Reject with RefTagID(371) and SessionRejectReason(373); no order is entered.
  ASSERT_TRUE(huaxin->SendRaw("D", Fields{{11, "BAD-1"}, {55, kSymbol}, {54, "9"}, {40, "2"}, {44, "3600.00"},
                                          {38, "10000"}, {59, "0"}, {60, now}})
                  .ok());
  auto bad_side = huaxin->WaitFor(Type("3"), 10s);
  ASSERT_TRUE(bad_side.has_value()) << daemon_->log();
  EXPECT_EQ(bad_side->Get(371), "54");
  EXPECT_EQ(bad_side->Get(373), "5");  // value is incorrect for this tag
  EXPECT_FALSE(bad_side->Get(45).empty());
  ASSERT_TRUE(huaxin->SendRaw("D", Fields{{11, "BAD-2"}, {54, "1"}, {40, "2"}, {44, "3600.00"}, {38, "10000"},
                                          {59, "0"}, {60, now}})
                  .ok());
  auto no_symbol = huaxin->WaitFor(Type("3"), 10s);
  ASSERT_TRUE(no_symbol.has_value());
  EXPECT_EQ(no_symbol->Get(371), "55");
  EXPECT_EQ(no_symbol->Get(373), "1");  // required tag missing
  auto never_entered = AskStatus(*huaxin, "BAD-1");
  ASSERT_TRUE(never_entered.has_value());
  EXPECT_EQ(never_entered->Get(39), "8");  // unknown: it was never entered

  // The session is still up and trading.
  EXPECT_TRUE(huaxin->logged_on());
  ASSERT_TRUE(huaxin->SendNewOrder({"R-5", kSymbol, '1', '2', "3600.00", "10000", '0'}).ok());
  EXPECT_TRUE(huaxin->WaitFor(Er("R-5", '0'), 10s).has_value());
  EXPECT_TRUE(daemon_->running());
}

TEST_F(FixGatewayTest, CancelOnDisconnectCancelsOnlyThatSessionsOrders) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");  // cancel_on_disconnect = true in the demo config
  auto jinlu = Connect("JINLU-OE");    // cancel_on_disconnect = false
  ASSERT_TRUE(huaxin->SendNewOrder({"H-1", kSymbol, '2', '2', "3700.00", "10000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("H-1", '0'), 10s).has_value());
  // An order replaced several times is cancelled by its latest ClOrdID (the gateway also
  // knows it by each earlier one, with the state it had then).
  ASSERT_TRUE(huaxin->SendNewOrder({"H-2", kSymbol, '2', '2', "3710.00", "10000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("H-2", '0'), 10s).has_value());
  std::string latest = "H-2";
  for (int i = 1; i <= 6; ++i) {
    const std::string cl = "H-2." + std::to_string(i);
    ASSERT_TRUE(ReplaceRequest(*huaxin, cl, latest, '2', std::to_string(3710 + 10 * i) + ".00", "10000", '1').ok());
    ASSERT_TRUE(huaxin->WaitFor(Er(cl, '5'), 10s).has_value()) << cl << "\n" << daemon_->log();
    latest = cl;
  }
  ASSERT_TRUE(jinlu->SendNewOrder({"J-1", kSymbol, '1', '2', "3600.00", "10000", '1'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-1", '0'), 10s).has_value());
  huaxin->Stop();
  jinlu->Stop();
  ASSERT_TRUE(WaitUntil([&] { return daemon_->log().find("cancel on disconnect, 2 open orders") != std::string::npos; }, 10s))
      << daemon_->log();
  auto huaxin2 = Connect("HUAXIN-OE");
  auto jinlu2 = Connect("JINLU-OE");
  // The cancel reached Huaxin's session while it was away (resent on logon) and the status says so.
  ASSERT_TRUE(WaitUntil([&] {
    (void)StatusRequest(*huaxin2, "H-1", '2');
    auto s = huaxin2->WaitFor(Er("H-1", 'I'), 2s);
    return s.has_value() && s->Get(39) == "4";
  }, 10s)) << daemon_->log();
  ASSERT_TRUE(StatusRequest(*huaxin2, latest, '2').ok());
  auto replaced = huaxin2->WaitFor(Er(latest, 'I'), 10s);
  ASSERT_TRUE(replaced.has_value());
  EXPECT_EQ(replaced->Get(39), "4") << daemon_->log();
  ASSERT_TRUE(StatusRequest(*jinlu2, "J-1").ok());
  auto j = jinlu2->WaitFor(Er("J-1", 'I'), 10s);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->Get(39), "0");
}

TEST_F(FixGatewayTest, MarketDataSnapshotIncrementalsAndRejects) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");
  auto jinlu = Connect("JINLU-OE");
  auto md = Connect("HUAXIN-MD");
  ASSERT_TRUE(huaxin->SendNewOrder({"S-1", kSymbol, '2', '2', "3660.00", "20000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("S-1", '0'), 10s).has_value());

  ASSERT_TRUE(MarketDataRequest(*md, "R1", kSymbol, {"0", "1", "2"}).ok());
  auto snapshot = md->WaitFor(Type("W"), 10s);
  ASSERT_TRUE(snapshot.has_value()) << daemon_->log();
  EXPECT_EQ(snapshot->Get(262), "R1");
  EXPECT_EQ(snapshot->Get(55), kSymbol);
  EXPECT_EQ(snapshot->Get(326), "17");
  EXPECT_EQ(snapshot->Get(625), "3");
  EXPECT_NE(snapshot->raw.find("269=1|"), std::string::npos) << snapshot->raw;
  EXPECT_NE(snapshot->raw.find("270=3660.00|271=20000|"), std::string::npos) << snapshot->raw;

  // A new bid level, then a trade: incremental refreshes.
  ASSERT_TRUE(jinlu->SendNewOrder({"B-1", kSymbol, '1', '2', "3640.00", "10000", '1'}).ok());
  auto bid = md->WaitFor([](const ReceivedMessage& m) {
    return m.msg_type == "X" && m.raw.find("269=0|") != std::string::npos && m.raw.find("270=3640.00") != std::string::npos;
  }, 10s);
  ASSERT_TRUE(bid.has_value());
  EXPECT_NE(bid->raw.find("279=0|"), std::string::npos) << bid->raw;
  ASSERT_TRUE(jinlu->SendNewOrder({"B-2", kSymbol, '1', '2', "3660.00", "10000", '0'}).ok());
  auto trade = md->WaitFor([](const ReceivedMessage& m) {
    return m.msg_type == "X" && m.raw.find("269=2|") != std::string::npos;
  }, 10s);
  ASSERT_TRUE(trade.has_value());
  EXPECT_NE(trade->raw.find("270=3660.00|271=10000|"), std::string::npos) << trade->raw;
  EXPECT_NE(trade->raw.find("20041=1"), std::string::npos) << trade->raw;

  // Rejects: unknown symbol, unsupported entry type, depth too large, duplicate and unknown ids.
  ASSERT_TRUE(MarketDataRequest(*md, "R2", "NOPE", {"0"}).ok());
  auto bad_symbol = md->WaitFor(Type("Y"), 10s);
  ASSERT_TRUE(bad_symbol.has_value());
  EXPECT_EQ(bad_symbol->Get(281), "0");
  EXPECT_EQ(bad_symbol->Get(20001), "1");
  ASSERT_TRUE(MarketDataRequest(*md, "R3", kSymbol, {"9"}).ok());
  auto bad_type = md->WaitFor(Type("Y"), 10s);
  ASSERT_TRUE(bad_type.has_value());
  EXPECT_EQ(bad_type->Get(281), "8");
  ASSERT_TRUE(MarketDataRequest(*md, "R4", kSymbol, {"0"}, '1', "50").ok());
  auto bad_depth = md->WaitFor(Type("Y"), 10s);
  ASSERT_TRUE(bad_depth.has_value());
  EXPECT_EQ(bad_depth->Get(281), "5");
  ASSERT_TRUE(MarketDataRequest(*md, "R1", kSymbol, {"0"}).ok());
  auto duplicate = md->WaitFor(Type("Y"), 10s);
  ASSERT_TRUE(duplicate.has_value());
  EXPECT_EQ(duplicate->Get(281), "1");
  ASSERT_TRUE(MarketDataRequest(*md, "R9", kSymbol, {"0"}, '2').ok());
  auto unknown = md->WaitFor(Type("Y"), 10s);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->Get(262), "R9");

  // Unsubscribe: no more incrementals.
  ASSERT_TRUE(MarketDataRequest(*md, "R1", kSymbol, {"0"}, '2').ok());
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(jinlu->SendNewOrder({"B-3", kSymbol, '1', '2', "3630.00", "10000", '1'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("B-3", '0'), 10s).has_value());
  EXPECT_FALSE(md->WaitFor([](const ReceivedMessage& m) {
    return m.msg_type == "X" && m.raw.find("270=3630.00") != std::string::npos;
  }, 1s).has_value());

  // With no subscription left the market-data thread is woken lazily; a new request still
  // finds the book as of every report already sent (here B-3's level).
  ASSERT_TRUE(MarketDataRequest(*md, "R5", kSymbol, {"0", "1"}).ok());
  auto again = md->WaitFor([](const ReceivedMessage& m) { return m.msg_type == "W" && m.Get(262) == "R5"; }, 10s);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->raw.find("270=3630.00|271=10000|"), std::string::npos) << again->raw;
}

TEST_F(FixGatewayTest, SecurityListAndDropCopy) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");
  auto jinlu = Connect("JINLU-OE");
  auto drop = Connect("SUPV-DC");
  ASSERT_TRUE(huaxin->SendRaw("x", Fields{{320, "L1"}, {559, "4"}}).ok());
  auto list = huaxin->WaitFor(Type("y"), 10s);
  ASSERT_TRUE(list.has_value()) << daemon_->log();
  EXPECT_EQ(list->Get(560), "0");
  EXPECT_EQ(list->Get(393), "3");
  // Rebar: lot 10 t, tick 1.00, reference 3650.00 with a 5% band rounded inward to ticks.
  EXPECT_NE(list->raw.find("55=RB-HRB400E|"), std::string::npos) << list->raw;
  EXPECT_NE(list->raw.find("561=10000|"), std::string::npos) << list->raw;
  EXPECT_NE(list->raw.find("969=1.00|"), std::string::npos) << list->raw;
  EXPECT_NE(list->raw.find("20020=3468.00|"), std::string::npos) << list->raw;
  EXPECT_NE(list->raw.find("20021=3832.00|"), std::string::npos) << list->raw;
  EXPECT_NE(list->raw.find("625=3|"), std::string::npos) << list->raw;
  ASSERT_TRUE(drop->SendRaw("x", Fields{{320, "L2"}, {559, "0"}, {55, "NOPE"}}).ok());
  auto none = drop->WaitFor(Type("y"), 10s);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->Get(560), "2");

  ASSERT_TRUE(huaxin->SendNewOrder({"S-1", kSymbol, '2', '2', "3650.00", "10000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("S-1", '0'), 10s).has_value());
  ASSERT_TRUE(jinlu->SendNewOrder({"B-1", kSymbol, '1', '2', "3650.00", "10000", '0'}).ok());
  auto capture = drop->WaitFor(Type("AE"), 10s);
  ASSERT_TRUE(capture.has_value()) << daemon_->log();
  EXPECT_EQ(capture->Get(571), "1");
  EXPECT_EQ(capture->Get(31), "3650.00");
  EXPECT_EQ(capture->Get(32), "10000");
  EXPECT_NE(capture->raw.find("448=M002|"), std::string::npos) << capture->raw;
  EXPECT_NE(capture->raw.find("448=M001|"), std::string::npos) << capture->raw;
  EXPECT_NE(capture->raw.find("11=B-1|"), std::string::npos) << capture->raw;
}

// ---- A consumer that stops reading.

TEST_F(FixGatewayTest, RequestForPositionsReportsReceiptsByStateAndCash) {
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");  // M001: two 100 t rebar receipts, 500 million yuan
  ASSERT_TRUE(huaxin->SendNewOrder({"S-1", kSymbol, '2', '2', "3700.00", "20000", '1'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("S-1", '0'), 10s).has_value());

  auto position_report = [&](const std::string& req_id) {
    return [req_id](const ReceivedMessage& m) { return m.msg_type == "AP" && m.Get(710) == req_id; };
  };
  ASSERT_TRUE(huaxin->SendRaw("AN", Fields{{710, "P1"}, {724, "0"}, {55, kSymbol}, {60, "20260101-00:00:00"}}).ok());
  auto ap = huaxin->WaitFor(position_report("P1"), 10s);
  ASSERT_TRUE(ap.has_value()) << daemon_->log();
  EXPECT_EQ(ap->Get(728), "0");
  EXPECT_EQ(ap->Get(727), "1");
  EXPECT_EQ(ap->Get(1), "M001");
  EXPECT_EQ(ap->Get(55), kSymbol);
  EXPECT_EQ(ap->Get(715).size(), 8u);
  EXPECT_EQ(ap->Get(20030), "500000000.00");  // cash available (the sell reserves no cash)
  EXPECT_EQ(ap->Get(20031), "0.00");
  // The sell of 20 t reserved part of the oldest receipt: per state, then per receipt.
  EXPECT_NE(ap->raw.find("|703=AVL|704=180000|"), std::string::npos) << ap->raw;
  EXPECT_NE(ap->raw.find("|703=RSV|704=20000|"), std::string::npos) << ap->raw;
  EXPECT_NE(ap->raw.find("|703=PLG|704=0|"), std::string::npos) << ap->raw;
  EXPECT_NE(ap->raw.find("|20012=20000|20013=WH-SH-01|20014=RESERVED|"), std::string::npos) << ap->raw;
  EXPECT_NE(ap->raw.find("|20012=100000|20013=WH-SH-01|20014=AVAILABLE|"), std::string::npos) << ap->raw;
  // Each receipt also carries its ledger id (20016), the id a sell order names in ReceiptID:
  // the oldest is the first receipt the seeding registered, ledger id 1.
  EXPECT_NE(ap->raw.find(std::string("|20014=RESERVED|20015=") + testing::kDemoRebarGrade + "|20016=1|"),
            std::string::npos)
      << ap->raw;

  // Every instrument: one report each, numbered.
  ASSERT_TRUE(huaxin->SendRaw("AN", Fields{{710, "P2"}, {724, "0"}, {60, "20260101-00:00:00"}}).ok());
  std::set<std::string> symbols;
  for (int i = 0; i < 3; ++i) {
    auto report = huaxin->WaitFor(position_report("P2"), 10s);
    ASSERT_TRUE(report.has_value()) << i;
    EXPECT_EQ(report->Get(727), "3");
    symbols.insert(report->Get(55));
  }
  EXPECT_EQ(symbols.size(), 3u);

  // Refusals: someone else's account, an unknown symbol.
  ASSERT_TRUE(huaxin->SendRaw("AN", Fields{{710, "P3"}, {724, "0"}, {1, "M002"}, {60, "20260101-00:00:00"}}).ok());
  auto not_yours = huaxin->WaitFor(position_report("P3"), 10s);
  ASSERT_TRUE(not_yours.has_value());
  EXPECT_EQ(not_yours->Get(728), "3");
  EXPECT_EQ(not_yours->Get(727), "0");
  EXPECT_FALSE(not_yours->Has(702));
  ASSERT_TRUE(huaxin->SendRaw("AN", Fields{{710, "P4"}, {724, "0"}, {55, "NOPE"}, {60, "20260101-00:00:00"}}).ok());
  auto unknown = huaxin->WaitFor(position_report("P4"), 10s);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->Get(728), "2");
  EXPECT_NE(unknown->Get(58).find("unknown Symbol(55) NOPE"), std::string::npos);
}

TEST_F(FixGatewayTest, AMemberThatStopsReadingIsDisconnectedAndDoesNotSlowOthers) {
  ReplaceOnce(config_, "heartbeat_seconds = 30", "heartbeat_seconds = 30\noutbound_queue = 64", "[fix]");
  StartDaemon();
  auto jinlu = Connect("JINLU-OE");

  // DONGFANG-OE logs on over a raw socket with a tiny receive buffer, then sends orders and
  // never reads another byte.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 2048;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(fix_port_));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string logon = Frame("A", 1, "DONGFANG-OE", "98=0\x01" "108=30\x01" "554=demo-DONGFANG-OE\x01");
  ASSERT_EQ(send(fd, logon.data(), logon.size(), 0), static_cast<ssize_t>(logon.size()));
  char buf[512];
  ASSERT_GT(recv(fd, buf, sizeof(buf), 0), 0);
  std::atomic<bool> blasting{true};
  std::thread blaster([&] {
    for (int i = 0; i < 3000 && blasting.load(); ++i) {
      const std::string order = Frame(
          "D", i + 2, "DONGFANG-OE",
          "11=D-" + std::to_string(i) + "\x01" "55=" + kSymbol + "\x01" "54=2\x01" "60=20260101-00:00:00\x01"
          "38=10000\x01" "40=2\x01" "44=3800.00\x01" "59=0\x01");
      if (send(fd, order.data(), order.size(), MSG_NOSIGNAL) < 0) return;
      if (i % 100 == 99) std::this_thread::sleep_for(110ms);  // under its 1,000/s throttle
    }
  });

  // Meanwhile Jinlu trades as usual: every order is acknowledged promptly.
  std::chrono::microseconds worst{0};
  for (int i = 0; i < 40; ++i) {
    const std::string id = "J-" + std::to_string(i);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(jinlu->SendNewOrder({id, kSymbol, '1', '2', "3500.00", "10000", '0'}).ok());
    ASSERT_TRUE(jinlu->WaitFor(Er(id, '0'), 10s).has_value()) << daemon_->log();
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - start));
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return daemon_->log().find("DONGFANG-OE: slow consumer") != std::string::npos; }, 20s))
      << daemon_->log();
  blasting.store(false);
  blaster.join();
  close(fd);
  EXPECT_LT(worst, std::chrono::microseconds(500000)) << "worst order round trip for the other member";
  EXPECT_TRUE(daemon_->running());
  ASSERT_TRUE(jinlu->SendNewOrder({"J-last", kSymbol, '1', '2', "3500.00", "10000", '0'}).ok());
  EXPECT_TRUE(jinlu->WaitFor(Er("J-last", '0'), 10s).has_value());
}

// ---- Sequence numbers across a restart, and resend of what a session missed.

TEST_F(FixGatewayTest, SequenceNumbersSurviveARestartAndMissedReportsAreResent) {
  StartDaemon();
  auto jinlu = Connect("JINLU-OE");  // no cancel-on-disconnect
  ASSERT_TRUE(jinlu->SendNewOrder({"J-1", kSymbol, '1', '2', "3650.00", "10000", '1'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-1", '0'), 10s).has_value());
  jinlu->Stop();
  jinlu.reset();

  // The daemon restarts while Jinlu is away, and Jinlu's order trades.
  EXPECT_EQ(WEXITSTATUS(daemon_->Kill(SIGTERM)), 0);
  {
    // The buffered message log is on disk after a clean stop, with the password redacted.
    const std::string log = testing::ReadFile(dir_ / "data/fix/log/FIX.4.4-DAZONG-JINLU-OE.messages.current.log");
    EXPECT_NE(log.find("\x01" "11=J-1\x01"), std::string::npos) << log;
    EXPECT_NE(log.find("\x01" "554=***\x01"), std::string::npos) << log;
    EXPECT_EQ(log.find("demo-JINLU-OE"), std::string::npos) << log;
    const std::string event_log = testing::ReadFile(dir_ / "data/fix/log/FIX.4.4-DAZONG-JINLU-OE.event.current.log");
    EXPECT_NE(event_log.find("logon"), std::string::npos) << event_log;
  }
  StartDaemon();
  auto huaxin = Connect("HUAXIN-OE");
  ASSERT_TRUE(huaxin->SendNewOrder({"S-1", kSymbol, '2', '2', "3650.00", "10000", '0'}).ok());
  ASSERT_TRUE(huaxin->WaitFor(Er("S-1", 'F'), 10s).has_value()) << daemon_->log();

  // Jinlu comes back: the exchange's sequence numbers continue, Jinlu asks for the gap, and the
  // fill is resent with PossDupFlag while admin messages are gap-filled.
  auto back = Connect("JINLU-OE");
  auto fill = back->WaitFor(Er("J-1", 'F'), 10s);
  ASSERT_TRUE(fill.has_value()) << daemon_->log();
  EXPECT_NE(fill->raw.find("|43=Y|"), std::string::npos) << fill->raw;
  EXPECT_NE(fill->raw.find("|122="), std::string::npos) << fill->raw;
  const auto received = back->Received();
  const auto logon = std::find_if(received.begin(), received.end(), [](const ReceivedMessage& m) { return m.msg_type == "A"; });
  ASSERT_NE(logon, received.end());
  const size_t at = logon->raw.find("|34=");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stoi(logon->raw.substr(at + 4)), 3) << logon->raw;
}

// OrderStatusRequest (H) is answered from the exchange's own state: after a restart, an order
// resting since before it is reported New or PartiallyFilled with its fills, although this
// gateway has reported nothing about it since it started.
TEST_F(FixGatewayTest, OrderStatusAfterARestartComesFromTheExchangesOwnState) {
  StartDaemon();
  auto jinlu = Connect("JINLU-OE");    // M002, no cancel-on-disconnect
  auto haibei = Connect("HAIBEI-OE");  // M003
  ASSERT_TRUE(jinlu->SendNewOrder({"J-S1", kSymbol, '2', '2', "3650.00", "30000", '1'}).ok());
  auto accepted = jinlu->WaitFor(Er("J-S1", '0'), 10s);
  ASSERT_TRUE(accepted.has_value()) << daemon_->log();
  const std::string order_id = accepted->Get(37);
  ASSERT_TRUE(jinlu->SendNewOrder({"J-S2", kSymbol, '2', '2', "3700.00", "10000", '1'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-S2", '0'), 10s).has_value());
  ASSERT_TRUE(haibei->SendNewOrder({"H-B1", kSymbol, '1', '2', "3650.00", "10000", '1'}).ok());
  ASSERT_TRUE(haibei->WaitFor(Er("H-B1", 'F'), 10s).has_value());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-S1", 'F'), 10s).has_value());
  jinlu->Stop();
  haibei->Stop();
  jinlu.reset();
  haibei.reset();

  EXPECT_EQ(WEXITSTATUS(daemon_->Kill(SIGTERM)), 0);
  StartDaemon();
  jinlu = Connect("JINLU-OE");
  haibei = Connect("HAIBEI-OE");
  auto status = [&](FixClient& c, const std::string& cl_ord_id, char side, const std::string& req_id) {
    EXPECT_TRUE(c.SendRaw("H", Fields{{11, cl_ord_id}, {790, req_id}, {55, kSymbol}, {54, std::string(1, side)}}).ok());
    auto er = c.WaitFor([=](const ReceivedMessage& m) { return m.msg_type == "8" && m.Get(790) == req_id; }, 10s);
    EXPECT_TRUE(er.has_value()) << req_id << "\n" << daemon_->log();
    return er.value_or(ReceivedMessage{});
  };
  // Resting since before the restart, partially filled.
  ReceivedMessage s1 = status(*jinlu, "J-S1", '2', "Q1");
  EXPECT_EQ(s1.Get(150), "I");
  EXPECT_EQ(s1.Get(39), "1") << s1.raw;
  EXPECT_EQ(s1.Get(37), order_id);
  EXPECT_EQ(s1.Get(11), "J-S1");
  EXPECT_EQ(s1.Get(14), "10000");
  EXPECT_EQ(s1.Get(151), "20000");
  EXPECT_EQ(s1.Get(6), "3650.0000");
  EXPECT_EQ(s1.Get(38), "30000");
  EXPECT_EQ(s1.Get(44), "3650.00");
  // Resting, untouched.
  ReceivedMessage s2 = status(*jinlu, "J-S2", '2', "Q2");
  EXPECT_EQ(s2.Get(39), "0") << s2.raw;
  EXPECT_EQ(s2.Get(14), "0");
  EXPECT_EQ(s2.Get(151), "10000");
  // Filled before the restart: closed, its final state is in the reports already sent.
  ReceivedMessage b1 = status(*haibei, "H-B1", '1', "Q3");
  EXPECT_EQ(b1.Get(39), "8") << b1.raw;
  EXPECT_EQ(b1.Get(20001), "19");
  EXPECT_NE(b1.Get(58).find("is closed"), std::string::npos) << b1.raw;
  // Another member's order, and an id never used: unknown.
  EXPECT_EQ(status(*haibei, "J-S1", '2', "Q4").Get(20001), "7");
  EXPECT_EQ(status(*jinlu, "J-NONE", '2', "Q5").Get(20001), "7");

  // More fills after the restart: the status follows them, and a fill that closes the order
  // is answered with its final state.
  ASSERT_TRUE(haibei->SendNewOrder({"H-B2", kSymbol, '1', '2', "3650.00", "10000", '1'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-S1", 'F'), 10s).has_value());
  ReceivedMessage s1b = status(*jinlu, "J-S1", '2', "Q6");
  EXPECT_EQ(s1b.Get(39), "1");
  EXPECT_EQ(s1b.Get(14), "20000");
  EXPECT_EQ(s1b.Get(151), "10000");
  ASSERT_TRUE(haibei->SendNewOrder({"H-B3", kSymbol, '1', '2', "3650.00", "10000", '1'}).ok());
  ASSERT_TRUE(jinlu->WaitFor(Er("J-S1", 'F'), 10s).has_value());
  ReceivedMessage s1c = status(*jinlu, "J-S1", '2', "Q7");
  EXPECT_EQ(s1c.Get(39), "2") << s1c.raw;
  EXPECT_EQ(s1c.Get(14), "30000");
  EXPECT_EQ(s1c.Get(151), "0");
}

// A raw session asks for everything again after a restart: admin messages come back as one
// SequenceReset-GapFill each run, application messages as PossDupFlag=Y copies.
TEST_F(FixGatewayTest, ResendRequestAfterACrashGapFillsAdminAndResendsReports) {
  StartDaemon();
  auto open_raw = [&] {
    int fd = -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(fix_port_));
    EXPECT_TRUE(WaitUntil([&] {
      if (fd >= 0) close(fd);
      fd = socket(AF_INET, SOCK_STREAM, 0);
      return connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    }, 10s));
    timeval tv{0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
  };
  auto read_for = [](int fd, std::chrono::milliseconds how_long) {
    std::string text;
    const auto until = std::chrono::steady_clock::now() + how_long;
    char buf[4096];
    while (std::chrono::steady_clock::now() < until) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) text.append(buf, static_cast<size_t>(n));
      if (n == 0) break;
    }
    for (char& c : text) c = c == '\x01' ? '|' : c;
    return text;
  };
  auto send_text = [](int fd, const std::string& m) { return send(fd, m.data(), m.size(), MSG_NOSIGNAL); };
  const std::string logon_body = "98=0\x01" "108=30\x01" "554=demo-HAIBEI-OE\x01";

  int fd = open_raw();
  send_text(fd, Frame("A", 1, "HAIBEI-OE", logon_body));
  send_text(fd, Frame("D", 2, "HAIBEI-OE",
                      "11=HB-1\x01" "55=" + kSymbol + "\x01" "54=1\x01" "60=20260101-00:00:00\x01"
                      "38=10000\x01" "40=2\x01" "44=3600.00\x01" "59=1\x01"));
  const std::string first = read_for(fd, 1500ms);
  ASSERT_NE(first.find("35=A|34=1|"), std::string::npos) << first;
  ASSERT_NE(first.find("35=8|34=2|"), std::string::npos) << first;
  close(fd);  // dropped without a Logout

  // The daemon is killed (no clean stop): the session store is a memory-mapped file, so what
  // it held is in the kernel's page cache and survives the process.
  daemon_->Kill(SIGKILL);
  StartDaemon();
  fd = open_raw();
  send_text(fd, Frame("A", 3, "HAIBEI-OE", logon_body));
  const std::string relogon = read_for(fd, 1000ms);
  EXPECT_NE(relogon.find("35=A|34=3|"), std::string::npos) << relogon;  // numbers continue
  send_text(fd, Frame("2", 4, "HAIBEI-OE", "7=1\x01" "16=0\x01"));
  const std::string resent = read_for(fd, 1500ms);
  close(fd);
  // 1 (Logon) -> gap fill to 2; 2 (the ExecutionReport) resent with PossDupFlag; 3 (Logon) -> gap fill to 4.
  EXPECT_NE(resent.find("35=4|34=1|43=Y|"), std::string::npos) << resent;
  EXPECT_NE(resent.find("123=Y"), std::string::npos) << resent;
  EXPECT_NE(resent.find("36=2|"), std::string::npos) << resent;
  EXPECT_NE(resent.find("35=8|34=2|43=Y|"), std::string::npos) << resent;
  EXPECT_NE(resent.find("11=HB-1|"), std::string::npos) << resent;
  EXPECT_NE(resent.find("35=4|34=3|43=Y|"), std::string::npos) << resent;
}

}  // namespace
}  // namespace dazong
