// The ledger plugged into the matching core as its ReservationLedger: orders reserve receipts
// and cash, trades settle delivery versus payment, cancels release. A smoke test of the
// contract in common/reservations.h, as the sequencer will wire it.
#include <gtest/gtest.h>

#include <map>

#include "../support/ledger_test_support.h"
#include "dazong/exchange/core.h"
#include "dazong/warehouse_receipts/history.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::receipts {
namespace {

class CoreWithLedgerTest : public ::testing::Test {
 protected:
  CoreWithLedgerTest()
      : config_(testing::MakeLedgerConfig()),
        ledger_(config_, LedgerOptions{"B1"}),
        core_(config_, &ledger_) {}

  std::vector<Event> Order(uint32_t member, const std::string& cl, Side side, int64_t yuan,
                           int64_t kg) {
    NewOrderCommand o;
    o.member = MemberId(member);
    o.instrument = InstrumentId(1);
    o.cl_ord_id = ClOrdId::FromView(cl);
    o.side = side;
    o.price = Price::FromRaw(yuan * 100);
    o.quantity = Quantity::FromRaw(kg);
    return Core(o);
  }

  std::vector<Event> Core(CommandBody body) {
    ++seq_;
    time_ += kNanosPerSecond;
    ledger_.BeginCommand(SeqNo(seq_), time_);
    std::vector<Event> events;
    core_.Apply(SequencedCommand{SeqNo(seq_), time_, std::move(body)}, events);
    absl::Status st = ledger_.Verify();
    EXPECT_TRUE(st.ok()) << st;
    return events;
  }

  void Ledger(const LedgerCommand& cmd) {
    ++seq_;
    time_ += kNanosPerSecond;
    std::vector<LedgerEvent> out;
    ledger_.Apply(cmd, SeqNo(seq_), time_, out);
    ASSERT_FALSE(out.empty());
    ASSERT_FALSE(std::holds_alternative<Rejected>(out[0].body)) << std::get<Rejected>(out[0].body).text;
  }

  // M1 holds rebar receipts of 1, 2 and 3 t at WH1, issued in that order (serials 1-3);
  // M2 has 100,000 yuan.
  void SeedSellerAndBuyer() {
    const Principal wh1 = Principal::Warehouse("WH1");
    Ledger(ReportStock{wh1, "rebar", "HRB400E", Quantity::FromRaw(100000)});
    Ledger(RegisterReceipt{wh1, 1, "M1", testing::Elements("rebar", "HRB400E", 1000, {"A"})});
    Ledger(RegisterReceipt{wh1, 2, "M1", testing::Elements("rebar", "HRB400E", 2000, {"B"})});
    Ledger(RegisterReceipt{wh1, 3, "M1", testing::Elements("rebar", "HRB400E", 3000, {"C"})});
    Ledger(Deposit{Principal::Bank("B1"), "M2", Money::FromRaw(10'000'000), "wire"});
  }

  int64_t Held(const std::string& member) {
    int64_t sum = 0;
    for (const auto& [id, r] : ledger_.state().receipts) {
      if (IsLive(r.status) && r.holder == Principal::Member(member)) sum += r.elements.quantity.raw();
    }
    return sum;
  }

  ExchangeConfig config_;
  receipts::Ledger ledger_;
  exchange::ExchangeCore core_;
  uint64_t seq_ = 0;
  Timestamp time_ = testing::LedgerT0();
};

TEST_F(CoreWithLedgerTest, OrdersReserveTradesSettleAndCancelsRelease) {
  SeedSellerAndBuyer();
  if (HasFatalFailure()) return;

  // A sell beyond the seller's receipts and a buy beyond the buyer's cash are refused.
  auto refused = Order(1, "S0", Side::kSell, 3650, 7000);
  ASSERT_FALSE(refused.empty());
  ASSERT_TRUE(std::holds_alternative<OrderRejected>(refused[0].body));
  EXPECT_EQ(std::get<OrderRejected>(refused[0].body).reason, RejectReason::kInsufficientReceipts);
  refused = Order(2, "B0", Side::kBuy, 3650, 100000);
  ASSERT_TRUE(std::holds_alternative<OrderRejected>(refused[0].body));
  EXPECT_EQ(std::get<OrderRejected>(refused[0].body).reason, RejectReason::kInsufficientFunds);

  Order(1, "S1", Side::kSell, 3650, 5000);
  Order(2, "B1", Side::kBuy, 3700, 3000);  // fills 3 t at 3650
  EXPECT_EQ(Held("M2"), 3000);
  Order(2, "B2", Side::kBuy, 3660, 2000);  // fills the last 2 t: the 3 t receipt is split
  EXPECT_EQ(Held("M2"), 5000);
  EXPECT_EQ(Held("M1"), 1000);
  EXPECT_EQ(ledger_.state().settled_trades.size(), 2u);
  EXPECT_TRUE(ledger_.state().orders.empty());
  EXPECT_EQ(ledger_.state().accounts.at(MemberId(2)).reserved, Money());

  // A resting buy holds cash until it is cancelled.
  Order(2, "B3", Side::kBuy, 3600, 1000);
  EXPECT_TRUE(ledger_.state().accounts.at(MemberId(2)).reserved.is_positive());
  CancelOrderCommand cancel;
  cancel.member = MemberId(2);
  cancel.instrument = InstrumentId(1);
  cancel.cl_ord_id = ClOrdId::FromView("C3");
  cancel.orig_cl_ord_id = ClOrdId::FromView("B3");
  cancel.side = Side::kBuy;
  Core(cancel);
  EXPECT_EQ(ledger_.state().accounts.at(MemberId(2)).reserved, Money());
  EXPECT_TRUE(ledger_.state().orders.empty());
  EXPECT_EQ(ledger_.settlement_anomalies(), 0u);
  const int64_t total = ledger_.state().accounts.at(MemberId(1)).available.raw() +
                        ledger_.state().accounts.at(MemberId(2)).available.raw() +
                        ledger_.state().accounts.at(kExchangeFeeAccount).available.raw();
  EXPECT_EQ(total, 10'000'000);
  HistoryReport report = VerifyHistory(ledger_.config(), ledger_.history(), &ledger_.state());
  EXPECT_TRUE(report.ok) << report.discrepancy;
}

// A sell that names its receipts (the FIX NoReceipts group, carried inline on the command)
// reserves exactly those receipts, not the member's oldest, and the trade delivers them.
TEST_F(CoreWithLedgerTest, ASellNamingItsReceiptsReservesAndDeliversExactlyThose) {
  SeedSellerAndBuyer();
  if (HasFatalFailure()) return;
  auto id_of = [&](uint64_t serial) {
    for (const auto& [id, r] : ledger_.state().receipts) {
      if (r.serial == serial) return id;
    }
    ADD_FAILURE() << "no receipt with serial " << serial;
    return ReceiptId();
  };
  const ReceiptId oldest = id_of(1), second = id_of(2), third = id_of(3);

  auto sell = [&](const std::string& cl, int64_t kg, std::vector<std::pair<ReceiptId, int64_t>> named) {
    NewOrderCommand o;
    o.member = MemberId(1);
    o.instrument = InstrumentId(1);
    o.cl_ord_id = ClOrdId::FromView(cl);
    o.side = Side::kSell;
    o.price = Price::FromRaw(365000);
    o.quantity = Quantity::FromRaw(kg);
    for (const auto& [id, q] : named) EXPECT_TRUE(o.AddReceipt(id.value(), Quantity::FromRaw(q)));
    return Core(o);
  };
  auto rejected = [](const std::vector<Event>& events) {
    return !events.empty() && std::holds_alternative<OrderRejected>(events[0].body)
               ? std::get<OrderRejected>(events[0].body).reason
               : RejectReason::kNone;
  };
  // Refused, reserving nothing: quantities that do not sum to the order's, a receipt that does
  // not exist, more than a receipt holds, the same receipt twice.
  EXPECT_EQ(rejected(sell("X1", 2000, {{third, 1000}})), RejectReason::kInsufficientReceipts);
  EXPECT_EQ(rejected(sell("X2", 1000, {{ReceiptId(999), 1000}})), RejectReason::kInsufficientReceipts);
  EXPECT_EQ(rejected(sell("X3", 3000, {{oldest, 3000}})), RejectReason::kInsufficientReceipts);
  EXPECT_EQ(rejected(sell("X4", 2000, {{third, 1000}, {third, 1000}})), RejectReason::kInsufficientReceipts);
  EXPECT_TRUE(ledger_.state().orders.empty());
  // A buy naming receipts is refused by the core too (the gateway refuses it first).
  NewOrderCommand buy_named;
  buy_named.member = MemberId(2);
  buy_named.instrument = InstrumentId(1);
  buy_named.cl_ord_id = ClOrdId::FromView("BX");
  buy_named.side = Side::kBuy;
  buy_named.price = Price::FromRaw(365000);
  buy_named.quantity = Quantity::FromRaw(1000);
  buy_named.AddReceipt(third.value(), Quantity::FromRaw(1000));
  EXPECT_EQ(rejected(Core(buy_named)), RejectReason::kUnsupportedOrderType);

  // 3 t: 2 t from the newest receipt and 1 t from the middle one; the oldest stays free.
  auto accepted = sell("S1", 3000, {{third, 2000}, {second, 1000}});
  ASSERT_EQ(rejected(accepted), RejectReason::kNone);
  ASSERT_EQ(ledger_.state().orders.size(), 1u);
  const OrderReservation& reservation = ledger_.state().orders.begin()->second;
  ASSERT_EQ(reservation.receipts.size(), 2u);
  EXPECT_EQ(reservation.receipts[0].receipt, third);
  EXPECT_EQ(reservation.receipts[0].quantity, Quantity::FromRaw(2000));
  EXPECT_EQ(reservation.receipts[1].receipt, second);
  EXPECT_EQ(reservation.receipts[1].quantity, Quantity::FromRaw(1000));
  EXPECT_TRUE(ledger_.state().receipts.at(oldest).holds.empty());

  // The buyer takes all 3 t: it receives a 2 t child of the third receipt and a 1 t child of
  // the second; the oldest receipt never moves.
  Order(2, "B1", Side::kBuy, 3650, 3000);
  EXPECT_EQ(Held("M2"), 3000);
  EXPECT_EQ(ledger_.state().receipts.at(oldest).holder, Principal::Member("M1"));
  std::map<ReceiptId, int64_t> delivered_from;  // parent -> quantity the buyer got from it
  for (const auto& [id, r] : ledger_.state().receipts) {
    if (!IsLive(r.status) || r.holder != Principal::Member("M2")) continue;
    ASSERT_EQ(r.parents.size(), 1u);
    delivered_from[r.parents[0]] += r.elements.quantity.raw();
  }
  EXPECT_EQ(delivered_from, (std::map<ReceiptId, int64_t>{{third, 2000}, {second, 1000}}));
  EXPECT_TRUE(ledger_.state().orders.empty());
  EXPECT_EQ(ledger_.settlement_anomalies(), 0u);
  HistoryReport report = VerifyHistory(ledger_.config(), ledger_.history(), &ledger_.state());
  EXPECT_TRUE(report.ok) << report.discrepancy;
}

}  // namespace
}  // namespace dazong::receipts
