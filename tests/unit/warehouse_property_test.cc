// Property / differential test of the ledger: seeded random and hostile operation streams
// (double pledges, sales of pledged receipts, over-issuance, wrong-role calls, expired
// receipts, affiliate trades, transfers of retired receipts, reserve/settle/release with
// partial fills across receipts) are applied both to the ledger and to a deliberately simple
// reference model written here. After every step: the ledger accepted exactly what the model
// accepted, holders, quantities, encumbrances and balances agree, the invariant checker is
// clean, and a refused operation changed nothing. At the end the history verifier rebuilds the
// state from the log.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "../support/ledger_test_support.h"
#include "dazong/warehouse_receipts/history.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::receipts {
namespace {

using testing::Elements;
using testing::LedgerT0;
using testing::SameState;

Int128 HalfEven(Int128 num, int64_t den) {  // num >= 0
  Int128 q = num / den, r = num % den;
  if (2 * r > den || (2 * r == den && q % 2 == 1)) ++q;
  return q;
}

// ---- the reference model ------------------------------------------------------------------

enum class St { kActive, kLoadOut, kExpired, kDead };

struct MReceipt {
  int wh = 0;  // 1..3
  std::string commodity, grade;
  int64_t qty = 0;
  Principal holder;
  St st = St::kActive;
  int enc = 0;  // 0 none, 1 pledge, 3 delivery freeze (sale holds are `holds`)
  std::string pledgee, pending;
  std::vector<std::pair<uint64_t, int64_t>> holds;  // order -> qty, in placement order
  Timestamp expiry = 0, issued = 0;
  std::set<std::string> lots;

  bool live() const { return st != St::kDead; }
  int64_t held() const {
    int64_t s = 0;
    for (auto& h : holds) s += h.second;
    return s;
  }
  bool unencumbered() const { return enc == 0 && holds.empty(); }
};

struct MOrder {
  uint32_t member = 0;
  bool buy = true;
  int64_t price = 0, leaves = 0, cash = 0;
  std::vector<std::pair<uint64_t, int64_t>> portions;
};

struct Model {
  const ExchangeConfig* cfg = nullptr;
  std::map<uint64_t, MReceipt> rs;
  uint64_t next_id = 1;
  std::map<std::tuple<int, std::string, std::string>, int64_t> stock;
  std::set<std::pair<int, uint64_t>> serials;
  std::map<uint32_t, std::pair<int64_t, int64_t>> cash;  // available, reserved
  int64_t fees = 0;
  std::map<uint64_t, MOrder> orders;
  std::set<uint64_t> trades;
  Timestamp now = 0;

  bool Member(const std::string& code) const {
    return code.size() == 2 && code[0] == 'M' && code[1] >= '1' && code[1] <= '4';
  }
  uint32_t MemberNo(const std::string& code) const { return static_cast<uint32_t>(code[1] - '0'); }
  bool Bank(const std::string& code) const { return code == "B1" || code == "B2"; }
  bool Holder(const Principal& p) const {
    return (p.kind == PrincipalKind::kMember && Member(p.code)) ||
           (p.kind == PrincipalKind::kBank && Bank(p.code));
  }
  bool Affiliate(int wh, const Principal& p) const {
    return wh == 2 && p.kind == PrincipalKind::kMember && p.code == "M3";
  }
  int Wh(const std::string& code) const {
    return code == "WH1" ? 1 : code == "WH2" ? 2 : code == "WH3" ? 3 : 0;
  }
  bool Licensed(int wh) const {
    static const Timestamp kEnd2030 = EndOfDayCst("2030-12-31").value();
    return (wh == 1 || wh == 2) && now < kEnd2030;
  }
  bool Stores(int wh, const std::string& commodity) const {
    return commodity == "rebar" || (wh == 1 && commodity == "copper");
  }
  int64_t Receipted(int wh, const std::string& c, const std::string& g) const {
    int64_t s = 0;
    for (auto& [id, r] : rs) {
      if (r.live() && r.wh == wh && r.commodity == c && r.grade == g) s += r.qty;
    }
    return s;
  }
  bool LotLive(int wh, const std::string& lot, uint64_t except = 0) const {
    for (auto& [id, r] : rs) {
      if (id != except && r.live() && r.wh == wh && r.lots.contains(lot)) return true;
    }
    return false;
  }
  MReceipt* Find(uint64_t id) {
    auto it = rs.find(id);
    return it == rs.end() ? nullptr : &it->second;
  }
  void SetHolder(MReceipt& r, const Principal& p) {
    r.holder = p;
    r.pending.clear();
  }
  // Holder's active, unexpired, unencumbered receipt.
  MReceipt* HeldActive(const Principal& actor, uint64_t id, bool allow_expired_time,
                       bool allow_expired_status = false) {
    if (!Holder(actor)) return nullptr;
    MReceipt* r = Find(id);
    if (r == nullptr || r->holder != actor || !r->live()) return nullptr;
    if (!(r->st == St::kActive || (allow_expired_status && r->st == St::kExpired))) return nullptr;
    if (!allow_expired_time && now >= r->expiry) return nullptr;
    if (!r->unencumbered()) return nullptr;
    return r;
  }

  // Each returns whether the ledger must accept, and if so applies the change.
  bool Apply(const LedgerCommand& cmd) {
    return std::visit([&](const auto& c) { return On(c); }, cmd);
  }

  bool On(const ReportStock& c) {
    if (c.actor.kind != PrincipalKind::kWarehouse) return false;
    const int wh = Wh(c.actor.code);
    if (!Licensed(wh) || !Stores(wh, c.commodity) || c.grade.empty()) return false;
    if (c.quantity.raw() < 0 || c.quantity.raw() < Receipted(wh, c.commodity, c.grade)) return false;
    stock[{wh, c.commodity, c.grade}] = c.quantity.raw();
    return true;
  }
  bool On(const RegisterReceipt& c) {
    if (c.actor.kind != PrincipalKind::kWarehouse) return false;
    const int wh = Wh(c.actor.code);
    if (!Licensed(wh)) return false;
    const uint64_t lo = wh == 1 ? 1 : 100, hi = wh == 1 ? 999 : 199;
    if (c.serial < lo || c.serial > hi || serials.contains({wh, c.serial})) return false;
    if (!Member(c.holder)) return false;
    const ReceiptElements& e = c.elements;
    if (!Stores(wh, e.commodity) || e.quantity.raw() <= 0 || e.expiry <= now) return false;
    for (auto& lot : e.lots) {
      if (LotLive(wh, lot)) return false;
    }
    const int64_t st = stock.contains({wh, e.commodity, e.grade}) ? stock[{wh, e.commodity, e.grade}] : 0;
    if (Receipted(wh, e.commodity, e.grade) + e.quantity.raw() > st) return false;
    MReceipt r;
    r.wh = wh;
    r.commodity = e.commodity;
    r.grade = e.grade;
    r.qty = e.quantity.raw();
    r.holder = Principal::Member(c.holder);
    r.expiry = e.expiry;
    r.issued = now;
    r.lots.insert(e.lots.begin(), e.lots.end());
    serials.insert({wh, c.serial});
    rs[next_id++] = r;
    return true;
  }
  bool On(const TransferReceipt& c) {
    if (c.actor.kind != PrincipalKind::kMember && c.actor.kind != PrincipalKind::kBank) return false;
    MReceipt* r = HeldActive(c.actor, c.receipt.value(), false);
    if (r == nullptr || !Holder(c.to) || c.to == r->holder) return false;
    if (Affiliate(r->wh, c.actor) || Affiliate(r->wh, c.to)) return false;
    SetHolder(*r, c.to);
    return true;
  }
  bool On(const SplitReceipt& c) {
    if (c.actor.kind != PrincipalKind::kMember && c.actor.kind != PrincipalKind::kBank) return false;
    MReceipt* r = HeldActive(c.actor, c.receipt.value(), true);
    if (r == nullptr || c.quantities.size() < 2) return false;
    int64_t sum = 0;
    for (Quantity q : c.quantities) {
      if (q.raw() <= 0) return false;
      sum += q.raw();
    }
    if (sum != r->qty) return false;
    MReceipt parent = *r;
    r->st = St::kDead;
    r->pending.clear();
    for (Quantity q : c.quantities) {
      MReceipt child = parent;
      child.qty = q.raw();
      child.pending.clear();
      rs[next_id++] = child;
    }
    return true;
  }
  bool On(const MergeReceipts& c) {
    if (c.actor.kind != PrincipalKind::kMember && c.actor.kind != PrincipalKind::kBank) return false;
    if (c.receipts.size() != 2 || c.receipts[0] == c.receipts[1]) return false;
    MReceipt* a = HeldActive(c.actor, c.receipts[0].value(), true);
    MReceipt* b = HeldActive(c.actor, c.receipts[1].value(), true);
    if (a == nullptr || b == nullptr || a->wh != b->wh || a->commodity != b->commodity ||
        a->grade != b->grade) {
      return false;
    }
    MReceipt m = *a;
    m.qty = a->qty + b->qty;
    m.lots.insert(b->lots.begin(), b->lots.end());
    m.expiry = std::min(a->expiry, b->expiry);
    m.issued = std::min(a->issued, b->issued);
    m.pending.clear();
    a->st = b->st = St::kDead;
    a->pending.clear();
    b->pending.clear();
    rs[next_id++] = m;
    return true;
  }
  bool On(const RequestPledge& c) {
    if (c.actor.kind != PrincipalKind::kMember) return false;
    MReceipt* r = HeldActive(c.actor, c.receipt.value(), false);
    if (r == nullptr || !Bank(c.bank) || Affiliate(r->wh, c.actor) || !r->pending.empty()) {
      return false;
    }
    r->pending = c.bank;
    return true;
  }
  bool On(const AcceptPledge& c) {
    if (c.actor.kind != PrincipalKind::kBank || !Bank(c.actor.code)) return false;
    MReceipt* r = Find(c.receipt.value());
    if (r == nullptr || r->pending != c.actor.code || r->st != St::kActive || now >= r->expiry ||
        !r->unencumbered()) {
      return false;
    }
    r->enc = 1;
    r->pledgee = c.actor.code;
    r->pending.clear();
    return true;
  }
  bool On(const DeclinePledge& c) {
    if ((c.actor.kind != PrincipalKind::kMember && c.actor.kind != PrincipalKind::kBank) ||
        !Holder(c.actor)) {
      return false;
    }
    MReceipt* r = Find(c.receipt.value());
    if (r == nullptr || r->pending.empty()) return false;
    if (r->holder != c.actor && c.actor != Principal::Bank(r->pending)) return false;
    r->pending.clear();
    return true;
  }
  bool On(const ReleasePledge& c) {
    if (c.actor.kind != PrincipalKind::kBank || !Bank(c.actor.code)) return false;
    MReceipt* r = Find(c.receipt.value());
    if (r == nullptr || r->enc != 1 || r->pledgee != c.actor.code) return false;
    r->enc = 0;
    r->pledgee.clear();
    return true;
  }
  bool On(const EnforcePledge& c) {
    if (!On(ReleasePledge{c.actor, c.receipt})) return false;
    SetHolder(rs.at(c.receipt.value()), c.actor);
    return true;
  }
  bool On(const FreezeReceipt& c) {
    if (c.actor.kind != PrincipalKind::kExchange) return false;
    MReceipt* r = Find(c.receipt.value());
    if (r == nullptr || r->st != St::kActive || !r->unencumbered()) return false;
    r->enc = 3;
    return true;
  }
  bool On(const UnfreezeReceipt& c) {
    if (c.actor.kind != PrincipalKind::kExchange) return false;
    MReceipt* r = Find(c.receipt.value());
    if (r == nullptr || r->enc != 3) return false;
    r->enc = 0;
    return true;
  }
  bool On(const RequestLoadOut& c) {
    if (c.actor.kind != PrincipalKind::kMember && c.actor.kind != PrincipalKind::kBank) return false;
    MReceipt* r = HeldActive(c.actor, c.receipt.value(), true, true);
    if (r == nullptr) return false;
    r->st = St::kLoadOut;
    r->pending.clear();
    return true;
  }
  bool On(const ConfirmLoadOut& c) {
    if (c.actor.kind != PrincipalKind::kWarehouse) return false;
    const int wh = Wh(c.actor.code);
    MReceipt* r = Find(c.receipt.value());
    if (wh == 0 || r == nullptr || r->wh != wh || r->st != St::kLoadOut) return false;
    r->st = St::kDead;
    stock[{wh, r->commodity, r->grade}] -= r->qty;
    if (stock[{wh, r->commodity, r->grade}] == 0) stock.erase({wh, r->commodity, r->grade});
    return true;
  }
  bool On(const CorrectReceipt&) { return false; }  // not generated
  bool On(const ExpireReceipts& c) {
    if (c.actor.kind != PrincipalKind::kExchange) return false;
    for (auto& [id, r] : rs) {
      if (r.st == St::kActive && r.unencumbered() && now >= r.expiry) {
        r.st = St::kExpired;
        r.pending.clear();
      }
    }
    return true;
  }
  bool On(const Deposit& c) {
    if (c.actor.kind != PrincipalKind::kBank || c.actor.code != "B1" || !Member(c.member) ||
        c.amount.raw() <= 0) {
      return false;
    }
    cash[MemberNo(c.member)].first += c.amount.raw();
    return true;
  }
  bool On(const Withdraw& c) {
    if (c.actor.kind != PrincipalKind::kBank || c.actor.code != "B1" || !Member(c.member) ||
        c.amount.raw() <= 0 || cash[MemberNo(c.member)].first < c.amount.raw()) {
      return false;
    }
    cash[MemberNo(c.member)].first -= c.amount.raw();
    return true;
  }

  // Instrument 1 only: rebar HRB400E, lot 1000, 5/5 bps, minimum 100 fen, WH1 + WH2.
  static int64_t Fee(int64_t notional, bool seller) {
    int64_t fee = std::max<int64_t>(100, static_cast<int64_t>(HalfEven(Int128(notional) * 5, 10000)));
    return seller ? std::min(fee, notional) : fee;
  }
  static int64_t Need(int64_t price, int64_t leaves) {
    if (leaves == 0) return 0;
    const Int128 num = Int128(price) * leaves * 10005;
    const Int128 den = Int128(10000) * 1000;
    return static_cast<int64_t>((num + den - 1) / den) + (leaves + 999) / 1000 * 104;
  }
  bool Eligible(const MReceipt& r, uint32_t member) const {
    return r.st == St::kActive && r.holder == Principal::Member("M" + std::to_string(member)) &&
           now < r.expiry && r.commodity == "rebar" && r.grade == "HRB400E" &&
           (r.wh == 1 || r.wh == 2) && !(r.wh == 2 && member == 3) && r.enc == 0 &&
           r.held() < r.qty;
  }
  static void AddHold(std::vector<std::pair<uint64_t, int64_t>>& list, uint64_t key, int64_t q) {
    for (auto& [k, v] : list) {
      if (k == key) {
        v += q;
        return;
      }
    }
    list.push_back({key, q});
  }
  // The seller's eligible receipts, oldest first.
  std::vector<uint64_t> Candidates(uint32_t member) const {
    std::vector<std::pair<Timestamp, uint64_t>> c;
    for (auto& [id, r] : rs) {
      if (Eligible(r, member)) c.push_back({r.issued, id});
    }
    std::sort(c.begin(), c.end());
    std::vector<uint64_t> out;
    for (auto& [t, id] : c) out.push_back(id);
    return out;
  }
  bool Resize(uint64_t order, int64_t price, int64_t leaves) {
    auto it = orders.find(order);
    if (it == orders.end() || leaves <= 0 || leaves % 1000 != 0) return false;
    MOrder& o = it->second;
    if (o.buy) {
      const int64_t need = Need(price, leaves);
      const int64_t delta = need - o.cash;
      if (delta > 0 && cash[o.member].first < delta) return false;
      cash[o.member].first -= delta;
      cash[o.member].second += delta;
      o.cash = need;
    } else {
      int64_t delta = leaves - o.leaves;
      if (delta > 0) {
        std::vector<std::pair<uint64_t, int64_t>> more;
        int64_t remaining = delta;
        for (uint64_t id : Candidates(o.member)) {
          if (remaining == 0) break;
          const MReceipt& r = rs.at(id);
          const int64_t take = std::min(remaining, r.qty - r.held());
          more.push_back({id, take});
          remaining -= take;
        }
        if (remaining != 0) return false;
        for (auto& [id, q] : more) {
          AddHold(rs.at(id).holds, order, q);
          AddHold(o.portions, id, q);
        }
      }
      while (delta < 0) {
        auto& [id, q] = o.portions.back();
        const int64_t give = std::min(-delta, q);
        Unhold(rs.at(id), order, give);
        q -= give;
        delta += give;
        if (q == 0) o.portions.pop_back();
      }
    }
    o.price = price;
    o.leaves = leaves;
    return true;
  }
  bool Reserve(uint64_t order, uint32_t member, bool buy, int64_t qty, int64_t price,
               const std::vector<std::pair<uint64_t, int64_t>>& named = {}) {
    if (member < 1 || member > 4 || orders.contains(order) || qty <= 0 || qty % 1000 != 0) {
      return false;
    }
    MOrder o{member, buy, price, qty, 0, {}};
    if (buy) {
      if (member == 3 || price <= 0) return false;
      const int64_t need = Need(price, qty);
      if (cash[member].first < need) return false;
      cash[member].first -= need;
      cash[member].second += need;
      o.cash = need;
      orders[order] = o;
      return true;
    }
    int64_t remaining = qty;
    if (!named.empty()) {
      for (auto& [id, q] : named) {
        MReceipt* r = Find(id);
        if (r == nullptr || q <= 0) return false;
        for (auto& [pid, pq] : o.portions) {
          if (pid == id) return false;
        }
        if (!Eligible(*r, member) || q > r->qty - r->held()) return false;
        o.portions.push_back({id, q});
        remaining -= q;
      }
      if (remaining != 0) return false;
      for (auto& [id, q] : o.portions) rs.at(id).holds.push_back({order, q});
      orders[order] = o;
      return true;
    }
    for (uint64_t id : Candidates(member)) {
      if (remaining == 0) break;
      MReceipt& r = rs.at(id);
      const int64_t take = std::min(remaining, r.qty - r.held());
      o.portions.push_back({id, take});
      remaining -= take;
    }
    if (remaining != 0) return false;
    for (auto& [id, q] : o.portions) rs.at(id).holds.push_back({order, q});
    orders[order] = o;
    return true;
  }
  void Release(uint64_t order) {
    auto it = orders.find(order);
    if (it == orders.end()) return;
    MOrder& o = it->second;
    cash[o.member].first += o.cash;
    cash[o.member].second -= o.cash;
    for (auto& [id, q] : o.portions) Unhold(rs.at(id), order, q);
    orders.erase(it);
  }
  static void Unhold(MReceipt& r, uint64_t order, int64_t q) {
    for (auto h = r.holds.begin(); h != r.holds.end(); ++h) {
      if (h->first == order) {
        h->second -= q;
        if (h->second == 0) r.holds.erase(h);
        return;
      }
    }
    ADD_FAILURE() << "model: no hold";
  }
  bool Settle(uint64_t trade, uint64_t buy_id, uint64_t sell_id, int64_t price, int64_t q) {
    if (trades.contains(trade)) return true;  // idempotent: accepted, no change
    auto b = orders.find(buy_id);
    auto s = orders.find(sell_id);
    if (b == orders.end() || s == orders.end() || !b->second.buy || s->second.buy || q <= 0 ||
        q > b->second.leaves || q > s->second.leaves) {
      return false;
    }
    const int64_t notional = static_cast<int64_t>(HalfEven(Int128(price) * q, 1000));
    const int64_t bfee = Fee(notional, false), sfee = Fee(notional, true);
    const int64_t keep = Need(b->second.price, b->second.leaves - q);
    if (notional + bfee + keep > b->second.cash) return false;
    const Principal buyer = Principal::Member("M" + std::to_string(b->second.member));
    MOrder& so = s->second;
    int64_t remaining = q;
    while (remaining > 0) {
      auto [rid, pq] = so.portions.front();
      const int64_t take = std::min(remaining, pq);
      MReceipt& r = rs.at(rid);
      uint64_t delivered = rid;
      if (take < r.qty) {
        MReceipt d = r, rest = r;
        d.qty = take;
        d.holds.clear();
        rest.qty = r.qty - take;
        rest.pending.clear();  // a split retires the parent and its pledge request
        Unhold(rest, sell_id, take);
        r.st = St::kDead;
        r.holds.clear();
        r.pending.clear();
        delivered = next_id;
        const uint64_t rest_id = next_id + 1;
        rs[next_id++] = d;
        rs[next_id++] = rest;
        // Every order that reserved the parent now reserves the remainder.
        for (auto& [oid, o] : orders) {
          for (auto it = o.portions.begin(); it != o.portions.end(); ++it) {
            if (it->first != rid) continue;
            if (oid == sell_id) {
              it->second -= take;
              if (it->second == 0) {
                o.portions.erase(it);
              } else {
                it->first = rest_id;
              }
            } else {
              it->first = rest_id;
            }
            break;
          }
        }
      } else {
        r.holds.clear();
        so.portions.erase(so.portions.begin());
      }
      rs.at(delivered).holder = buyer;
      rs.at(delivered).pending.clear();
      remaining -= take;
    }
    MOrder& bo = b->second;
    bo.cash -= notional + bfee;
    cash[bo.member].second -= notional + bfee;
    bo.leaves -= q;
    so.leaves -= q;
    cash[so.member].first += notional - sfee;
    fees += bfee + sfee;
    const int64_t release = bo.cash - keep;
    bo.cash -= release;
    cash[bo.member].second -= release;
    cash[bo.member].first += release;
    trades.insert(trade);
    if (bo.leaves == 0) orders.erase(buy_id);
    if (so.leaves == 0) orders.erase(sell_id);
    return true;
  }
};

// ---- the differential driver ----------------------------------------------------------------

class Differential {
 public:
  explicit Differential(uint32_t seed)
      : config_(testing::MakeLedgerConfig()),
        ledger_(config_, LedgerOptions{"B1"}),
        rng_(seed),
        long_jumps_(seed == 20261127u) {
    model_.cfg = &config_;
    model_.now = now_;
  }

  void Run(int steps) {
    for (int i = 0; i < steps && !::testing::Test::HasFailure(); ++i) Step(i);
    HistoryReport report = VerifyHistory(ledger_.config(), ledger_.history(), &ledger_.state());
    EXPECT_TRUE(report.ok) << report.discrepancy;
    EXPECT_EQ(ledger_.settlement_anomalies(), settle_refusals_);
  }

  // Forged commands (one to three events of any kind with plausible or hostile fields, correctly
  // hash-chained) applied to copies of the final state: whenever ApplyEvent takes them, the
  // incremental verifier that the history verifier runs after every command must find a
  // violation exactly when the whole-state VerifyState does. Returns {trials applied, of which
  // violating}.
  std::pair<int, int> ForgeryTrials(int trials) {
    const LedgerState& base = ledger_.state();
    int applied = 0, violating = 0;
    for (int t = 0; t < trials && !::testing::Test::HasFailure(); ++t) {
      LedgerState s = base;
      IncrementalVerifier verifier(ledger_.config(), s);
      bool taken = true;
      std::string what;
      for (int e = 1 + R(3); e > 0 && taken; --e) {
        HistoryRecord rec;
        rec.index = s.meta.history_size;
        rec.prev_hash = s.meta.history_head;
        rec.event = LedgerEvent{SeqNo(seq_ + 1), now_, Principal::Exchange(), "forged", ForgedEvent(s)};
        rec.event.actor = ForgedActor(s, rec.event.body);
        rec.hash = ComputeRecordHash(rec.prev_hash, rec.index, rec.event);
        what += std::string(EventName(rec.event.body)) + " ";
        verifier.BeforeEvent(s, rec.event.body);
        taken = ApplyEvent(ledger_.config(), s, rec).ok();
      }
      if (!taken) continue;
      ++applied;
      const absl::Status full = VerifyState(ledger_.config(), s);
      const absl::Status incremental = verifier.CheckCommand(s);
      if (!full.ok()) ++violating;
      EXPECT_EQ(full.ok(), incremental.ok()) << "trial " << t << " (" << what << "): full says '"
                                             << full.message() << "', incremental says '"
                                             << incremental.message() << "'";
    }
    return {applied, violating};
  }

  // Direct corruptions of copies of the final state (a receipt's quantity, status, encumbrance,
  // holds, lots, holder or links; an order's leaves, cash, side or portions; a receipt copied
  // under a new id), each announced to the incremental verifier by an event naming the record,
  // derived indexes recomputed: the incremental check and VerifyState must agree. Returns
  // {trials, of which violating}.
  std::pair<int, int> CorruptionTrials(int trials) {
    const LedgerState& base = ledger_.state();
    int violating = 0;
    for (int t = 0; t < trials && !::testing::Test::HasFailure(); ++t) {
      LedgerState s = base;
      IncrementalVerifier verifier(ledger_.config(), s);
      std::string what;
      for (int e = 1 + R(2); e > 0; --e) what += Corrupt(s, verifier) + "; ";
      RebuildIndexes(s);
      const absl::Status full = VerifyState(ledger_.config(), s);
      const absl::Status incremental = verifier.CheckCommand(s);
      if (!full.ok()) ++violating;
      EXPECT_EQ(full.ok(), incremental.ok()) << "trial " << t << " (" << what << "): full says '"
                                             << full.message() << "', incremental says '"
                                             << incremental.message() << "'";
    }
    return {trials, violating};
  }

  int accepted() const { return accepted_; }
  int refused() const { return refused_; }
  uint64_t trades() const { return model_.trades.size(); }

 private:
  int R(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool P(int percent) { return R(100) < percent; }

  Principal AnyPrincipal() {
    switch (R(9)) {
      case 0: return Principal::Warehouse(R(2) ? "WH1" : (R(2) ? "WH2" : "WH3"));
      case 1: return Principal::Bank(R(2) ? "B1" : "B2");
      case 2: return Principal::Supervisor("S1");
      case 3: return Principal::Exchange();
      case 4: return Principal::Member("M5");
      default: return Principal::Member("M" + std::to_string(1 + R(4)));
    }
  }
  template <typename Map>
  typename Map::key_type AnyKey(const Map& m) {
    if (m.empty()) return typename Map::key_type{};
    return std::next(m.begin(), R(static_cast<int>(m.size())))->first;
  }
  Quantity AnyQuantity() { return Quantity::FromRaw(R(4) == 0 ? -R(3) : 1 + R(60000)); }
  Money AnyMoney() { return Money::FromRaw(R(5) == 0 ? -R(1000) : R(50000000)); }
  Encumbrance AnyEncumbrance() {
    Encumbrance e;
    e.kind = static_cast<EncumbranceKind>(R(5));
    if (e.kind == EncumbranceKind::kPledge || P(10)) e.bank = R(2) ? "B1" : "B2";
    if (e.kind == EncumbranceKind::kFrozenForDelivery) e.reference = "D1";
    return e;
  }
  OrderId AnyOrder(const LedgerState& s) {
    return P(80) && !s.orders.empty() ? AnyKey(s.orders) : OrderId(1 + R(static_cast<int>(next_order_) + 2));
  }
  MemberId AnyMember() { return MemberId(1 + R(6)); }
  std::string Corrupt(LedgerState& s, IncrementalVerifier& verifier) {
    if (s.receipts.empty() || P(30)) {
      if (s.orders.empty()) return "nothing";
      const OrderId id = AnyKey(s.orders);
      verifier.BeforeEvent(s, OrderClosed{id});
      OrderReservation& o = s.orders.at(id);
      switch (R(5)) {
        case 0: o.leaves = Quantity::FromRaw(o.leaves.raw() + R(3) - 1); return "order leaves";
        case 1: o.cash = Money::FromRaw(o.cash.raw() + R(3) - 1); return "order cash";
        case 2: o.side = o.side == Side::kBuy ? Side::kSell : Side::kBuy; return "order side";
        case 3:
          if (!o.receipts.empty()) o.receipts.pop_back();
          return "order portion dropped";
        default:
          o.receipts.push_back(ReceiptPortion{AnyKey(s.receipts), Quantity::FromRaw(1 + R(1000))});
          return "order portion added";
      }
    }
    const ReceiptId id = AnyKey(s.receipts);
    if (P(15)) {  // a copy under a new id: duplicate lots, over-issuance, a second holder
      Receipt copy = s.receipts.at(id);
      copy.id = ReceiptId(s.meta.next_receipt_id++);
      copy.children.clear();
      copy.parents.clear();
      if (P(50)) copy.serial = 0, copy.origin = ReceiptOrigin::kSplit;
      verifier.BeforeEvent(s, PledgeRequested{copy.id, ""});
      s.receipts.emplace(copy.id, copy);
      return "copied receipt";
    }
    verifier.BeforeEvent(s, PledgeRequested{id, ""});
    Receipt& r = s.receipts.at(id);
    switch (R(9)) {
      case 0: r.elements.quantity = Quantity::FromRaw(r.elements.quantity.raw() + R(2001) - 1000); return "quantity";
      case 1: r.status = static_cast<ReceiptStatus>(1 + R(5)); return "status";
      case 2: r.encumbrance = AnyEncumbrance(); return "encumbrance";
      case 3:
        if (!r.holds.empty() && P(50)) {
          r.holds.pop_back();
        } else {
          r.holds.push_back(SaleHold{AnyOrder(s), Quantity::FromRaw(1 + R(1000))});
        }
        return "holds";
      case 4: {
        const Receipt& other = s.receipts.at(AnyKey(s.receipts));
        if (!other.lot_refs.empty() && !r.lot_refs.empty()) r.lot_refs[0] = other.lot_refs[0];
        return "lot";
      }
      case 5: r.holder = AnyPrincipal(); return "holder";
      case 6: r.children.push_back(AnyKey(s.receipts)); return "child link";
      case 7: r.parents.clear(); return "parent links";
      default: r.pending_pledgee = P(50) ? "B1" : "B9"; return "pending pledgee";
    }
  }

  // Whoever the event's kind usually comes from (the receipt's warehouse, holder or pledgee, the
  // settlement bank, the exchange), or anyone.
  Principal ForgedActor(const LedgerState& s, const EventBody& body) {
    const Receipt* r = nullptr;
    ForEachTouchedReceipt(body, [&](ReceiptId id) {
      if (r == nullptr && s.receipts.contains(id)) r = &s.receipts.at(id);
    });
    switch (R(6)) {
      case 0: return r != nullptr ? Principal::Warehouse(r->warehouse_code) : AnyPrincipal();
      case 1: return r != nullptr ? r->holder : AnyPrincipal();
      case 2: return r != nullptr && !r->encumbrance.bank.empty() ? Principal::Bank(r->encumbrance.bank)
                                                                  : Principal::Bank("B1");
      case 3: return Principal::Bank("B1");
      case 4: return Principal::Exchange();
      default: return AnyPrincipal();
    }
  }
  // One event of any kind, its fields mostly taken from `s` so that ApplyEvent often takes it.
  EventBody ForgedEvent(const LedgerState& s) {
    const ReceiptId rid = s.receipts.empty() ? ReceiptId(1) : AnyKey(s.receipts);
    const Receipt* r = s.receipts.empty() ? nullptr : &s.receipts.at(rid);
    switch (R(16)) {
      case 0: return StockReported{r ? StockKey{r->warehouse, r->elements.commodity, r->elements.grade} : StockKey{},
                                   AnyQuantity()};
      case 1: return ReceiptCancelled{rid, P(50) ? CancelCause::kLoadOut : CancelCause::kCorrection};
      case 2: {
        ReceiptSplit split{rid, {}};
        const int64_t q = r ? r->elements.quantity.raw() : 1;
        const int64_t first = 1 + R(static_cast<int>(std::max<int64_t>(q, 2) - 1));
        split.children.push_back(SplitChild{ReceiptId(s.meta.next_receipt_id), Quantity::FromRaw(first), {}});
        split.children.push_back(SplitChild{ReceiptId(s.meta.next_receipt_id + 1), Quantity::FromRaw(q - first + (P(20) ? 1 : 0)), {}});
        if (r != nullptr && !r->holds.empty()) split.children[0].holds = r->holds;
        return split;
      }
      case 3: return HolderChanged{rid, r ? r->holder : AnyPrincipal(), AnyPrincipal(),
                                   static_cast<HolderCause>(1 + R(3)), TradeId(1 + R(5)), AnyOrder(s)};
      case 4: return PledgeRequested{rid, R(2) ? "B1" : "B2"};
      case 5: return PledgeRequestCleared{rid, r ? r->pending_pledgee : "B1"};
      case 6: return EncumbranceChanged{rid, r ? r->encumbrance : Encumbrance{}, AnyEncumbrance(),
                                        static_cast<EncumbranceCause>(1 + R(5))};
      case 7: return StatusChanged{rid, r ? r->status : ReceiptStatus::kActive,
                                   static_cast<ReceiptStatus>(1 + R(4))};
      case 8: return CashDeposited{AnyMember(), AnyMoney()};
      case 9: return CashWithdrawn{AnyMember(), AnyMoney()};
      case 10: {
        const OrderId id(next_order_ + 100 + R(5));
        return OrderOpened{id, AnyMember(), InstrumentId(1 + R(3)), R(2) ? Side::kBuy : Side::kSell,
                           Price::FromRaw(100000 + R(1000)), AnyQuantity(), AnyMoney()};
      }
      case 11: return OrderResized{AnyOrder(s), Price::FromRaw(100000 + R(1000)), AnyQuantity()};
      case 12: return OrderClosed{AnyOrder(s)};
      case 13: return R(2) ? EventBody(CashReserved{AnyOrder(s), AnyMember(), AnyMoney()})
                           : EventBody(CashReleased{AnyOrder(s), AnyMember(), AnyMoney()});
      case 14: return R(2) ? EventBody(HoldPlaced{rid, AnyOrder(s), AnyQuantity()})
                           : EventBody(HoldReleased{rid, AnyOrder(s), AnyQuantity()});
      default: {
        ReceiptIssued issued{r ? *r : Receipt{}};
        issued.receipt.id = ReceiptId(s.meta.next_receipt_id);
        issued.receipt.parents.clear();
        issued.receipt.children.clear();
        issued.receipt.version = 0;
        issued.receipt.history_hash = Hash{};
        if (P(50)) issued.receipt.status = ReceiptStatus::kActive;
        if (P(50)) issued.receipt.encumbrance = Encumbrance{};
        if (P(50)) issued.receipt.holds.clear();
        if (P(50)) issued.receipt.elements.quantity = AnyQuantity();
        if (P(50)) {
          issued.receipt.origin = ReceiptOrigin::kRegistered;
          issued.receipt.serial += 1 + static_cast<uint64_t>(R(1000));
          for (LotRef& l : issued.receipt.lot_refs) l.origin = issued.receipt.id;
        }
        return issued;
      }
    }
  }

  uint64_t AnyReceipt() { return 1 + static_cast<uint64_t>(R(static_cast<int>(model_.next_id) + 1)); }
  // Usually a live receipt's id.
  uint64_t SomeReceipt() {
    std::vector<uint64_t> live;
    for (auto& [id, r] : model_.rs) {
      if (r.live()) live.push_back(id);
    }
    if (live.empty() || P(15)) return AnyReceipt();
    return live[static_cast<size_t>(R(static_cast<int>(live.size())))];
  }
  // Usually the receipt's holder; sometimes anyone.
  Principal HolderOr(uint64_t id) {
    auto it = model_.rs.find(id);
    if (it == model_.rs.end() || P(20)) return AnyPrincipal();
    return it->second.holder;
  }
  Principal IssuerOr(uint64_t id) {
    auto it = model_.rs.find(id);
    if (it == model_.rs.end() || P(20)) return AnyPrincipal();
    return Principal::Warehouse(it->second.wh == 1 ? "WH1" : "WH2");
  }
  Principal BankOr(const std::string& code) {
    if (code.empty() || P(25)) return AnyPrincipal();
    return Principal::Bank(code);
  }

  LedgerCommand MakeCommand() {
    const int kind = R(20);
    const uint64_t rid = SomeReceipt();
    const ReceiptId id(rid);
    const MReceipt* r = model_.Find(rid);
    switch (kind) {
      case 0: {
        const int wh = 1 + R(3);
        const std::string code = "WH" + std::to_string(wh);
        const int64_t receipted = model_.Receipted(wh, "rebar", "HRB400E");
        return ReportStock{P(90) ? Principal::Warehouse(code) : AnyPrincipal(), "rebar", "HRB400E",
                           Quantity::FromRaw(receipted + 1000 * (R(40) - 5))};
      }
      case 1:
      case 2: {
        const int wh = P(50) ? 1 : (P(80) ? 2 : 3);
        const uint64_t serial = wh == 1 ? 1 + static_cast<uint64_t>(R(1005))
                                        : 95 + static_cast<uint64_t>(R(110));
        const std::string holder = "M" + std::to_string(1 + R(5));
        auto e = Elements(P(95) ? "rebar" : "copper", P(95) ? "HRB400E" : "A",
                          1000 * (1 + R(8)) - (P(5) ? 1000 : 0),
                          {"L" + std::to_string(R(60))},
                          now_ + (P(5) ? 0 : (1 + R(200)) * kNanosPerDay));
        return RegisterReceipt{P(90) ? Principal::Warehouse("WH" + std::to_string(wh)) : AnyPrincipal(),
                               serial, holder, e};
      }
      case 3: {
        Principal to = P(80) ? Principal::Member("M" + std::to_string(1 + R(5))) : AnyPrincipal();
        return TransferReceipt{HolderOr(rid), id, to};
      }
      case 4: {
        const int64_t qty = r == nullptr ? 2000 : r->qty;
        const int64_t first = 1000 * (1 + R(3));
        const int64_t second = qty - first + (P(10) ? 1000 : 0);
        return SplitReceipt{HolderOr(rid), id, {Quantity::FromRaw(first), Quantity::FromRaw(second)}};
      }
      case 5: return MergeReceipts{HolderOr(rid), {id, ReceiptId(SomeReceipt())}};
      case 6: return RequestPledge{HolderOr(rid), id, P(50) ? "B1" : (P(90) ? "B2" : "B7")};
      case 7: return AcceptPledge{BankOr(r ? r->pending : ""), id};
      case 8: return DeclinePledge{P(50) ? HolderOr(rid) : BankOr(r ? r->pending : ""), id};
      case 9: return ReleasePledge{BankOr(r ? r->pledgee : ""), id};
      case 10: return EnforcePledge{BankOr(r ? r->pledgee : ""), id, "default"};
      case 11: return FreezeReceipt{P(85) ? Principal::Exchange() : AnyPrincipal(), id, "D", "delivery"};
      case 12: return UnfreezeReceipt{P(85) ? Principal::Exchange() : AnyPrincipal(), id, "done"};
      case 13: return RequestLoadOut{HolderOr(rid), id};
      case 14: return ConfirmLoadOut{IssuerOr(rid), id};
      case 15: return ExpireReceipts{P(85) ? Principal::Exchange() : AnyPrincipal()};
      case 16:
      case 17:
        return Deposit{P(80) ? Principal::Bank("B1") : AnyPrincipal(), "M" + std::to_string(1 + R(5)),
                       Money::FromRaw(P(5) ? 0 : 1'000'000 * (1 + R(10))), "wire"};
      case 18:
        return Withdraw{P(80) ? Principal::Bank("B1") : AnyPrincipal(), "M" + std::to_string(1 + R(5)),
                        Money::FromRaw(100'000 * (1 + R(50))), "wire"};
      default:
        return RequestPledge{AnyPrincipal(), id, "B1"};  // hostile: anyone pledging anything
    }
  }

  void Step(int i) {
    ++seq_;
    // Occasional jumps in time expire receipts; one seed runs past the licences' expiry.
    now_ += P(3) ? (long_jumps_ ? 30 : 5) * kNanosPerDay : kNanosPerSecond;
    model_.now = now_;
    const LedgerState before = ledger_.state();
    const size_t history = ledger_.history().size();
    bool ok_ledger = true, ok_model = true;
    std::string what;
    if (P(60)) {
      const LedgerCommand cmd = MakeCommand();
      last_receipt_ = std::visit(
          [](const auto& c) -> uint64_t {
            if constexpr (requires { c.receipt; }) {
              return c.receipt.value();
            } else {
              return 0;
            }
          },
          cmd);
      what = std::string(CommandName(cmd)) + " by " + PrincipalString(CommandActor(cmd));
      std::vector<LedgerEvent> out;
      ledger_.Apply(cmd, SeqNo(seq_), now_, out);
      const Rejected* rej = out.size() == 1 ? std::get_if<Rejected>(&out[0].body) : nullptr;
      ok_ledger = rej == nullptr;
      if (rej != nullptr) what += std::string(": ") + rej->text;
      ok_model = model_.Apply(cmd);
    } else {
      ledger_.BeginCommand(SeqNo(seq_), now_);
      ReservationStep(ok_ledger, ok_model, what);
    }
    ASSERT_EQ(ok_ledger, ok_model) << "step " << i << ": " << what << Trace(last_receipt_);
    if (ok_ledger) {
      ++accepted_;
    } else {
      ++refused_;
      ASSERT_TRUE(SameState(before, ledger_.state())) << "step " << i << ": " << what;
      ASSERT_EQ(history, ledger_.history().size()) << "step " << i << ": " << what;
    }
    absl::Status st = ledger_.Verify();
    ASSERT_TRUE(st.ok()) << "step " << i << ": " << what << ": " << st;
    Compare(i, what);
  }

  // The ledger's history of a receipt, for failure messages.
  std::string Trace(uint64_t id) const {
    if (id == 0 || !ledger_.state().receipts.contains(ReceiptId(id))) return "";
    std::string out = "\nhistory of receipt " + std::to_string(id) + ":";
    for (uint64_t i : ledger_.ReceiptHistory(ReceiptId(id))) {
      const HistoryRecord& rec = ledger_.history()[i];
      out += "\n  #" + std::to_string(i) + " seq " + std::to_string(rec.event.seq.value()) + " " +
             std::string(EventName(rec.event.body)) + " by " + PrincipalString(rec.event.actor) +
             " (" + rec.event.why + ")";
    }
    return out;
  }

  void ReservationStep(bool& ok_ledger, bool& ok_model, std::string& what) {
    const int kind = R(10);
    if (kind < 4) {  // a new order
      const uint64_t order = next_order_++;
      const bool buy = P(50);
      const uint32_t member = static_cast<uint32_t>(1 + R(P(95) ? 4 : 5));
      const int64_t qty = 1000 * (1 + R(6)) + (P(3) ? 500 : 0);
      const int64_t price = 100 * (3600 + R(100));
      ReservationRequest req;
      req.order = OrderId(order);
      req.member = MemberId(member);
      req.instrument = InstrumentId(1);
      req.side = buy ? Side::kBuy : Side::kSell;
      req.reserve_price = Price::FromRaw(price);
      req.quantity = Quantity::FromRaw(qty);
      // Sometimes a sell names receipts: a random one (often pledged, frozen, someone else's,
      // retired or an affiliate's) or two.
      std::vector<NamedReceipt> named;
      std::vector<std::pair<uint64_t, int64_t>> mnamed;
      if (!buy && P(30)) {
        const int n = 1 + R(2);
        int64_t left = qty;
        for (int k = 0; k < n; ++k) {
          const uint64_t rid = SomeReceipt();
          const int64_t q = k + 1 == n ? left : 1000 * (1 + R(static_cast<int>(std::max<int64_t>(1, left / 1000))));
          named.push_back({rid, Quantity::FromRaw(q)});
          mnamed.push_back({rid, q});
          left -= q;
        }
        req.receipts = named;
      }
      what = "Reserve " + std::string(buy ? "buy" : "sell") + " order " + std::to_string(order);
      ok_ledger = ledger_.Reserve(req) == RejectReason::kNone;
      if (!ok_ledger) what += ": " + ledger_.last_reservation_error();
      ok_model = model_.Reserve(order, member, buy, qty, price, mnamed);
      return;
    }
    if (kind < 8) {  // a trade between two open orders, sometimes hostile
      std::vector<uint64_t> buys, sells;
      for (auto& [id, o] : model_.orders) (o.buy ? buys : sells).push_back(id);
      if (buys.empty() || sells.empty()) {
        what = "no trade possible";
        return;
      }
      const uint64_t b = buys[static_cast<size_t>(R(static_cast<int>(buys.size())))];
      const uint64_t s = sells[static_cast<size_t>(R(static_cast<int>(sells.size())))];
      const MOrder& bo = model_.orders.at(b);
      const MOrder& so = model_.orders.at(s);
      int64_t q = 1000 * (1 + R(static_cast<int>(std::min(bo.leaves, so.leaves) / 1000)));
      int64_t price = bo.price - 100 * R(50);
      uint64_t trade = next_trade_++;
      bool hostile = false;
      if (P(10)) {
        q += 1000 * (1 + R(3));  // beyond the reservations
        hostile = true;
      }
      if (P(5)) {
        price = bo.price + 100;  // above the buyer's reserve price
        hostile = true;
      }
      if (P(5) && next_trade_ > 2) {
        trade = 1 + static_cast<uint64_t>(R(static_cast<int>(next_trade_ - 1)));  // a replay
      }
      TradeEvent t;
      t.trade_id = TradeId(trade);
      t.instrument = InstrumentId(1);
      t.price = Price::FromRaw(price);
      t.quantity = Quantity::FromRaw(q);
      t.buy.order_id = OrderId(b);
      t.sell.order_id = OrderId(s);
      what = "Settle trade " + std::to_string(trade);
      const uint64_t anomalies = ledger_.settlement_anomalies();
      const size_t hist = ledger_.history().size();
      ledger_.Settle(t);
      ok_model = model_.Settle(trade, b, s, price, q);
      ok_ledger = ledger_.settlement_anomalies() == anomalies;
      // A fill within both orders' reservations, at or below the buyer's price, always settles.
      if (!hostile) {
        EXPECT_TRUE(ok_ledger) << "trade " << trade << " could not settle";
      }
      if (!ok_ledger) {
        ++settle_refusals_;
        what += ": " + ledger_.last_reservation_error();
      }
      if (ok_ledger && ok_model && model_.trades.contains(trade) && hist == ledger_.history().size()) {
        what += " (replayed)";
      }
      return;
    }
    if (kind == 8 && !model_.orders.empty()) {  // cancel-replace
      auto it = model_.orders.begin();
      std::advance(it, R(static_cast<int>(model_.orders.size())));
      const uint64_t order = it->first;
      const int64_t leaves = 1000 * R(8) + (P(3) ? 500 : 0);
      const int64_t price = 100 * (3600 + R(100));
      what = "Resize order " + std::to_string(order) + " to " + std::to_string(leaves);
      ok_ledger = ledger_.Resize(OrderId(order), Price::FromRaw(price), Quantity::FromRaw(leaves)) ==
                  RejectReason::kNone;
      if (!ok_ledger) what += ": " + ledger_.last_reservation_error();
      ok_model = model_.Resize(order, price, leaves);
      return;
    }
    // Release an order (cancel / expiry) or an unknown one.
    uint64_t order = next_order_;
    if (!model_.orders.empty() && P(90)) {
      auto it = model_.orders.begin();
      std::advance(it, R(static_cast<int>(model_.orders.size())));
      order = it->first;
    }
    what = "Release order " + std::to_string(order);
    ledger_.Release(OrderId(order));
    model_.Release(order);
  }

  void Compare(int i, const std::string& what) {
    const LedgerState& s = ledger_.state();
    ASSERT_EQ(s.meta.next_receipt_id, model_.next_id) << "step " << i << ": " << what;
    for (const auto& [id, m] : model_.rs) {
      const Receipt& r = s.receipts.at(ReceiptId(id));
      const std::string where = "step " + std::to_string(i) + " (" + what + "), receipt " +
                                std::to_string(id);
      ASSERT_EQ(IsLive(r.status), m.live()) << where;
      if (!m.live()) continue;
      ASSERT_EQ(r.holder, m.holder) << where;
      ASSERT_EQ(r.elements.quantity.raw(), m.qty) << where;
      ASSERT_EQ(r.status == ReceiptStatus::kLoadOutRequested, m.st == St::kLoadOut) << where;
      ASSERT_EQ(r.status == ReceiptStatus::kExpired, m.st == St::kExpired) << where;
      const EncumbranceKind want = m.enc == 1   ? EncumbranceKind::kPledge
                                   : m.enc == 3 ? EncumbranceKind::kFrozenForDelivery
                                   : !m.holds.empty() ? EncumbranceKind::kFrozenForSale
                                                      : EncumbranceKind::kNone;
      ASSERT_EQ(r.encumbrance.kind, want) << where;
      ASSERT_EQ(r.held_quantity().raw(), m.held()) << where;
      ASSERT_EQ(r.pending_pledgee, m.pending) << where;
    }
    for (uint32_t member = 1; member <= 4; ++member) {
      auto it = s.accounts.find(MemberId(member));
      const Account a = it == s.accounts.end() ? Account{} : it->second;
      const auto m = model_.cash.contains(member) ? model_.cash.at(member) : std::pair<int64_t, int64_t>{};
      ASSERT_EQ(a.available.raw(), m.first) << "step " << i << " (" << what << "), M" << member;
      ASSERT_EQ(a.reserved.raw(), m.second) << "step " << i << " (" << what << "), M" << member;
    }
    auto fee = s.accounts.find(kExchangeFeeAccount);
    ASSERT_EQ(fee == s.accounts.end() ? 0 : fee->second.available.raw(), model_.fees);
    ASSERT_EQ(s.orders.size(), model_.orders.size()) << "step " << i << ": " << what;
    for (const auto& [id, m] : model_.orders) {
      const std::string where = "step " + std::to_string(i) + " (" + what + "), order " +
                                std::to_string(id);
      auto it = s.orders.find(OrderId(id));
      ASSERT_NE(it, s.orders.end()) << where;
      const OrderReservation& o = it->second;
      ASSERT_EQ(o.leaves.raw(), m.leaves) << where;
      ASSERT_EQ(o.cash.raw(), m.cash) << where;
      ASSERT_EQ(o.reserve_price.raw(), m.price) << where;
      ASSERT_EQ(o.receipts.size(), m.portions.size()) << where;
      for (size_t k = 0; k < m.portions.size(); ++k) {
        ASSERT_EQ(o.receipts[k].receipt.value(), m.portions[k].first) << where;
        ASSERT_EQ(o.receipts[k].quantity.raw(), m.portions[k].second) << where;
      }
    }
    ASSERT_EQ(s.settled_trades.size(), model_.trades.size());
  }

  ExchangeConfig config_;
  Ledger ledger_;
  Model model_;
  std::mt19937 rng_;
  bool long_jumps_;
  uint64_t seq_ = 0;
  Timestamp now_ = LedgerT0();
  uint64_t next_order_ = 1;
  uint64_t next_trade_ = 1;
  uint64_t settle_refusals_ = 0;
  uint64_t last_receipt_ = 0;
  int accepted_ = 0;
  int refused_ = 0;
};

// Sanitizer builds (Debug, ASan+UBSan) run shorter streams to stay within a few seconds.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kSteps = 600;
#else
constexpr int kSteps = 3000;
#endif

class LedgerPropertyTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(LedgerPropertyTest, RandomAndHostileStreamsMatchTheReferenceModel) {
  Differential d(GetParam());
  d.Run(kSteps);
  std::printf("seed %u: %d accepted, %d refused, %llu trades settled\n", GetParam(), d.accepted(),
              d.refused(), static_cast<unsigned long long>(d.trades()));
  // The stream exercised both sides: plenty accepted, plenty refused, trades settled.
  EXPECT_GT(d.accepted(), kSteps / 10);
  EXPECT_GT(d.refused(), kSteps / 10);
  EXPECT_GT(d.trades(), static_cast<uint64_t>(kSteps / 300));
}

// The history verifier checks the invariants after every command incrementally (the whole state
// once, at the end). Differential: forged commands on top of a random stream's end state are
// judged alike by the incremental check and by VerifyState over the whole state.
TEST_P(LedgerPropertyTest, IncrementalInvariantCheckAgreesWithTheWholeStateCheck) {
  Differential d(GetParam());
  d.Run(kSteps / 3);
  const auto [applied, violating] = d.ForgeryTrials(kSteps / 2);
  const auto [corrupted, broken] = d.CorruptionTrials(kSteps / 2);
  std::printf("seed %u: %d forged commands applied (%d break an invariant), %d corruptions (%d break "
              "one)\n", GetParam(), applied, violating, corrupted, broken);
  EXPECT_GT(applied, 0);
  EXPECT_GT(broken, corrupted / 10);
  EXPECT_GT(corrupted - broken, corrupted / 20);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LedgerPropertyTest, ::testing::Values(1u, 2u, 3u, 4u, 5u, 20261127u));

}  // namespace
}  // namespace dazong::receipts
