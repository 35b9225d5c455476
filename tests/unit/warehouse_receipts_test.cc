// Warehouse-receipt ledger: every operation and every refusal for every role, the invariant
// checker, the hash-chained history and its verifier (tampering), the codec, snapshots and
// replay, disclosure and access.
#include <gtest/gtest.h>

#include <sodium.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>

#include "../support/ledger_test_support.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/disclosure.h"
#include "dazong/warehouse_receipts/history.h"
#include "dazong/warehouse_receipts/ledger.h"
#include "sha256.h"

namespace dazong::receipts {
namespace {

using testing::Elements;
using testing::LedgerT0;
using testing::MakeLedgerConfig;
using testing::SameState;

const Principal kWH1 = Principal::Warehouse("WH1");
const Principal kWH2 = Principal::Warehouse("WH2");
const Principal kWH3 = Principal::Warehouse("WH3");
const Principal kM1 = Principal::Member("M1");
const Principal kM2 = Principal::Member("M2");
const Principal kM3 = Principal::Member("M3");
const Principal kB1 = Principal::Bank("B1");
const Principal kB2 = Principal::Bank("B2");
const Principal kS1 = Principal::Supervisor("S1");
const Principal kEx = Principal::Exchange();

Quantity Q(int64_t kg) { return Quantity::FromRaw(kg); }
Money Fen(int64_t fen) { return Money::FromRaw(fen); }

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : config_(MakeLedgerConfig()), ledger_(config_, LedgerOptions{"B1"}) {}

  std::vector<LedgerEvent> Do(const LedgerCommand& cmd) {
    ++seq_;
    time_ += kNanosPerSecond;
    std::vector<LedgerEvent> events;
    std::string bytes;
    EncodeLedgerCommand(cmd, bytes);
    journal_.push_back({SeqNo(seq_), time_, std::move(bytes)});
    ledger_.Apply(cmd, SeqNo(seq_), time_, events);
    absl::Status st = ledger_.Verify();
    EXPECT_TRUE(st.ok()) << st;
    return events;
  }

  // Applies a command that must succeed.
  std::vector<LedgerEvent> Ok(const LedgerCommand& cmd) {
    std::vector<LedgerEvent> events = Do(cmd);
    for (const LedgerEvent& e : events) {
      const Rejected* r = std::get_if<Rejected>(&e.body);
      EXPECT_EQ(r, nullptr) << CommandName(cmd) << " refused: " << (r ? r->text : "");
    }
    return events;
  }

  // Applies a command that must be refused; checks that nothing changed.
  LedgerReason Refused(const LedgerCommand& cmd) {
    const LedgerState before = ledger_.state();
    const size_t history = ledger_.history().size();
    std::vector<LedgerEvent> events = Do(cmd);
    EXPECT_TRUE(SameState(before, ledger_.state())) << CommandName(cmd);
    EXPECT_EQ(history, ledger_.history().size());
    if (events.size() != 1 || !std::holds_alternative<Rejected>(events[0].body)) {
      ADD_FAILURE() << CommandName(cmd) << " was not refused with exactly one event";
      return LedgerReason::kNone;
    }
    const Rejected& r = std::get<Rejected>(events[0].body);
    EXPECT_FALSE(r.text.empty());
    EXPECT_EQ(r.command, CommandName(cmd));
    return r.reason;
  }

  void Stock(const Principal& wh, int64_t kg, std::string commodity = "rebar",
             std::string grade = "HRB400E") {
    Ok(ReportStock{wh, commodity, grade, Q(kg)});
  }

  ReceiptId Register(const Principal& wh, uint64_t serial, const std::string& holder, int64_t kg,
                     const std::string& lot, std::string commodity = "rebar",
                     std::string grade = "HRB400E") {
    std::vector<LedgerEvent> events =
        Ok(RegisterReceipt{wh, serial, holder, Elements(commodity, grade, kg, {lot})});
    if (events.empty()) return ReceiptId();
    return std::get<ReceiptIssued>(events.back().body).receipt.id;
  }

  const Receipt& Get(ReceiptId id) { return ledger_.state().receipts.at(id); }

  struct JournalEntry {
    SeqNo seq;
    Timestamp time;
    std::string command;  // EncodeLedgerCommand
  };

  ExchangeConfig config_;
  Ledger ledger_;
  uint64_t seq_ = 0;
  Timestamp time_ = LedgerT0();
  std::vector<JournalEntry> journal_;
};

// ---- roles --------------------------------------------------------------------------------

TEST_F(LedgerTest, EveryCommandRefusesEveryRoleNotInTheRoleTable) {
  Stock(kWH1, 100000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  struct Case {
    LedgerCommand cmd;
    std::vector<PrincipalKind> allowed;
  };
  using K = PrincipalKind;
  const std::vector<Case> cases = {
      {ReportStock{{}, "rebar", "HRB400E", Q(1)}, {K::kWarehouse}},
      {RegisterReceipt{{}, 2, "M1", Elements("rebar", "HRB400E", 1, {"X"})}, {K::kWarehouse}},
      {TransferReceipt{{}, r, kM2}, {K::kMember, K::kBank}},
      {SplitReceipt{{}, r, {Q(1), Q(9999)}}, {K::kMember, K::kBank}},
      {MergeReceipts{{}, {r, r}}, {K::kMember, K::kBank}},
      {RequestPledge{{}, r, "B1"}, {K::kMember}},
      {AcceptPledge{{}, r}, {K::kBank}},
      {DeclinePledge{{}, r}, {K::kMember, K::kBank}},
      {ReleasePledge{{}, r}, {K::kBank}},
      {EnforcePledge{{}, r, "default"}, {K::kBank}},
      {FreezeReceipt{{}, r, "D-1", "delivery"}, {K::kExchange}},
      {UnfreezeReceipt{{}, r, "done"}, {K::kExchange}},
      {RequestLoadOut{{}, r}, {K::kMember, K::kBank}},
      {ConfirmLoadOut{{}, r}, {K::kWarehouse}},
      {CorrectReceipt{{}, r, 3, Elements("rebar", "HRB400E", 1, {"Y"}), "typo"}, {K::kWarehouse}},
      {ExpireReceipts{{}}, {K::kExchange}},
      {Deposit{{}, "M1", Fen(100), "ref"}, {K::kBank}},
      {Withdraw{{}, "M1", Fen(100), "ref"}, {K::kBank}},
  };
  ASSERT_EQ(cases.size(), std::variant_size_v<LedgerCommand>);
  const std::vector<Principal> actors = {kM2, kWH2, kB2, kS1, kEx};
  for (const Case& c : cases) {
    for (const Principal& actor : actors) {
      LedgerCommand cmd = c.cmd;
      std::visit([&](auto& x) { x.actor = actor; }, cmd);
      const bool allowed =
          std::find(c.allowed.begin(), c.allowed.end(), actor.kind) != c.allowed.end();
      if (allowed) continue;  // the allowed roles are tested with their rules below
      EXPECT_EQ(Refused(cmd), LedgerReason::kWrongRole)
          << CommandName(cmd) << " by " << PrincipalString(actor);
    }
  }
}

TEST_F(LedgerTest, UnknownOrDisabledPrincipalsAreRefused) {
  Stock(kWH1, 100000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(ReportStock{Principal::Warehouse("NOPE"), "rebar", "HRB400E", Q(1)}),
            LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(TransferReceipt{Principal::Member("M5"), r, kM2}),
            LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(AcceptPledge{Principal::Bank("B9"), r}), LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(Deposit{Principal::Bank("B9"), "M1", Fen(1), "x"}),
            LedgerReason::kUnknownPrincipal);
}

// ---- stock and registration -----------------------------------------------------------------

TEST_F(LedgerTest, RegisterIssuesAReceiptWithEveryElement) {
  Stock(kWH1, 50000);
  std::vector<LedgerEvent> events =
      Ok(RegisterReceipt{kWH1, 7, "M2", Elements("rebar", "HRB400E", 30000, {"L7", "L8"})});
  ASSERT_EQ(events.size(), 1u);
  const Receipt& r = Get(std::get<ReceiptIssued>(events[0].body).receipt.id);
  EXPECT_EQ(r.number, "WA007");
  EXPECT_EQ(r.serial, 7u);
  EXPECT_EQ(r.warehouse_code, "WH1");
  EXPECT_EQ(r.licence, "LIC-WH1");
  EXPECT_EQ(r.issued, time_);
  EXPECT_EQ(r.elements, Elements("rebar", "HRB400E", 30000, {"L7", "L8"}));
  EXPECT_EQ(r.holder, kM2);
  EXPECT_EQ(r.status, ReceiptStatus::kActive);
  EXPECT_EQ(r.encumbrance.kind, EncumbranceKind::kNone);
  EXPECT_EQ(r.version, 1u);
  EXPECT_NE(r.history_hash, Hash{});
  EXPECT_EQ(events[0].actor, kWH1);
  EXPECT_EQ(events[0].seq, SeqNo(seq_));
}

TEST_F(LedgerTest, RegisterRefusalsChangeNothing) {
  Stock(kWH1, 20000);
  Stock(kWH2, 20000);
  Register(kWH1, 1, "M1", 10000, "L1");
  auto reg = [&](const Principal& wh, uint64_t serial, std::string holder, ReceiptElements e) {
    return Refused(RegisterReceipt{wh, serial, std::move(holder), std::move(e)});
  };
  const auto ok = Elements("rebar", "HRB400E", 1000, {"L2"});
  EXPECT_EQ(reg(kWH3, 5, "M1", ok), LedgerReason::kLicenceInvalid);
  EXPECT_EQ(reg(kWH1, 1000, "M1", ok), LedgerReason::kNumberOutOfRange);
  EXPECT_EQ(reg(kWH1, 0, "M1", ok), LedgerReason::kNumberOutOfRange);
  EXPECT_EQ(reg(kWH2, 99, "M1", ok), LedgerReason::kNumberOutOfRange);
  EXPECT_EQ(reg(kWH1, 1, "M1", ok), LedgerReason::kNumberUsed);
  EXPECT_EQ(reg(kWH1, 2, "M5", ok), LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(reg(kWH1, 2, "B1", ok), LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(reg(kWH2, 100, "M1", Elements("copper", "A", 1000, {"C1"})),
            LedgerReason::kCommodityNotStored);
  auto missing = ok;
  missing.inspection_certificate.clear();
  EXPECT_EQ(reg(kWH1, 2, "M1", missing), LedgerReason::kInvalidElement);
  auto nolots = ok;
  nolots.lots.clear();
  EXPECT_EQ(reg(kWH1, 2, "M1", nolots), LedgerReason::kInvalidElement);
  EXPECT_EQ(reg(kWH1, 2, "M1", Elements("rebar", "HRB400E", 0, {"L2"})),
            LedgerReason::kInvalidQuantity);
  EXPECT_EQ(reg(kWH1, 2, "M1", Elements("rebar", "HRB400E", 1000, {"L2"}, time_)),
            LedgerReason::kExpired);
  EXPECT_EQ(reg(kWH1, 2, "M1", Elements("rebar", "HRB400E", 1000, {"L1"})),
            LedgerReason::kDuplicateLot);
  EXPECT_EQ(reg(kWH1, 2, "M1", Elements("rebar", "HRB400E", 1000, {"L2", "L2"})),
            LedgerReason::kDuplicateLot);
  // Over-issuance: 10000 receipted of 20000; 10001 more is too much.
  EXPECT_EQ(reg(kWH1, 2, "M1", Elements("rebar", "HRB400E", 10001, {"L2"})),
            LedgerReason::kExceedsStock);
  // No stock reported for this grade at all.
  EXPECT_EQ(reg(kWH1, 2, "M1", Elements("rebar", "HRB335", 1, {"L2"})), LedgerReason::kExceedsStock);
  // The same lot string at another warehouse is a different lot.
  Register(kWH2, 100, "M1", 1000, "L1");
  Register(kWH1, 2, "M1", 10000, "L2");  // exactly up to stock
}

TEST_F(LedgerTest, StockReportsCannotFallBelowReceipted) {
  Stock(kWH1, 20000);
  Register(kWH1, 1, "M1", 15000, "L1");
  EXPECT_EQ(Refused(ReportStock{kWH1, "rebar", "HRB400E", Q(14999)}),
            LedgerReason::kStockBelowReceipted);
  EXPECT_EQ(Refused(ReportStock{kWH1, "soy", "x", Q(1)}), LedgerReason::kCommodityNotStored);
  EXPECT_EQ(Refused(ReportStock{kWH1, "rebar", "", Q(1)}), LedgerReason::kInvalidElement);
  EXPECT_EQ(Refused(ReportStock{kWH1, "rebar", "HRB400E", Q(-1)}), LedgerReason::kInvalidQuantity);
  EXPECT_EQ(Refused(ReportStock{kWH3, "rebar", "HRB400E", Q(1)}), LedgerReason::kLicenceInvalid);
  Stock(kWH1, 15000);
  Stock(kWH1, 0, "copper", "A");
}

TEST_F(LedgerTest, LicenceExpiresAtTheEndOfItsDateInChinaStandardTime) {
  // WH1's licence runs to 2030-12-31 inclusive (CST).
  time_ = StartOfDayCst("2030-12-31").value() + kNanosPerDay - 2 * kNanosPerSecond;
  Stock(kWH1, 1000);  // at 23:59:59 on the last day
  EXPECT_EQ(Refused(ReportStock{kWH1, "rebar", "HRB400E", Q(2000)}),
            LedgerReason::kLicenceInvalid);  // one second later: 00:00 the next day
}

// ---- transfer, split, merge ---------------------------------------------------------------

TEST_F(LedgerTest, TransferMovesTheReceiptAndRefusesEveryoneElse) {
  Stock(kWH1, 50000);
  Stock(kWH2, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(TransferReceipt{kM2, r, kM1}), LedgerReason::kNotHolder);
  EXPECT_EQ(Refused(TransferReceipt{kM1, ReceiptId(99), kM2}), LedgerReason::kUnknownReceipt);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, Principal::Member("M5")}),
            LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kWH1}), LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM1}), LedgerReason::kInvalidElement);
  Ok(TransferReceipt{kM1, r, kM2});
  EXPECT_EQ(Get(r).holder, kM2);
  Ok(TransferReceipt{kM2, r, kB2});
  Ok(TransferReceipt{kB2, r, kM3});  // M3 is an affiliate of WH2, not WH1
  // Affiliates may neither receive nor pass on their warehouse's receipts.
  const ReceiptId w2 = Register(kWH2, 100, "M3", 1000, "K1");
  EXPECT_EQ(Refused(TransferReceipt{kM3, w2, kM1}), LedgerReason::kAffiliate);
  const ReceiptId w2b = Register(kWH2, 101, "M1", 1000, "K2");
  EXPECT_EQ(Refused(TransferReceipt{kM1, w2b, kM3}), LedgerReason::kAffiliate);
}

TEST_F(LedgerTest, SplitConservesQuantityAndRetiresTheParent) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(SplitReceipt{kM1, r, {Q(4000)}}), LedgerReason::kInvalidQuantity);
  EXPECT_EQ(Refused(SplitReceipt{kM1, r, {Q(4000), Q(5000)}}), LedgerReason::kInvalidQuantity);
  EXPECT_EQ(Refused(SplitReceipt{kM1, r, {Q(10001), Q(-1)}}), LedgerReason::kInvalidQuantity);
  EXPECT_EQ(Refused(SplitReceipt{kM2, r, {Q(4000), Q(6000)}}), LedgerReason::kNotHolder);
  std::vector<LedgerEvent> events = Ok(SplitReceipt{kM1, r, {Q(3000), Q(3000), Q(4000)}});
  const ReceiptSplit& split = std::get<ReceiptSplit>(events.at(0).body);
  ASSERT_EQ(split.children.size(), 3u);
  EXPECT_EQ(Get(r).status, ReceiptStatus::kRetired);
  EXPECT_EQ(Get(r).children.size(), 3u);
  for (const SplitChild& c : split.children) {
    const Receipt& child = Get(c.id);
    EXPECT_EQ(child.parents, std::vector<ReceiptId>{r});
    EXPECT_EQ(child.holder, kM1);
    EXPECT_EQ(child.issued, Get(r).issued);
    EXPECT_EQ(child.number, "WA001." + std::to_string(c.id.value()));
    EXPECT_EQ(child.lot_refs, Get(r).lot_refs);
  }
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kNotLive);
  EXPECT_EQ(Refused(SplitReceipt{kM1, r, {Q(5000), Q(5000)}}), LedgerReason::kNotLive);
  // The split lot is still covered: no re-registration of L1.
  EXPECT_EQ(Refused(RegisterReceipt{kWH1, 2, "M1", Elements("rebar", "HRB400E", 1, {"L1"})}),
            LedgerReason::kDuplicateLot);
}

TEST_F(LedgerTest, MergeNeedsOneWarehouseCommodityGradeAndHolder) {
  Stock(kWH1, 50000);
  Stock(kWH1, 50000, "rebar", "HRB335");
  Stock(kWH2, 50000);
  const ReceiptId a = Register(kWH1, 1, "M1", 10000, "L1");
  const ReceiptId b = Register(kWH1, 2, "M1", 5000, "L2");
  const ReceiptId other_grade = Register(kWH1, 3, "M1", 5000, "L3", "rebar", "HRB335");
  const ReceiptId other_wh = Register(kWH2, 100, "M1", 5000, "L4");
  const ReceiptId other_holder = Register(kWH1, 4, "M2", 5000, "L5");
  EXPECT_EQ(Refused(MergeReceipts{kM1, {a}}), LedgerReason::kInvalidQuantity);
  EXPECT_EQ(Refused(MergeReceipts{kM1, {a, a}}), LedgerReason::kDuplicateReceipt);
  EXPECT_EQ(Refused(MergeReceipts{kM1, {a, other_grade}}), LedgerReason::kMergeMismatch);
  EXPECT_EQ(Refused(MergeReceipts{kM1, {a, other_wh}}), LedgerReason::kMergeMismatch);
  EXPECT_EQ(Refused(MergeReceipts{kM1, {a, other_holder}}), LedgerReason::kNotHolder);
  std::vector<LedgerEvent> events = Ok(MergeReceipts{kM1, {a, b}});
  const ReceiptId m = std::get<ReceiptsMerged>(events.at(0).body).child;
  EXPECT_EQ(Get(m).elements.quantity, Q(15000));
  EXPECT_EQ(Get(m).elements.lots, (std::vector<std::string>{"L1", "L2"}));
  EXPECT_EQ(Get(m).parents, (std::vector<ReceiptId>{a, b}));
  EXPECT_EQ(Get(a).status, ReceiptStatus::kRetired);
  EXPECT_EQ(Get(b).children, std::vector<ReceiptId>{m});
  // Split and merge back: the lots stay one registration's.
  std::vector<LedgerEvent> s = Ok(SplitReceipt{kM1, m, {Q(7000), Q(8000)}});
  const auto& kids = std::get<ReceiptSplit>(s.at(0).body).children;
  Ok(MergeReceipts{kM1, {kids[0].id, kids[1].id}});
}

// ---- pledge -------------------------------------------------------------------------------

TEST_F(LedgerTest, PledgeLifecycleAndDoublePledgeRefusals) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(RequestPledge{kM2, r, "B1"}), LedgerReason::kNotHolder);
  EXPECT_EQ(Refused(RequestPledge{kM1, r, "B9"}), LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(AcceptPledge{kB1, r}), LedgerReason::kNoPledgeRequest);
  Ok(RequestPledge{kM1, r, "B1"});
  EXPECT_EQ(Refused(RequestPledge{kM1, r, "B2"}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(AcceptPledge{kB2, r}), LedgerReason::kNoPledgeRequest);
  Ok(AcceptPledge{kB1, r});
  EXPECT_EQ(Get(r).encumbrance.kind, EncumbranceKind::kPledge);
  EXPECT_EQ(Get(r).encumbrance.bank, "B1");
  // An encumbered receipt cannot be re-pledged, transferred, split, merged, frozen or loaded out.
  EXPECT_EQ(Refused(RequestPledge{kM1, r, "B2"}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(AcceptPledge{kB1, r}), LedgerReason::kNoPledgeRequest);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(SplitReceipt{kM1, r, {Q(1000), Q(9000)}}), LedgerReason::kEncumbered);
  const ReceiptId other = Register(kWH1, 2, "M1", 1000, "L2");
  EXPECT_EQ(Refused(MergeReceipts{kM1, {other, r}}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(FreezeReceipt{kEx, r, "D1", "delivery"}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(RequestLoadOut{kM1, r}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(CorrectReceipt{kWH1, r, 9, Elements("rebar", "HRB400E", 1, {"Z"}), "x"}),
            LedgerReason::kEncumbered);
  // Only the pledgee ends it.
  EXPECT_EQ(Refused(ReleasePledge{kB2, r}), LedgerReason::kNotPledgee);
  EXPECT_EQ(Refused(ReleasePledge{kB1, other}), LedgerReason::kNotEncumbered);
  Ok(ReleasePledge{kB1, r});
  EXPECT_EQ(Get(r).encumbrance.kind, EncumbranceKind::kNone);
  // Re-pledge after release, then enforcement moves the receipt to the bank.
  Ok(RequestPledge{kM1, r, "B2"});
  Ok(AcceptPledge{kB2, r});
  EXPECT_EQ(Refused(EnforcePledge{kB2, r, ""}), LedgerReason::kReasonRequired);
  EXPECT_EQ(Refused(EnforcePledge{kB1, r, "default"}), LedgerReason::kNotPledgee);
  Ok(EnforcePledge{kB2, r, "loan 42 in default"});
  EXPECT_EQ(Get(r).holder, kB2);
  EXPECT_EQ(Get(r).encumbrance.kind, EncumbranceKind::kNone);
  Ok(TransferReceipt{kB2, r, kM2});  // the bank may sell it on
}

TEST_F(LedgerTest, PledgeRequestCanBeWithdrawnOrDeclinedAndDiesWithATransfer) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(DeclinePledge{kM1, r}), LedgerReason::kNoPledgeRequest);
  Ok(RequestPledge{kM1, r, "B1"});
  EXPECT_EQ(Refused(DeclinePledge{kB2, r}), LedgerReason::kNotHolder);
  Ok(DeclinePledge{kB1, r});
  Ok(RequestPledge{kM1, r, "B1"});
  Ok(DeclinePledge{kM1, r});
  Ok(RequestPledge{kM1, r, "B1"});
  Ok(TransferReceipt{kM1, r, kM2});
  EXPECT_EQ(Refused(AcceptPledge{kB1, r}), LedgerReason::kNoPledgeRequest);
}

TEST_F(LedgerTest, AffiliatesCannotFinanceTheirWarehousesReceipts) {
  Stock(kWH2, 50000);
  const ReceiptId r = Register(kWH2, 100, "M3", 10000, "L1");
  EXPECT_EQ(Refused(RequestPledge{kM3, r, "B1"}), LedgerReason::kAffiliate);
}

// ---- freeze, load-out, correction, expiry ----------------------------------------------------

TEST_F(LedgerTest, ExchangeFreezesAndUnfreezes) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(FreezeReceipt{kEx, r, "", "x"}), LedgerReason::kReasonRequired);
  EXPECT_EQ(Refused(UnfreezeReceipt{kEx, r, "x"}), LedgerReason::kNotEncumbered);
  Ok(FreezeReceipt{kEx, r, "DLV-1", "negotiated delivery"});
  EXPECT_EQ(Get(r).encumbrance.kind, EncumbranceKind::kFrozenForDelivery);
  EXPECT_EQ(Refused(FreezeReceipt{kEx, r, "DLV-2", "again"}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(RequestPledge{kM1, r, "B1"}), LedgerReason::kEncumbered);
  EXPECT_EQ(Refused(UnfreezeReceipt{kEx, r, ""}), LedgerReason::kReasonRequired);
  Ok(UnfreezeReceipt{kEx, r, "delivery done"});
  Ok(TransferReceipt{kM1, r, kM2});
}

TEST_F(LedgerTest, LoadOutIsRequestedByTheHolderAndConfirmedByTheIssuer) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  EXPECT_EQ(Refused(ConfirmLoadOut{kWH1, r}), LedgerReason::kNotLoadOutRequested);
  EXPECT_EQ(Refused(RequestLoadOut{kM2, r}), LedgerReason::kNotHolder);
  Ok(RequestLoadOut{kM1, r});
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kNotActive);
  EXPECT_EQ(Refused(RequestLoadOut{kM1, r}), LedgerReason::kNotActive);
  EXPECT_EQ(Refused(ConfirmLoadOut{kWH2, r}), LedgerReason::kNotIssuer);
  Ok(ConfirmLoadOut{kWH1, r});
  EXPECT_EQ(Get(r).status, ReceiptStatus::kCancelled);
  EXPECT_EQ(ledger_.state().stock.at({WarehouseId(1), "rebar", "HRB400E"}), Q(40000));
  EXPECT_EQ(Refused(ConfirmLoadOut{kWH1, r}), LedgerReason::kNotLoadOutRequested);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kNotLive);
  // The lot is free again once its goods have left.
  Register(kWH1, 2, "M1", 1000, "L1");
}

TEST_F(LedgerTest, CorrectionIsCancelAndReissueWithAReason) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  Ok(TransferReceipt{kM1, r, kM2});
  auto fixed = Elements("rebar", "HRB400E", 9500, {"L1"});
  EXPECT_EQ(Refused(CorrectReceipt{kWH1, r, 2, fixed, ""}), LedgerReason::kReasonRequired);
  EXPECT_EQ(Refused(CorrectReceipt{kWH2, r, 2, fixed, "x"}), LedgerReason::kNotIssuer);
  EXPECT_EQ(Refused(CorrectReceipt{kWH1, r, 1, fixed, "x"}), LedgerReason::kNumberUsed);
  EXPECT_EQ(Refused(CorrectReceipt{kWH1, r, 2, Elements("rebar", "HRB400E", 50001, {"L1"}), "x"}),
            LedgerReason::kExceedsStock);
  std::vector<LedgerEvent> events = Ok(CorrectReceipt{kWH1, r, 2, fixed, "weighbridge error"});
  ASSERT_EQ(events.size(), 2u);
  const ReceiptId n = std::get<ReceiptIssued>(events[1].body).receipt.id;
  EXPECT_EQ(Get(r).status, ReceiptStatus::kVoided);
  EXPECT_EQ(Get(r).status_reason, "weighbridge error");
  EXPECT_EQ(Get(n).number, "WA002");
  EXPECT_EQ(Get(n).holder, kM2);
  EXPECT_EQ(Get(n).origin, ReceiptOrigin::kReissued);
  EXPECT_EQ(Get(n).parents, std::vector<ReceiptId>{r});
  EXPECT_EQ(Get(n).elements.quantity, Q(9500));
  EXPECT_EQ(events[0].why, "weighbridge error");
  EXPECT_EQ(Refused(CorrectReceipt{kWH1, r, 3, fixed, "again"}), LedgerReason::kNotLive);
}

TEST_F(LedgerTest, ExpiredReceiptsCannotTradeOrBePledgedButCanBeLoadedOut) {
  Stock(kWH1, 50000);
  const ReceiptId r = Register(kWH1, 1, "M1", 10000, "L1");
  const ReceiptId pledged = Register(kWH1, 2, "M1", 10000, "L2");
  Ok(RequestPledge{kM1, pledged, "B1"});
  Ok(AcceptPledge{kB1, pledged});
  time_ += 366 * kNanosPerDay;
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kExpired);
  EXPECT_EQ(Refused(RequestPledge{kM1, r, "B1"}), LedgerReason::kExpired);
  EXPECT_EQ(Refused(ExpireReceipts{kM1}), LedgerReason::kWrongRole);
  std::vector<LedgerEvent> events = Ok(ExpireReceipts{kEx});
  ASSERT_EQ(events.size(), 1u);  // the pledged one stays active until its pledge ends
  EXPECT_EQ(Get(r).status, ReceiptStatus::kExpired);
  EXPECT_EQ(Get(pledged).status, ReceiptStatus::kActive);
  EXPECT_EQ(Refused(TransferReceipt{kM1, r, kM2}), LedgerReason::kExpired);
  EXPECT_TRUE(Ok(ExpireReceipts{kEx}).empty());
  Ok(RequestLoadOut{kM1, r});
  Ok(ConfirmLoadOut{kWH1, r});
  Ok(EnforcePledge{kB1, pledged, "expired collateral"});
}

// ---- cash ---------------------------------------------------------------------------------

TEST_F(LedgerTest, OnlyTheSettlementBankMovesCash) {
  EXPECT_EQ(Refused(Deposit{kB2, "M1", Fen(100), "x"}), LedgerReason::kNotSettlementBank);
  EXPECT_EQ(Refused(Deposit{kB1, "M9", Fen(100), "x"}), LedgerReason::kUnknownPrincipal);
  EXPECT_EQ(Refused(Deposit{kB1, "M1", Fen(0), "x"}), LedgerReason::kInvalidQuantity);
  Ok(Deposit{kB1, "M1", Fen(100000), "wire 1"});
  EXPECT_EQ(Refused(Withdraw{kB1, "M1", Fen(100001), "x"}), LedgerReason::kInsufficientFunds);
  EXPECT_EQ(Refused(Withdraw{kB2, "M1", Fen(1), "x"}), LedgerReason::kNotSettlementBank);
  EXPECT_EQ(Refused(Withdraw{kM1, "M1", Fen(1), "x"}), LedgerReason::kWrongRole);
  Ok(Withdraw{kB1, "M1", Fen(40000), "wire 2"});
  EXPECT_EQ(ledger_.state().accounts.at(MemberId(1)).available, Fen(60000));
  EXPECT_EQ(Refused(Deposit{kB1, "M1", Fen(INT64_MAX), "x"}), LedgerReason::kOverflow);
}

// ---- history ------------------------------------------------------------------------------

class HistoryTest : public LedgerTest {
 protected:
  void Scenario() {
    Stock(kWH1, 100000);
    Stock(kWH2, 100000);
    const ReceiptId a = Register(kWH1, 1, "M1", 20000, "L1");
    const ReceiptId b = Register(kWH2, 100, "M2", 10000, "K1");
    Ok(Deposit{kB1, "M1", Fen(10'000'000), "w"});
    Ok(TransferReceipt{kM1, a, kM2});
    std::vector<LedgerEvent> s = Ok(SplitReceipt{kM2, a, {Q(5000), Q(15000)}});
    const ReceiptId c = std::get<ReceiptSplit>(s[0].body).children[0].id;
    Ok(RequestPledge{kM2, c, "B1"});
    Ok(AcceptPledge{kB1, c});
    Ok(FreezeReceipt{kEx, b, "D", "delivery"});
    Ok(Withdraw{kB1, "M1", Fen(5), "w"});
  }
};

TEST_F(HistoryTest, RebuildsTheExactStateFromTheLog) {
  Scenario();
  HistoryReport report = VerifyHistory(ledger_.config(), ledger_.history(), &ledger_.state());
  EXPECT_TRUE(report.ok) << report.discrepancy;
  EXPECT_EQ(report.records, ledger_.history().size());
  EXPECT_TRUE(ledger_.state().SameRecords(report.rebuilt));
}

TEST_F(HistoryTest, DetectsEveryKindOfTampering) {
  Scenario();
  const std::vector<HistoryRecord> log = ledger_.history().Decoded();
  ASSERT_GE(log.size(), 10u);
  for (size_t i = 0; i < log.size(); ++i) {
    // Changing a field.
    std::vector<HistoryRecord> changed = log;
    changed[i].event.why += "!";
    HistoryReport r1 = VerifyHistory(ledger_.config(), changed);
    EXPECT_FALSE(r1.ok);
    EXPECT_EQ(r1.index, i);
    // Changing a field and re-hashing that record: the next record no longer chains to it.
    changed[i].event.seq = SeqNo(changed[i].event.seq.value() + 1000);
    changed[i].hash = ComputeRecordHash(changed[i].prev_hash, i, changed[i].event);
    HistoryReport r2 = VerifyHistory(ledger_.config(), changed, &ledger_.state());
    EXPECT_FALSE(r2.ok);
    // Removing a record.
    std::vector<HistoryRecord> removed = log;
    removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
    HistoryReport r3 = VerifyHistory(ledger_.config(), removed, &ledger_.state());
    EXPECT_FALSE(r3.ok) << "removing record " << i;
    // Reordering two neighbours.
    if (i + 1 < log.size()) {
      std::vector<HistoryRecord> swapped = log;
      std::swap(swapped[i], swapped[i + 1]);
      HistoryReport r4 = VerifyHistory(ledger_.config(), swapped);
      EXPECT_FALSE(r4.ok);
      EXPECT_EQ(r4.index, i);
    }
  }
}

// The same tampering on the stored form, where a record carries only its own hash: the reader
// chains each record to the previous stored hash, as HistoryLog and the store do.
TEST_F(HistoryTest, DetectsTamperingWithTheStoredRecords) {
  Scenario();
  std::vector<std::string> stored;
  for (uint64_t i = 0; i < ledger_.history().size(); ++i) {
    stored.emplace_back(ledger_.history().encoded(i));
  }
  auto verify = [&](const std::vector<std::string>& records) {
    std::vector<HistoryRecord> decoded;
    Hash prev{};
    for (const std::string& bytes : records) {
      auto rec = DecodeHistoryRecord(bytes, prev);
      EXPECT_TRUE(rec.ok()) << rec.status();
      if (!rec.ok()) break;
      prev = rec->hash;
      decoded.push_back(*std::move(rec));
    }
    return VerifyHistory(ledger_.config(), decoded, &ledger_.state());
  };
  ASSERT_TRUE(verify(stored).ok) << verify(stored).discrepancy;
  for (size_t i = 0; i < stored.size(); ++i) {
    HistoryRecord rec = ledger_.history()[i];
    // Edited, its stored hash kept.
    std::vector<std::string> edited = stored;
    rec.event.why += "!";
    edited[i].clear();
    EncodeHistoryRecord(rec, edited[i]);
    HistoryReport r1 = verify(edited);
    EXPECT_FALSE(r1.ok);
    EXPECT_EQ(r1.index, i);
    EXPECT_NE(r1.discrepancy.find("hash does not match"), std::string::npos) << r1.discrepancy;
    // Edited and re-hashed: the next record (or, for the last, the head) no longer matches.
    rec.hash = ComputeRecordHash(rec.prev_hash, i, rec.event);
    edited[i].clear();
    EncodeHistoryRecord(rec, edited[i]);
    HistoryReport r2 = verify(edited);
    EXPECT_FALSE(r2.ok) << "re-hashed record " << i;
    if (i + 1 < stored.size()) {
      EXPECT_EQ(r2.index, i + 1);
    }
    // Removed.
    std::vector<std::string> removed = stored;
    removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
    HistoryReport r3 = verify(removed);
    EXPECT_FALSE(r3.ok) << "removing record " << i;
    // Reordered.
    if (i + 1 < stored.size()) {
      std::vector<std::string> swapped = stored;
      std::swap(swapped[i], swapped[i + 1]);
      HistoryReport r4 = verify(swapped);
      EXPECT_FALSE(r4.ok);
      EXPECT_EQ(r4.index, i);
    }
  }
}

TEST_F(HistoryTest, AForgedButCorrectlyChainedRecordIsCaughtByTheRules) {
  Scenario();
  ReceiptId pledged;
  for (const HistoryRecord& rec : ledger_.history()) {
    if (const auto* e = std::get_if<EncumbranceChanged>(&rec.event.body)) pledged = e->receipt;
  }
  auto append = [&](EventBody body) {
    std::vector<HistoryRecord> log = ledger_.history().Decoded();
    HistoryRecord forged;
    forged.index = log.size();
    forged.event = LedgerEvent{SeqNo(seq_ + 1), time_ + 1, kM2, "forged", std::move(body)};
    forged.prev_hash = log.back().hash;
    forged.hash = ComputeRecordHash(forged.prev_hash, forged.index, forged.event);
    log.push_back(forged);
    return VerifyHistory(ledger_.config(), log);
  };
  // Transfer of a pledged receipt.
  HistoryReport r = append(HolderChanged{pledged, kM2, kM3, HolderCause::kTransfer, TradeId(), OrderId()});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.index, ledger_.history().size());
  EXPECT_NE(r.discrepancy.find("encumbered"), std::string::npos) << r.discrepancy;
  // A second pledge of the same receipt to another bank.
  Encumbrance to;
  to.kind = EncumbranceKind::kPledge;
  to.bank = "B2";
  r = append(EncumbranceChanged{pledged, Encumbrance{}, to, EncumbranceCause::kPledgeAccepted});
  EXPECT_FALSE(r.ok);
  // Over-issuance beyond the inspected stock.
  Receipt fake = ledger_.state().receipts.begin()->second;
  fake.id = ReceiptId(ledger_.state().meta.next_receipt_id);
  fake.serial = 500;
  fake.number = "WA500";
  fake.issued = time_ + 1;
  fake.elements = Elements("rebar", "HRB400E", 90000, {"Z9"});
  fake.lot_refs = {{"Z9", fake.id}};
  fake.origin = ReceiptOrigin::kRegistered;
  fake.parents.clear();
  fake.children.clear();
  fake.status = ReceiptStatus::kActive;
  fake.encumbrance = Encumbrance{};
  fake.holds.clear();
  fake.pending_pledgee.clear();
  fake.version = 0;
  fake.history_hash = Hash{};
  fake.holder = kM1;
  std::vector<HistoryRecord> log = ledger_.history().Decoded();
  HistoryRecord forged;
  forged.index = log.size();
  forged.event = LedgerEvent{SeqNo(seq_ + 1), time_ + 1, kWH1, "forged", ReceiptIssued{fake}};
  forged.prev_hash = log.back().hash;
  forged.hash = ComputeRecordHash(forged.prev_hash, forged.index, forged.event);
  log.push_back(forged);
  r = VerifyHistory(ledger_.config(), log);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.discrepancy.find("stock"), std::string::npos) << r.discrepancy;
}

TEST_F(HistoryTest, ReportsAStateThatDiffersFromItsLog) {
  Scenario();
  LedgerState forged = ledger_.state();
  forged.receipts.begin()->second.holder = kM3;
  HistoryReport report = VerifyHistory(ledger_.config(), ledger_.history(), &forged);
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.discrepancy.find("receipt 1: holder"), std::string::npos) << report.discrepancy;
  LedgerState rich = ledger_.state();
  rich.accounts[MemberId(1)].available = Fen(1);
  report = VerifyHistory(ledger_.config(), ledger_.history(), &rich);
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.discrepancy.find("account 1"), std::string::npos) << report.discrepancy;
}

// ---- codec, snapshot, replay ----------------------------------------------------------------

template <typename T, typename Enc, typename Dec>
void ExpectRoundTripAndCorruptionDetected(const T& value, Enc encode, Dec decode) {
  std::string bytes;
  encode(value, bytes);
  auto decoded = decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  std::string again;
  encode(*decoded, again);
  EXPECT_EQ(bytes, again);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto truncated = decode(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(truncated.ok()) << "accepted a record truncated to " << n << " bytes";
    EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(decode(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  std::string bad_version = bytes;
  bad_version[0] = 9;
  EXPECT_EQ(decode(bad_version).status().code(), absl::StatusCode::kDataLoss);
  std::string bad_type = bytes;
  bad_type[1] = 99;
  EXPECT_EQ(decode(bad_type).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(HistoryTest, EveryRecordRoundTripsAndCorruptionIsDataLoss) {
  Scenario();
  for (const auto& [id, r] : ledger_.state().receipts) {
    ExpectRoundTripAndCorruptionDetected(r, EncodeReceipt, DecodeReceipt);
  }
  for (const auto& [m, a] : ledger_.state().accounts) {
    ExpectRoundTripAndCorruptionDetected(AccountRecord{m, a}, EncodeAccount, DecodeAccount);
  }
  for (const auto& [k, q] : ledger_.state().stock) {
    ExpectRoundTripAndCorruptionDetected(StockRecord{k, q}, EncodeStock, DecodeStock);
  }
  OrderReservation order{OrderId(7), MemberId(2), InstrumentId(1), Side::kSell, Price::FromRaw(1),
                         Q(3000), Money(), {{ReceiptId(1), Q(1000)}, {ReceiptId(2), Q(2000)}}};
  ExpectRoundTripAndCorruptionDetected(order, EncodeOrder, DecodeOrder);
  ExpectRoundTripAndCorruptionDetected(ledger_.state().meta, EncodeMeta, DecodeMeta);
  ExpectRoundTripAndCorruptionDetected(TradeId(42), EncodeSettledTrade, DecodeSettledTrade);
  for (const HistoryRecord& rec : ledger_.history()) {
    // The previous hash is the chain's, not the record's: the reader supplies it.
    ExpectRoundTripAndCorruptionDetected(rec, EncodeHistoryRecord, [&](std::string_view b) {
      return DecodeHistoryRecord(b, rec.prev_hash);
    });
    ExpectRoundTripAndCorruptionDetected(rec.event, EncodeEvent, DecodeEvent);
  }
  // Out-of-range enums are refused: the receipt's status byte.
  std::string bytes;
  EncodeAccount(AccountRecord{MemberId(1), Account{Fen(1), Fen(2)}}, bytes);
  EXPECT_TRUE(DecodeAccount(bytes).ok());
  LedgerEvent rejected{SeqNo(1), 1, kM1, "", Rejected{LedgerReason::kNotHolder, "t", "c"}};
  std::string ev;
  EncodeEvent(rejected, ev);
  // ... reason (varint, one byte), text "t" and command "c" (varint length + byte each).
  ev[ev.size() - 2 - 2 - 1] = static_cast<char>(0x7f);  // reason code 127: out of range
  EXPECT_EQ(DecodeEvent(ev).status().code(), absl::StatusCode::kDataLoss);
}

// "order N" / "trade N" naming the body's own id is stored as one byte and rebuilt exactly;
// anything else (another id, leading zeros, a transfer) is stored as text.
TEST(LedgerCodecTest, WhyNamingTheBodysIdIsStoredAsOneByteAndRoundTrips) {
  const Principal ex = Principal::Exchange();
  auto size_and_round_trip = [](const LedgerEvent& e) {
    std::string bytes;
    EncodeEvent(e, bytes);
    auto back = DecodeEvent(bytes);
    EXPECT_TRUE(back.ok()) << back.status();
    if (back.ok()) {
      EXPECT_EQ(back->why, e.why);
      std::string again;
      EncodeEvent(*back, again);
      EXPECT_EQ(again, bytes);
    }
    return bytes.size();
  };
  const EventBody hold = HoldPlaced{ReceiptId(3), OrderId(1234567), Quantity::FromRaw(10)};
  const size_t derived = size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 1234567", hold});
  EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 01234567", hold}),
            derived + 15);
  EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 1234568", hold}),
            derived + 14);
  EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "", hold}), derived + 1);
  // Only the id's exact decimal form is derived; anything else is stored as text (1 + length).
  for (const std::string why : {"order ", "order +1234567", "order -1234567", "order 1234567 ",
                                "order 1234567x", "order 12345670", "order 123456",
                                "order 00", "Order 1234567", "order  1234567",
                                "order 18446744073709551616", "order 99999999999999999999999"}) {
    EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, why, hold}),
              derived + 1 + why.size())
        << why;
  }
  const EventBody hold0 = HoldPlaced{ReceiptId(3), OrderId(0), Quantity::FromRaw(10)};
  const size_t derived0 = size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 0", hold0});
  EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 00", hold0}), derived0 + 9);
  const EventBody hold_max = HoldPlaced{ReceiptId(3), OrderId(UINT64_MAX), Quantity::FromRaw(10)};
  const size_t derived_max =
      size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 18446744073709551615", hold_max});
  EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "order 18446744073709551616", hold_max}),
            derived_max + 27);
  const EventBody settled = HolderChanged{ReceiptId(3), kM1, kM2, HolderCause::kSettlement,
                                          TradeId(77), OrderId(5)};
  const size_t by_trade = size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "trade 77", settled});
  const EventBody moved = HolderChanged{ReceiptId(3), kM1, kM2, HolderCause::kTransfer,
                                        TradeId(77), OrderId(5)};
  EXPECT_EQ(size_and_round_trip(LedgerEvent{SeqNo(9), 5, ex, "trade 77", moved}), by_trade + 9);
  // A derived kind whose body has no such id is corrupt.
  std::string moved_bytes;
  EncodeEvent(LedgerEvent{SeqNo(9), 5, ex, "x", moved}, moved_bytes);
  // The transfer's record with its text why ("x") replaced by the derived trade kind.
  std::string forged = moved_bytes;
  const size_t kind_at = moved_bytes.find(std::string("\0\1x", 3));
  ASSERT_NE(kind_at, std::string::npos);
  forged.replace(kind_at, 3, std::string(1, '\2'));
  EXPECT_EQ(DecodeEvent(forged).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(HistoryTest, SnapshotRestoresTheSameLedgerAndBothContinueIdentically) {
  Scenario();
  // Persist through the codec, as the sequencer would.
  LedgerSnapshot snap = ledger_.Snapshot();
  LedgerSnapshot decoded;
  for (const Receipt& r : snap.receipts) {
    std::string b;
    EncodeReceipt(r, b);
    decoded.receipts.push_back(DecodeReceipt(b).value());
  }
  for (const AccountRecord& a : snap.accounts) {
    std::string b;
    EncodeAccount(a, b);
    decoded.accounts.push_back(DecodeAccount(b).value());
  }
  for (const StockRecord& s : snap.stock) {
    std::string b;
    EncodeStock(s, b);
    decoded.stock.push_back(DecodeStock(b).value());
  }
  Hash prev{};
  for (const HistoryRecord& h : snap.history) {
    std::string b;
    EncodeHistoryRecord(h, b);
    decoded.history.push_back(DecodeHistoryRecord(b, prev).value());
    prev = decoded.history.back().hash;
  }
  std::string meta;
  EncodeMeta(snap.meta, meta);
  decoded.meta = DecodeMeta(meta).value();
  auto restored = Ledger::Restore(config_, LedgerOptions{"B1"}, decoded);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_TRUE(SameState(ledger_.state(), (*restored)->state()));
  EXPECT_TRUE(VerifyHistory((*restored)->config(), (*restored)->history(), &(*restored)->state()).ok);
  // Same next command, same events and hashes.
  std::vector<LedgerEvent> a, b;
  const ReceiptId some = ledger_.state().receipts.rbegin()->first;
  ledger_.Apply(SplitReceipt{kM2, some, {Q(1000), Q(14000)}}, SeqNo(100), time_ + 5, a);
  (*restored)->Apply(SplitReceipt{kM2, some, {Q(1000), Q(14000)}}, SeqNo(100), time_ + 5, b);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(ledger_.history().back().hash, (*restored)->history().back().hash);
  // A snapshot whose history does not match its meta is refused.
  LedgerSnapshot broken = decoded;
  broken.history.pop_back();
  EXPECT_EQ(Ledger::Restore(config_, {}, broken).status().code(), absl::StatusCode::kDataLoss);
  LedgerSnapshot lying = decoded;
  lying.stock.clear();  // receipts beyond stock
  EXPECT_EQ(Ledger::Restore(config_, {}, lying).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(HistoryTest, ReplayingTheSameCommandsGivesTheSameHistoryByteForByte) {
  Scenario();
  // A second ledger fed the same commands with the same stamps.
  ExchangeConfig config2 = MakeLedgerConfig();
  Ledger second(config2, LedgerOptions{"B1"});
  uint64_t seq = 0;
  Timestamp t = LedgerT0();
  std::vector<LedgerEvent> out;
  auto run = [&](const LedgerCommand& c) {
    ++seq;
    t += kNanosPerSecond;
    second.Apply(c, SeqNo(seq), t, out);
  };
  run(ReportStock{kWH1, "rebar", "HRB400E", Q(100000)});
  run(ReportStock{kWH2, "rebar", "HRB400E", Q(100000)});
  run(RegisterReceipt{kWH1, 1, "M1", Elements("rebar", "HRB400E", 20000, {"L1"})});
  run(RegisterReceipt{kWH2, 100, "M2", Elements("rebar", "HRB400E", 10000, {"K1"})});
  run(Deposit{kB1, "M1", Fen(10'000'000), "w"});
  run(TransferReceipt{kM1, ReceiptId(1), kM2});
  run(SplitReceipt{kM2, ReceiptId(1), {Q(5000), Q(15000)}});
  run(RequestPledge{kM2, ReceiptId(3), "B1"});
  run(AcceptPledge{kB1, ReceiptId(3)});
  run(FreezeReceipt{kEx, ReceiptId(2), "D", "delivery"});
  run(Withdraw{kB1, "M1", Fen(5), "w"});
  ASSERT_EQ(second.history().size(), ledger_.history().size());
  for (size_t i = 0; i < second.history().size(); ++i) {
    std::string x, y;
    EncodeHistoryRecord(second.history()[i], x);
    EncodeHistoryRecord(ledger_.history()[i], y);
    EXPECT_EQ(x, y) << "record " << i;
  }
}

TEST_F(HistoryTest, EveryCommandRoundTripsThroughTheJournalCodec) {
  const ReceiptId r(3);
  const std::vector<LedgerCommand> commands = {
      ReportStock{kWH1, "rebar", "HRB400E", Q(1)},
      RegisterReceipt{kWH1, 2, "M1", Elements("rebar", "HRB400E", 1, {"X", "Y"})},
      TransferReceipt{kM1, r, kB2},
      SplitReceipt{kM1, r, {Q(1), Q(9999)}},
      MergeReceipts{kM1, {r, ReceiptId(4)}},
      RequestPledge{kM1, r, "B1"},
      AcceptPledge{kB1, r},
      DeclinePledge{kM1, r},
      ReleasePledge{kB1, r},
      EnforcePledge{kB1, r, "default"},
      FreezeReceipt{kEx, r, "D-1", "delivery"},
      UnfreezeReceipt{kEx, r, "done"},
      RequestLoadOut{kM1, r},
      ConfirmLoadOut{kWH1, r},
      CorrectReceipt{kWH1, r, 3, Elements("rebar", "HRB400E", 1, {"Y"}), "typo"},
      ExpireReceipts{kEx},
      Deposit{kB1, "M1", Fen(100), "ref"},
      Withdraw{kB1, "M1", Fen(100), "ref"},
  };
  ASSERT_EQ(commands.size(), std::variant_size_v<LedgerCommand>);
  for (const LedgerCommand& c : commands) {
    ExpectRoundTripAndCorruptionDetected(c, EncodeLedgerCommand, DecodeLedgerCommand);
    std::string bytes;
    EncodeLedgerCommand(c, bytes);
    EXPECT_EQ(DecodeLedgerCommand(bytes)->index(), c.index());
  }
}

TEST_F(HistoryTest, ReplayingTheEncodedJournalRebuildsTheLedgerByteForByte) {
  Scenario();
  Refused(TransferReceipt{kM3, ReceiptId(1), kM1});  // refusals replay as refusals
  Ledger replayed(config_, LedgerOptions{"B1"});
  for (const JournalEntry& e : journal_) {
    absl::StatusOr<LedgerCommand> cmd = DecodeLedgerCommand(e.command);
    ASSERT_TRUE(cmd.ok()) << cmd.status();
    std::vector<LedgerEvent> out;
    replayed.Apply(*cmd, e.seq, e.time, out);
  }
  EXPECT_TRUE(SameState(ledger_.state(), replayed.state()));
  ASSERT_EQ(replayed.history().size(), ledger_.history().size());
  EXPECT_EQ(replayed.history()[replayed.history().size() - 1].hash,
            ledger_.history()[ledger_.history().size() - 1].hash);
}

TEST_F(HistoryTest, TakeChangesListsWhatToPersist) {
  LedgerChanges none = ledger_.TakeChanges();
  EXPECT_TRUE(none.empty());
  Scenario();
  LedgerChanges c = ledger_.TakeChanges();
  EXPECT_EQ(c.history_begin, 0u);
  EXPECT_EQ(c.history_end, ledger_.history().size());
  Ok(TransferReceipt{kM2, ReceiptId(4), kM1});
  c = ledger_.TakeChanges();
  EXPECT_EQ(c.history_begin, c.history_end - 1);
  EXPECT_EQ(c.history_end, ledger_.history().size());
  // The block the sequencer persists holds exactly those records, as the log encodes them.
  std::string block;
  EncodeHistoryBlock(ledger_.history(), c.history_begin, c.history_end, block);
  uint64_t first = 0;
  Hash block_prev{};
  std::vector<std::string> records;
  ASSERT_TRUE(DecodeHistoryBlock(block, first, block_prev, [&](std::string_view r) {
                records.emplace_back(r);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(first, c.history_begin);
  // The block carries the chain head before its first record.
  EXPECT_EQ(block_prev, ledger_.history()[c.history_begin - 1].hash);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], ledger_.history().encoded(c.history_begin));
  auto decoded = DecodeHistoryRecord(records[0], block_prev);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::holds_alternative<HolderChanged>(decoded->event.body));
  EXPECT_EQ(decoded->hash, ComputeRecordHash(block_prev, decoded->index, decoded->event));
  EXPECT_EQ(decoded->hash, ledger_.state().meta.history_head);
  // A stored record no longer carries the previous hash: index, event and its own hash only.
  std::string full;
  EncodeEvent(decoded->event, full);
  EXPECT_LT(records[0].size(), full.size() + 2 + 4 + 32);
  block.pop_back();
  EXPECT_EQ(DecodeHistoryBlock(block, first, block_prev,
                               [](std::string_view) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kDataLoss);
  // A block of an older format is refused, naming the format.
  std::string old_block = records[0];
  old_block[0] = 2;
  const absl::Status old_status = DecodeHistoryBlock(
      old_block, first, block_prev, [](std::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(old_status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(old_status.message().find("format 2"), std::string_view::npos) << old_status;
  Refused(TransferReceipt{kM2, ReceiptId(4), kM1});
  EXPECT_TRUE(ledger_.TakeChanges().empty());
}

// ---- disclosure and access ----------------------------------------------------------------

TEST_F(HistoryTest, DisclosesStockReceiptedPledgedAndFrozenPerWarehouse) {
  Scenario();
  std::vector<StockDisclosure> rows = DiscloseStock(ledger_.config(), ledger_.state());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].warehouse_code, "WH1");
  EXPECT_EQ(rows[0].inspected_stock, Q(100000));
  EXPECT_EQ(rows[0].receipted, Q(20000));
  EXPECT_EQ(rows[0].pledged, Q(5000));
  EXPECT_EQ(rows[0].unreceipted, Q(80000));
  EXPECT_EQ(rows[1].warehouse_code, "WH2");
  EXPECT_EQ(rows[1].frozen_for_delivery, Q(10000));
  EXPECT_EQ(DiscloseStock(ledger_.config(), ledger_.state(), WarehouseId(2)).size(), 1u);
  EXPECT_TRUE(DiscloseStock(ledger_.config(), ledger_.state(), WarehouseId(), "copper").empty());
}

TEST_F(HistoryTest, ReceiptHistoryIsForItsHolderPledgeeIssuerAndSupervisors) {
  Scenario();
  const ReceiptId pledged(3);  // child of receipt 1, held by M2, pledged to B1
  for (const Principal& p : {kM2, kB1, kS1, kWH1, kEx}) {
    auto h = ReceiptHistoryFor(ledger_, p, pledged);
    ASSERT_TRUE(h.ok()) << PrincipalString(p);
    // Includes its parent's registration and transfer.
    EXPECT_TRUE(std::holds_alternative<ReceiptIssued>(h->front().event.body));
    EXPECT_TRUE(std::holds_alternative<EncumbranceChanged>(h->back().event.body));
  }
  for (const Principal& p : {kM1, kM3, kB2, kWH2, Principal::Supervisor("S9")}) {
    EXPECT_EQ(ReceiptHistoryFor(ledger_, p, pledged).status().code(),
              absl::StatusCode::kPermissionDenied)
        << PrincipalString(p);
  }
  EXPECT_EQ(ReceiptHistoryFor(ledger_, kS1, ReceiptId(99)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Holdings(ledger_.state(), kM2).size(), 3u);
}

}  // namespace
}  // namespace dazong::receipts

// ---- SHA-256 of the hash chains ---------------------------------------------------------

namespace dazong::receipts {
namespace {

Hash Sodium(const std::string& bytes) {
  Hash out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return out;
}

// Every length around the block and padding boundaries, fed in random pieces, through the
// accelerated path (when the CPU has it) and the portable one: the digest equals libsodium's.
TEST(Sha256Test, EqualsLibsodiumForEveryLengthAndSplitOnBothPaths) {
  std::mt19937_64 rng(7);
  for (bool portable : {false, true}) {
    Sha256::ForcePortableForTesting(portable);
    for (size_t len = 0; len <= 300; ++len) {
      std::string bytes(len, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      Sha256 sha;
      size_t at = 0;
      while (at < len) {
        const size_t piece = std::min<size_t>(len - at, 1 + rng() % 80);
        sha.Update(std::string_view(bytes).substr(at, piece));
        at += piece;
      }
      ASSERT_EQ(sha.Final(), Sodium(bytes)) << "length " << len << (portable ? " portable" : "");
    }
  }
  Sha256::ForcePortableForTesting(false);
  Sha256 abc;
  abc.Update(std::string_view("abc"));
  EXPECT_EQ(HashHex(abc.Final()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Sha256::Of (the one-pass digest of up to three parts used for history records and
// receipt chains) equals libsodium's for every length up to past its one-shot limit, with
// the input cut into three parts at random, on both paths.
TEST(Sha256Test, OneShotEqualsLibsodiumForEveryLengthOnBothPaths) {
  std::mt19937_64 rng(11);
  for (bool portable : {false, true}) {
    Sha256::ForcePortableForTesting(portable);
    for (size_t len = 0; len <= Sha256::kOneShotBytes + 80; ++len) {
      std::string bytes(len, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      const size_t a = len == 0 ? 0 : rng() % (len + 1);
      const size_t b = a + (len - a == 0 ? 0 : rng() % (len - a + 1));
      const std::string_view v(bytes);
      ASSERT_EQ(Sha256::Of({v.substr(0, a), v.substr(a, b - a), v.substr(b)}), Sodium(bytes))
          << "length " << len << (portable ? " portable" : "");
    }
  }
  Sha256::ForcePortableForTesting(false);
}


// ---- derived look-up structures -------------------------------------------------------------

// Every receipt the ledger holds (issued, split, merged, reissued) has its slot, pointing at
// its map node; a copied state starts without slots and still finds every receipt through the
// map, and receipts it adds afterwards get slots of its own.
TEST_F(HistoryTest, ReceiptSlotsPointAtEveryReceiptAndCopiesFallBackToTheMap) {
  Scenario();
  const ReceiptId d = Register(kWH1, 2, "M1", 4000, "L2");
  const ReceiptId e = Register(kWH1, 3, "M1", 6000, "L3");
  std::vector<LedgerEvent> merged = Ok(MergeReceipts{kM1, {d, e}});
  const LedgerState& s = ledger_.state();
  ASSERT_GE(s.receipts.size(), 7u);
  for (const auto& [id, r] : s.receipts) {
    EXPECT_EQ(s.receipt_slots.Get(id), &r) << id.value();
    EXPECT_EQ(FindReceipt(s, id), &r);
    EXPECT_EQ(&ReceiptAt(s, id), &r);
  }
  EXPECT_EQ(FindReceipt(s, ReceiptId(s.meta.next_receipt_id)), nullptr);
  EXPECT_EQ(s.receipt_slots.Get(ReceiptId(s.meta.next_receipt_id + 5)), nullptr);
  EXPECT_THROW(ReceiptAt(s, ReceiptId(999)), std::out_of_range);

  LedgerState copy = s;
  EXPECT_EQ(copy.receipt_slots.size(), 0u);
  for (const auto& [id, r] : copy.receipts) {
    EXPECT_EQ(FindReceipt(copy, id), &r);
    EXPECT_EQ(&ReceiptAt(copy, id), &r);
  }
  EXPECT_TRUE(VerifyState(ledger_.config(), copy).ok());
  // The copy goes on by itself: a split adds two receipts with slots into its own map.
  const ReceiptId child = std::get<ReceiptsMerged>(merged[0].body).child;
  HistoryRecord rec;
  rec.index = copy.meta.history_size;
  rec.prev_hash = copy.meta.history_head;
  ReceiptSplit split;
  split.parent = child;
  split.children = {{ReceiptId(copy.meta.next_receipt_id), Q(3000), {}},
                    {ReceiptId(copy.meta.next_receipt_id + 1), Q(7000), {}}};
  rec.event = LedgerEvent{SeqNo(seq_ + 1), time_ + 1, kM1, "split", split};
  rec.hash = ComputeRecordHash(rec.prev_hash, rec.index, rec.event);
  ASSERT_TRUE(ApplyEvent(ledger_.config(), copy, rec).ok());
  for (const SplitChild& c : split.children) {
    ASSERT_TRUE(copy.receipts.contains(c.id));
    EXPECT_EQ(copy.receipt_slots.Get(c.id), &copy.receipts.at(c.id));
    EXPECT_FALSE(s.receipts.contains(c.id));
  }
  EXPECT_TRUE(VerifyState(ledger_.config(), copy).ok());
  // Rebuilding the indexes fills every slot again; a moved state keeps them.
  RebuildIndexes(copy);
  for (const auto& [id, r] : copy.receipts) EXPECT_EQ(copy.receipt_slots.Get(id), &r);
  LedgerState moved = std::move(copy);
  for (const auto& [id, r] : moved.receipts) EXPECT_EQ(moved.receipt_slots.Get(id), &r);
  EXPECT_TRUE(VerifyState(ledger_.config(), moved).ok());
  // A restored ledger has its slots.
  auto restored = Ledger::Restore(config_, LedgerOptions{"B1"}, ledger_.Snapshot());
  ASSERT_TRUE(restored.ok()) << restored.status();
  for (const auto& [id, r] : (*restored)->state().receipts) {
    EXPECT_EQ((*restored)->state().receipt_slots.Get(id), &r);
  }
}

TEST_F(HistoryTest, VerifyStateCatchesAReceiptSlotPointingElsewhere) {
  Scenario();
  LedgerState s = ledger_.state();
  RebuildIndexes(s);
  ASSERT_TRUE(VerifyState(ledger_.config(), s).ok());
  ASSERT_GE(s.receipts.size(), 2u);
  // The first receipt's slot points at a copy of it outside the map.
  Receipt forged = s.receipts.begin()->second;
  ReceiptSlots slots;
  slots.Set(&forged);
  s.receipt_slots = std::move(slots);
  absl::Status st = VerifyState(ledger_.config(), s);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("receipt slot"), std::string::npos) << st;
}

// The holder-index helpers give the same sets as plain insert and erase, whatever the order,
// at the ends (their fast path) and in the middle.
TEST(HolderIndexTest, InsertAndEraseEqualPlainSetOperations) {
  std::mt19937_64 rng(5);
  HolderSet fast;
  std::set<std::pair<Timestamp, ReceiptId>> plain;
  for (int step = 0; step < 20000; ++step) {
    const int kind = static_cast<int>(rng() % 6);
    std::pair<Timestamp, ReceiptId> key;
    if (kind == 0 && !plain.empty()) {
      key = *plain.begin();  // the oldest: erased at the front
    } else if (kind == 1 && !plain.empty()) {
      key = *plain.rbegin();  // the newest
    } else if (kind == 2) {
      key = {static_cast<Timestamp>(step) * 10, ReceiptId(step)};  // newer than all: appended
    } else {
      key = {static_cast<Timestamp>(rng() % 200000), ReceiptId(rng() % 50)};
    }
    if (rng() % 2 == 0) {
      InsertHolderEntry(fast, key);
      plain.insert(key);
    } else {
      EXPECT_EQ(EraseHolderEntry(fast, key), plain.erase(key) == 1);
    }
    ASSERT_EQ(fast.size(), plain.size()) << step;
  }
  EXPECT_TRUE(std::equal(fast.begin(), fast.end(), plain.begin(), plain.end()));
  HolderSet empty;
  EXPECT_FALSE(EraseHolderEntry(empty, {1, ReceiptId(1)}));
}

TEST(HolderIndexTest, IsSettledAgreesWithTheSetForAnyId) {
  LedgerState s;
  EXPECT_FALSE(IsSettled(s, TradeId(1)));
  for (uint64_t id : {3, 5, 9, 20}) s.settled_trades.insert(TradeId(id));
  for (uint64_t id = 0; id < 30; ++id) {
    EXPECT_EQ(IsSettled(s, TradeId(id)), s.settled_trades.contains(TradeId(id))) << id;
  }
}
}  // namespace
}  // namespace dazong::receipts
