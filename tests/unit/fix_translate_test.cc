// FIX translation: exact decimal parsing of NewOrderSingle fields, edge rejects, the reports
// built from events, and redaction of secrets in message logs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <ctime>
#include <random>
#include <vector>

#include "../support/test_config.h"
#include "guarded_acceptor.h"
#include "redacting_log.h"
#include "translate.h"

namespace dazong::fix_gateway {
namespace {

FIX44::NewOrderSingle Nos(const std::string& price, const std::string& qty, char ord_type = '2') {
  FIX44::NewOrderSingle m;
  m.setField(FIX::ClOrdID("c1"));
  m.setField(FIX::Symbol("RB"));
  m.setField(FIX::Side('2'));
  m.setField(FIX::OrdType(ord_type));
  if (!price.empty()) m.setField(FIX::FIELD::Price, price);
  m.setField(FIX::FIELD::OrderQty, qty);
  return m;
}

TEST(FixTranslateTest, ParsesPricesAsExactDecimals) {
  const ExchangeConfig config = testing::MakeTestConfig();
  auto parsed = ParseNewOrder(Nos("3650.10", "2000"), config, MemberId(2), 7);
  ASSERT_TRUE(std::holds_alternative<NewOrderCommand>(parsed));
  const auto& cmd = std::get<NewOrderCommand>(parsed);
  EXPECT_EQ(cmd.price, Price::FromRaw(365010));
  EXPECT_EQ(cmd.quantity, Quantity::FromRaw(2000));
  EXPECT_EQ(cmd.member, MemberId(2));
  EXPECT_EQ(cmd.session, 7u);
  EXPECT_EQ(cmd.side, Side::kSell);
  EXPECT_EQ(cmd.tif, TimeInForce::kDay);
}

TEST(FixTranslateTest, EdgeRejectsSayWhy) {
  const ExchangeConfig config = testing::MakeTestConfig();
  auto reason = [&](const FIX::Message& m) {
    auto parsed = ParseNewOrder(m, config, MemberId(1), 1);
    return std::holds_alternative<EdgeReject>(parsed) ? std::get<EdgeReject>(parsed).reason
                                                      : RejectReason::kNone;
  };
  EXPECT_EQ(reason(Nos("3650.001", "1000")), RejectReason::kInvalidPrice);
  EXPECT_EQ(reason(Nos("", "1000")), RejectReason::kInvalidPrice);
  EXPECT_EQ(reason(Nos("3650", "1000.5")), RejectReason::kInvalidQuantity);
  EXPECT_EQ(reason(Nos("3650", "1e3")), RejectReason::kInvalidQuantity);
  FIX44::NewOrderSingle unknown = Nos("3650", "1000");
  unknown.setField(FIX::Symbol("XX"));
  EXPECT_EQ(reason(unknown), RejectReason::kUnknownInstrument);
  FIX44::NewOrderSingle long_id = Nos("3650", "1000");
  long_id.setField(FIX::ClOrdID(std::string(33, 'x')));
  EXPECT_EQ(reason(long_id), RejectReason::kInvalidClOrdId);
  FIX44::NewOrderSingle bad_tif = Nos("3650", "1000");
  bad_tif.setField(FIX::TimeInForce('2'));
  EXPECT_EQ(reason(bad_tif), RejectReason::kUnsupportedTimeInForce);
  // A market order needs no price.
  EXPECT_EQ(reason(Nos("", "1000", '1')), RejectReason::kNone);
}

TEST(FixTranslateTest, EveryRequestRefusesASideOtherThanBuyOrSell) {
  const ExchangeConfig config = testing::MakeTestConfig();
  FIX44::NewOrderSingle order = Nos("3650", "1000");
  order.setField(FIX::Side('5'));
  EXPECT_TRUE(std::holds_alternative<EdgeReject>(ParseNewOrder(order, config, MemberId(1), 1)));
  FIX44::OrderCancelRequest cancel;
  cancel.setField(FIX::ClOrdID("c2"));
  cancel.setField(FIX::OrigClOrdID("c1"));
  cancel.setField(FIX::Symbol("RB"));
  cancel.setField(FIX::Side('5'));
  EXPECT_TRUE(std::holds_alternative<EdgeReject>(ParseCancel(cancel, config, MemberId(1), 1)));
  cancel.setField(FIX::Side('2'));
  auto parsed = ParseCancel(cancel, config, MemberId(1), 1);
  ASSERT_TRUE(std::holds_alternative<CancelOrderCommand>(parsed));
  EXPECT_EQ(std::get<CancelOrderCommand>(parsed).side, Side::kSell);
}

TEST(FixTranslateTest, GtdProtectionPriceAndSelfTradeModeAreRead) {
  const ExchangeConfig config = testing::MakeTestConfig();
  FIX44::NewOrderSingle gtd = Nos("3650", "1000");
  gtd.setField(FIX::TimeInForce('6'));
  EXPECT_TRUE(std::holds_alternative<EdgeReject>(ParseNewOrder(gtd, config, MemberId(1), 1)));
  gtd.setField(FIX::FIELD::ExpireTime, "20231114-22:13:20.500");
  gtd.setField(kStpModeTag, "2");
  auto parsed = ParseNewOrder(gtd, config, MemberId(1), 1);
  ASSERT_TRUE(std::holds_alternative<NewOrderCommand>(parsed));
  EXPECT_EQ(std::get<NewOrderCommand>(parsed).expire_time, 1'700'000'000'500'000'000);
  EXPECT_EQ(std::get<NewOrderCommand>(parsed).stp, SelfTradePrevention::kCancelResting);
  auto market = ParseNewOrder(Nos("3700", "1000", '1'), config, MemberId(1), 1);
  ASSERT_TRUE(std::holds_alternative<NewOrderCommand>(market));
  EXPECT_EQ(std::get<NewOrderCommand>(market).protection_price, Price::FromRaw(370000));
  EXPECT_EQ(UtcTimestamp(*ParseUtcTimestamp("20261127-18:15:01.042")), "20261127-18:15:01.042");
  EXPECT_FALSE(ParseUtcTimestamp("2026-11-27T18:15:01").has_value());
}

// UtcTimestamp formats by arithmetic: it agrees with gmtime_r on every kind of date (leap
// days, century years, year ends, the epoch) and round-trips through ParseUtcTimestamp.
TEST(FixTranslateTest, UtcTimestampAgreesWithGmtime) {
  std::mt19937_64 rng(7);
  std::vector<Timestamp> times = {0, 999'999, 86'399'999'000'000, 951'782'400'000'000'000 /* 2000-02-29 */,
                                  4'107'542'399'999'000'000 /* 2100-02-28 23:59:59.999 */,
                                  1'798'761'599'123'000'000 /* 2026-12-31 23:59:59.123 */};
  for (int i = 0; i < 20000; ++i) times.push_back(static_cast<Timestamp>(rng() % 7'258'118'400'000'000'000ULL));
  for (const Timestamp t : times) {
    const time_t seconds = static_cast<time_t>(t / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char expected[96];
    std::snprintf(expected, sizeof(expected), "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(t / 1'000'000 % 1000));
    ASSERT_EQ(UtcTimestamp(t), expected) << t;
    ASSERT_EQ(*ParseUtcTimestamp(expected), t / 1'000'000 * 1'000'000) << t;
  }
}

// A sell naming its receipts: NoReceipts(20010) entries of ReceiptID(20011), ReceiptQty(20012).
FIX44::NewOrderSingle NamedSell(const std::string& qty,
                                const std::vector<std::pair<std::string, std::string>>& receipts) {
  FIX44::NewOrderSingle m = Nos("3650", qty);
  for (const auto& [id, q] : receipts) {
    FIX::Group g(kNoReceiptsTag, kReceiptIdTag);
    if (!id.empty()) g.setField(kReceiptIdTag, id);
    if (!q.empty()) g.setField(kReceiptQtyTag, q);
    m.addGroup(g);
  }
  return m;
}

TEST(FixTranslateTest, ASellCarriesTheReceiptsItNamesInline) {
  const ExchangeConfig config = testing::MakeTestConfig();
  auto parsed = ParseNewOrder(NamedSell("3000", {{"17", "1000"}, {"4", "2000"}}), config, MemberId(1), 1);
  ASSERT_TRUE(std::holds_alternative<NewOrderCommand>(parsed)) << std::get<EdgeReject>(parsed).text;
  const NewOrderCommand& cmd = std::get<NewOrderCommand>(parsed);
  ASSERT_EQ(cmd.named_receipts().size(), 2u);
  EXPECT_EQ(cmd.named_receipts()[0].receipt_id, 17u);
  EXPECT_EQ(cmd.named_receipts()[0].quantity, Quantity::FromRaw(1000));
  EXPECT_EQ(cmd.named_receipts()[1].receipt_id, 4u);
  EXPECT_EQ(cmd.named_receipts()[1].quantity, Quantity::FromRaw(2000));
  // Without the group the ledger chooses.
  auto plain = ParseNewOrder(Nos("3650", "1000"), config, MemberId(1), 1);
  EXPECT_EQ(std::get<NewOrderCommand>(plain).receipt_count, 0);
  // The most an order may name.
  std::vector<std::pair<std::string, std::string>> four;
  for (int i = 1; i <= static_cast<int>(kMaxNamedReceipts); ++i) four.push_back({std::to_string(i), "1000"});
  auto full = ParseNewOrder(NamedSell(std::to_string(1000 * kMaxNamedReceipts), four), config, MemberId(1), 1);
  ASSERT_TRUE(std::holds_alternative<NewOrderCommand>(full));
  EXPECT_EQ(std::get<NewOrderCommand>(full).named_receipts().size(), kMaxNamedReceipts);
}

TEST(FixTranslateTest, EveryMalformedReceiptGroupIsRefusedWithItsReason) {
  const ExchangeConfig config = testing::MakeTestConfig();
  auto refusal = [&](const FIX::Message& m) -> EdgeReject {
    auto parsed = ParseNewOrder(m, config, MemberId(1), 1);
    if (!std::holds_alternative<EdgeReject>(parsed)) return EdgeReject{RejectReason::kNone, "accepted"};
    return std::get<EdgeReject>(parsed);
  };
  auto expect = [&](const FIX::Message& m, RejectReason reason, const std::string& text) {
    const EdgeReject r = refusal(m);
    EXPECT_EQ(r.reason, reason) << r.text;
    EXPECT_NE(r.text.find(text), std::string::npos) << r.text;
  };
  // NoReceipts does not match the entries that follow.
  FIX44::NewOrderSingle count = NamedSell("2000", {{"1", "1000"}, {"2", "1000"}});
  count.setField(kNoReceiptsTag, "3");
  expect(count, RejectReason::kInsufficientReceipts, "does not match the 2 receipt entries");
  FIX44::NewOrderSingle count_text = NamedSell("1000", {{"1", "1000"}});
  count_text.setField(kNoReceiptsTag, "one");
  expect(count_text, RejectReason::kInsufficientReceipts, "NoReceipts(20010)=one");
  FIX44::NewOrderSingle count_only = Nos("3650", "1000");
  count_only.setField(kNoReceiptsTag, "1");
  expect(count_only, RejectReason::kInsufficientReceipts, "does not match the 0 receipt entries");
  // Receipt ids: positive integers only.
  expect(NamedSell("1000", {{"0", "1000"}}), RejectReason::kInsufficientReceipts, "positive integer (got '0')");
  expect(NamedSell("1000", {{"-3", "1000"}}), RejectReason::kInsufficientReceipts, "got '-3'");
  expect(NamedSell("1000", {{"WH-SH-01-000001", "1000"}}), RejectReason::kInsufficientReceipts, "ReceiptID(20011)");
  expect(NamedSell("1000", {{"007", "1000"}}), RejectReason::kInsufficientReceipts, "got '007'");
  expect(NamedSell("1000", {{"99999999999999999999", "1000"}}), RejectReason::kInsufficientReceipts, "ReceiptID");
  expect(NamedSell("1000", {{"", "1000"}}), RejectReason::kInsufficientReceipts, "got ''");
  // Quantities: positive whole base units, present, not above the order's.
  expect(NamedSell("1000", {{"5", ""}}), RejectReason::kInvalidQuantity, "ReceiptQty(20012) of receipt 5");
  expect(NamedSell("1000", {{"5", "0"}}), RejectReason::kInvalidQuantity, "got '0'");
  expect(NamedSell("1000", {{"5", "-1000"}}), RejectReason::kInvalidQuantity, "got '-1000'");
  expect(NamedSell("1000", {{"5", "999.5"}}), RejectReason::kInvalidQuantity, "got '999.5'");
  expect(NamedSell("1000", {{"5", "lots"}}), RejectReason::kInvalidQuantity, "got 'lots'");
  expect(NamedSell("1000", {{"5", "2000"}}), RejectReason::kInvalidQuantity, "at most OrderQty(38)");
  // Quantities must sum to the order's.
  expect(NamedSell("3000", {{"5", "1000"}, {"6", "1000"}}), RejectReason::kInsufficientReceipts,
         "sums to 2000 but OrderQty(38) is 3000");
  // A receipt named twice.
  expect(NamedSell("2000", {{"5", "1000"}, {"5", "1000"}}), RejectReason::kInsufficientReceipts, "named twice");
  // More than the most an order may name.
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 1; i <= static_cast<int>(kMaxNamedReceipts) + 1; ++i) many.push_back({std::to_string(i), "1000"});
  expect(NamedSell(std::to_string(1000 * (kMaxNamedReceipts + 1)), many), RejectReason::kInsufficientReceipts,
         "at most 4 receipts");
  // A buy may not name receipts.
  FIX44::NewOrderSingle buy = NamedSell("1000", {{"5", "1000"}});
  buy.setField(FIX::Side('1'));
  expect(buy, RejectReason::kUnsupportedOrderType, "only a sell order may name receipts");
  // Nor may a replace.
  FIX44::OrderCancelReplaceRequest replace;
  replace.setField(FIX::ClOrdID("r1"));
  replace.setField(FIX::OrigClOrdID("c1"));
  replace.setField(FIX::Symbol("RB"));
  replace.setField(FIX::Side('2'));
  replace.setField(FIX::OrdType('2'));
  replace.setField(FIX::FIELD::OrderQty, "1000");
  replace.setField(FIX::FIELD::Price, "3650");
  ASSERT_TRUE(std::holds_alternative<ReplaceOrderCommand>(ParseReplace(replace, config, MemberId(1), 1)));
  FIX::Group g(kNoReceiptsTag, kReceiptIdTag);
  g.setField(kReceiptIdTag, "5");
  g.setField(kReceiptQtyTag, "1000");
  replace.addGroup(g);
  auto replaced = ParseReplace(replace, config, MemberId(1), 1);
  ASSERT_TRUE(std::holds_alternative<EdgeReject>(replaced));
  EXPECT_NE(std::get<EdgeReject>(replaced).text.find("cancel and enter a new order"), std::string::npos);
}

TEST(FixTranslateTest, TradeReportCarriesFillAndAveragePrice) {
  const ExchangeConfig config = testing::MakeTestConfig();
  TradeEvent trade;
  trade.trade_id = TradeId(12);
  trade.price = Price::FromRaw(365100);
  trade.quantity = Quantity::FromRaw(1000);
  trade.time = 1'700'000'000'000'000'000;
  OrderView buy;
  buy.order_id = OrderId(5);
  buy.cl_ord_id = ClOrdId::FromView("b5");
  buy.side = Side::kBuy;
  buy.price = Price::FromRaw(366000);
  buy.quantity = Quantity::FromRaw(3000);
  buy.cum_quantity = Quantity::FromRaw(2000);
  buy.leaves_quantity = Quantity::FromRaw(1000);
  buy.cum_notional = Money::FromRaw(365000 + 365100);  // 1 t at 3650.00 and 1 t at 3651.00
  FIX44::ExecutionReport er = TradeReport(trade, buy, config.instruments[0], "9.1");
  EXPECT_EQ(er.getField(FIX::FIELD::ExecType), "F");
  EXPECT_EQ(er.getField(FIX::FIELD::OrdStatus), "1");
  EXPECT_EQ(er.getField(FIX::FIELD::LastPx), "3651.00");
  EXPECT_EQ(er.getField(FIX::FIELD::AvgPx), "3650.5000");
  EXPECT_EQ(er.getField(FIX::FIELD::CumQty), "2000");
  EXPECT_EQ(er.getField(FIX::FIELD::LeavesQty), "1000");
  EXPECT_EQ(er.getField(FIX::FIELD::TrdMatchID), "12");
  EXPECT_EQ(er.getField(FIX::FIELD::TransactTime), "20231114-22:13:20.000");
}

// A sender reuses one ExecutionReport for every New, Canceled and Fill report: whatever the
// previous report left in it (a price, a fill, a cancel's OrigClOrdID, an expiry), the reused
// message is field for field the report built fresh.
TEST(FixTranslateTest, AReusedReportEqualsTheReportBuiltFresh) {
  const ExchangeConfig config = testing::MakeTestConfig();
  std::mt19937_64 rng(11);
  FIX44::ExecutionReport reused;
  for (int i = 0; i < 3000; ++i) {
    OrderView order;
    order.order_id = OrderId(rng() % 100000 + 1);
    order.cl_ord_id = ClOrdId::FromView("c" + std::to_string(rng() % 1000000));
    order.side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
    order.type = rng() % 3 == 0 ? OrderType::kMarket : OrderType::kLimit;
    order.price = order.type == OrderType::kLimit ? Price::FromRaw(360000 + static_cast<int64_t>(rng() % 10000))
                                                  : Price::FromRaw(0);
    order.quantity = Quantity::FromRaw(1000 * static_cast<int64_t>(rng() % 9 + 1));
    order.cum_quantity = Quantity::FromRaw(1000 * static_cast<int64_t>(rng() % (order.quantity.raw() / 1000 + 1)));
    order.leaves_quantity = Quantity::FromRaw(order.quantity.raw() - order.cum_quantity.raw());
    order.cum_notional = Money::FromRaw(order.cum_quantity.raw() / 1000 * 365000);
    const std::string exec_id = std::to_string(i) + ".1";
    const Timestamp time = 1'700'000'000'000'000'000 + static_cast<Timestamp>(rng() % 1'000'000'000'000);
    std::string fresh;
    switch (rng() % 3) {
      case 0: {
        const char exec_type = rng() % 2 == 0 ? FIX::ExecType_NEW : FIX::ExecType_CANCELED;
        FillOrderReport(reused, order, config.instruments[0], exec_type, exec_id, time);
        fresh = OrderReport(order, config.instruments[0], exec_type, exec_id, time).toString();
        break;
      }
      default: {
        TradeEvent trade;
        trade.trade_id = TradeId(rng() % 100000 + 1);
        trade.price = Price::FromRaw(360000 + static_cast<int64_t>(rng() % 10000));
        trade.quantity = Quantity::FromRaw(1000);
        trade.time = time;
        FillTradeReport(reused, trade, order, config.instruments[0], exec_id);
        fresh = TradeReport(trade, order, config.instruments[0], exec_id).toString();
        break;
      }
    }
    ASSERT_EQ(reused.toString(), fresh) << i;
    // What the sender adds to a cancel's report, left behind for the next report.
    if (rng() % 4 == 0) {
      reused.setField(FIX::ExecType(FIX::ExecType_EXPIRED));
      reused.setField(FIX::OrdStatus(FIX::OrdStatus_EXPIRED));
      reused.setField(FIX::ClOrdID("cancel-" + std::to_string(i)));
      reused.setField(FIX::OrigClOrdID(std::string(order.cl_ord_id.view())));
    }
  }
}

TEST(FixTranslateTest, RejectReportCarriesTheExchangeReasonCode) {
  const ExchangeConfig config = testing::MakeTestConfig();
  OrderRejected r;
  r.cl_ord_id = ClOrdId::FromView("x");
  r.reason = RejectReason::kPriceOutsideBand;
  r.quantity = Quantity::FromRaw(1000);
  FIX44::ExecutionReport er = RejectReport(r, &config.instruments[0], "1.0", 0);
  EXPECT_EQ(er.getField(FIX::FIELD::OrdStatus), "8");
  EXPECT_EQ(er.getField(FIX::FIELD::OrdRejReason), "3");
  EXPECT_EQ(er.getField(kRejectCodeTag), "6");
  EXPECT_EQ(er.getField(FIX::FIELD::Text), "6: price is outside the daily price band");
}

// The duplicate-logon guard reads only a complete first message, and leaves everything but a
// Logon for a session held by another connection to QuickFIX (no session exists here, so a
// complete Logon passes too; the duplicate itself is covered by fix_gateway_test).
TEST(FixTranslateTest, TheLogonGuardWaitsForACompleteFirstMessageAndPassesTheRest) {
  using V = GuardedAcceptor::Verdict;
  FIX::SessionID id;
  const std::string logon =
      "8=FIX.4.4\x01" "9=70\x01" "35=A\x01" "34=1\x01" "49=JINLU-OE\x01" "52=20260101-00:00:00.000\x01"
      "56=DAZONG\x01" "98=0\x01" "108=30\x01" "10=123\x01";
  EXPECT_EQ(GuardedAcceptor::Inspect(logon.substr(0, 20), &id), V::kWaitForMore);
  EXPECT_EQ(GuardedAcceptor::Inspect(logon.substr(0, logon.size() - 1), &id), V::kWaitForMore);
  EXPECT_EQ(GuardedAcceptor::Inspect(logon, &id), V::kPass);  // no such session in this process
  std::string order = logon;
  order.replace(order.find("35=A"), 4, "35=D");
  EXPECT_EQ(GuardedAcceptor::Inspect(order, &id), V::kPass);
  EXPECT_EQ(GuardedAcceptor::Inspect(std::string(5000, 'x'), &id), V::kPass);  // not FIX: QuickFIX's
}

TEST(FixTranslateTest, PasswordsNeverReachTheMessageLog) {
  const std::string logon = "8=FIX.4.4\x01" "35=A\x01" "553=HUAXIN\x01" "554=s3cret\x01" "10=000\x01";
  EXPECT_EQ(RedactSecrets(logon), "8=FIX.4.4\x01" "35=A\x01" "553=HUAXIN\x01" "554=***\x01" "10=000\x01");
  EXPECT_EQ(RedactSecrets("554=a\x01" "925=b"), "554=***\x01" "925=***");
  // Not a tag boundary: left alone.
  EXPECT_EQ(RedactSecrets("58=x554=y\x01"), "58=x554=y\x01");
  // The log copies only messages that may hold a secret: for any other, redaction is a no-op.
  std::mt19937 rng(3);
  const std::string alphabet = "0123456789=\x01" "5542925A";
  for (int i = 0; i < 20000; ++i) {
    std::string m(rng() % 24, ' ');
    for (char& c : m) c = alphabet[rng() % alphabet.size()];
    if (!HasSecret(m)) {
      ASSERT_EQ(RedactSecrets(m), m) << m;
    }
  }
}

// The buffered message log: QuickFIX FileLog's file names and "time : message" lines (UTC,
// microseconds), secrets redacted, everything on disk once the log is destroyed.
TEST(FixTranslateTest, MessageLogLinesAreStampedAndRedacted) {
  const std::string dir = ::testing::TempDir() + "/fixlog-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  RedactingLogFactory factory(std::make_unique<BufferedFileLogFactory>(dir));
  const FIX::SessionID id("FIX.4.4", "DAZONG", "HUAXIN-OE");
  FIX::Log* log = factory.create(id);
  const int64_t before = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  log->onIncoming("8=FIX.4.4\x01" "35=A\x01" "554=s3cret\x01");
  for (int i = 0; i < 3000; ++i) log->onOutgoing("8=FIX.4.4\x01" "35=8\x01" "17=" + std::to_string(i) + "\x01");
  factory.destroy(log);
  const int64_t after = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  std::ifstream in(dir + "/FIX.4.4-DAZONG-HUAXIN-OE.messages.current.log");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3001u);
  const std::regex stamp(R"(^(\d{8}-\d{2}:\d{2}:\d{2})\.\d{6} : (.*)$)");
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(lines[i], m, stamp)) << lines[i];
    const std::optional<Timestamp> t = ParseUtcTimestamp(m[1].str());
    ASSERT_TRUE(t.has_value()) << lines[i];
    EXPECT_GE(*t / 1'000'000'000, before);
    EXPECT_LE(*t / 1'000'000'000, after);
    const std::string expected = i == 0 ? std::string("8=FIX.4.4\x01" "35=A\x01" "554=***\x01")
                                        : "8=FIX.4.4\x01" "35=8\x01" "17=" + std::to_string(i - 1) + "\x01";
    EXPECT_EQ(m[2].str(), expected);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dazong::fix_gateway
