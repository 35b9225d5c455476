#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "dazong/warehouse_receipts/state.h"

namespace dazong::receipts {
namespace {

absl::Status Violation(std::string text) {
  return absl::FailedPreconditionError("invariant violated: " + std::move(text));
}

std::string R(ReceiptId id) { return absl::StrCat("receipt ", id.value()); }

absl::Status VerifyReceipt(const ConfigIndex& cfg, const LedgerState& s, const Receipt& r) {
  const std::string name = R(r.id);
  if (!r.id.valid() || r.id.value() >= s.meta.next_receipt_id) return Violation(name + ": bad id");
  if (!r.elements.quantity.is_positive()) return Violation(name + ": quantity not positive");
  const WarehouseConfig* w = cfg.Warehouse(r.warehouse);
  if (w == nullptr || w->code != r.warehouse_code) return Violation(name + ": unknown warehouse");
  if (r.origin == ReceiptOrigin::kRegistered || r.origin == ReceiptOrigin::kReissued) {
    if (!cfg.LicenceValid(r.warehouse, r.issued)) {
      return Violation(name + ": issued while the warehouse's licence was not valid");
    }
    if (r.serial < w->receipt_range_first || r.serial > w->receipt_range_last ||
        r.number != cfg.ReceiptNumber(r.warehouse, r.serial)) {
      return Violation(name + ": number not from the warehouse's range");
    }
    for (const LotRef& l : r.lot_refs) {
      if (l.origin != r.id) return Violation(name + ": lot origin is not the receipt itself");
    }
  } else if (r.serial != 0) {
    return Violation(name + ": derived receipt with a serial");
  }
  if (r.lot_refs.size() != r.elements.lots.size()) return Violation(name + ": lots mismatch");
  const bool live = IsLive(r.status);
  if (live) {
    if (!cfg.ValidHolder(r.holder)) {
      return Violation(name + ": holder " + PrincipalString(r.holder) + " is not a member or bank");
    }
  } else if (r.encumbrance.kind != EncumbranceKind::kNone || !r.holds.empty() ||
             !r.pending_pledgee.empty()) {
    return Violation(name + ": a dead receipt carries an encumbrance");
  }
  switch (r.encumbrance.kind) {
    case EncumbranceKind::kNone:
      if (!r.holds.empty() || !r.encumbrance.bank.empty() || !r.encumbrance.reference.empty()) {
        return Violation(name + ": holds or pledgee without an encumbrance");
      }
      break;
    case EncumbranceKind::kPledge:
      if (!cfg.IsBank(r.encumbrance.bank) || !r.holds.empty()) {
        return Violation(name + ": pledge without a configured bank, or also held for sale");
      }
      break;
    case EncumbranceKind::kFrozenForSale:
      if (r.holds.empty() || !r.encumbrance.bank.empty()) {
        return Violation(name + ": frozen for sale without sale holds");
      }
      break;
    case EncumbranceKind::kFrozenForDelivery:
      if (!r.holds.empty() || !r.encumbrance.bank.empty()) {
        return Violation(name + ": delivery freeze with a second encumbrance");
      }
      break;
    default:
      return Violation(name + ": unknown encumbrance");
  }
  if (live && r.encumbrance.kind != EncumbranceKind::kNone &&
      r.status != ReceiptStatus::kActive) {
    return Violation(name + ": encumbered while expired or awaiting load-out");
  }
  int64_t held = 0;
  for (const SaleHold& h : r.holds) {
    if (!h.quantity.is_positive()) return Violation(name + ": empty sale hold");
    held += h.quantity.raw();
    auto o = s.orders.find(h.order);
    if (o == s.orders.end() || o->second.side != Side::kSell) {
      return Violation(absl::StrCat(name, ": held for order ", h.order.value(),
                                    " which is not an open sell order"));
    }
    const auto& list = o->second.receipts;
    if (std::find(list.begin(), list.end(), ReceiptPortion{r.id, h.quantity}) == list.end()) {
      return Violation(absl::StrCat(name, ": hold for order ", h.order.value(),
                                    " is not in the order's reservation"));
    }
  }
  if (held > r.elements.quantity.raw()) return Violation(name + ": held beyond its quantity");
  if (!r.pending_pledgee.empty() &&
      (!cfg.IsBank(r.pending_pledgee) || r.status != ReceiptStatus::kActive)) {
    return Violation(name + ": bad pending pledge request");
  }
  if (r.holder.kind == PrincipalKind::kMember && cfg.IsAffiliate(r.warehouse, r.holder.code) &&
      (r.encumbrance.kind == EncumbranceKind::kPledge ||
       r.encumbrance.kind == EncumbranceKind::kFrozenForSale || !r.pending_pledgee.empty())) {
    return Violation(name + ": an affiliate of " + r.warehouse_code +
                     " finances or sells its receipt");
  }
  // Links and conservation.
  for (ReceiptId c : r.children) {
    auto it = s.receipts.find(c);
    if (it == s.receipts.end() ||
        std::find(it->second.parents.begin(), it->second.parents.end(), r.id) ==
            it->second.parents.end()) {
      return Violation(name + ": child link not mirrored");
    }
  }
  for (ReceiptId p : r.parents) {
    auto it = s.receipts.find(p);
    if (it == s.receipts.end() ||
        std::find(it->second.children.begin(), it->second.children.end(), r.id) ==
            it->second.children.end()) {
      return Violation(name + ": parent link not mirrored");
    }
  }
  if (r.status == ReceiptStatus::kRetired) {
    if (r.children.empty()) return Violation(name + ": retired without children");
    const Receipt& first = s.receipts.at(r.children[0]);
    if (first.origin == ReceiptOrigin::kSplit) {
      int64_t sum = 0;
      for (ReceiptId c : r.children) {
        const Receipt& child = s.receipts.at(c);
        if (child.origin != ReceiptOrigin::kSplit) return Violation(name + ": mixed children");
        sum += child.elements.quantity.raw();
      }
      if (sum != r.elements.quantity.raw()) {
        return Violation(absl::StrCat(name, ": split children sum to ", sum, ", parent has ",
                                      r.elements.quantity.raw()));
      }
    } else if (first.origin != ReceiptOrigin::kMerged || r.children.size() != 1) {
      return Violation(name + ": retired into something that is not a split or merge");
    }
  }
  if (r.origin == ReceiptOrigin::kMerged) {
    int64_t sum = 0;
    for (ReceiptId p : r.parents) sum += s.receipts.at(p).elements.quantity.raw();
    if (sum != r.elements.quantity.raw() || r.parents.size() < 2) {
      return Violation(absl::StrCat(name, ": merged from ", sum, " but holds ",
                                    r.elements.quantity.raw()));
    }
  }
  if (r.origin == ReceiptOrigin::kSplit && r.parents.size() != 1) {
    return Violation(name + ": split child without exactly one parent");
  }
  return absl::OkStatus();
}

// A live receipt's share of the running tallies: its receipted quantity and its lot references.
void Tally(const Receipt& r, int sign, std::map<StockKey, int64_t>& receipted,
           std::map<std::pair<WarehouseId, std::string>, std::map<ReceiptId, int64_t>>& lots,
           std::set<std::pair<WarehouseId, std::string>>* touched_lots) {
  if (!IsLive(r.status)) return;
  receipted[{r.warehouse, r.elements.commodity, r.elements.grade}] += sign * r.elements.quantity.raw();
  for (const LotRef& l : r.lot_refs) {
    std::pair<WarehouseId, std::string> key{r.warehouse, l.lot};
    auto& origins = lots[key];
    if ((origins[l.origin] += sign) == 0) origins.erase(l.origin);
    if (origins.empty()) lots.erase(key);
    if (touched_lots != nullptr) touched_lots->insert(std::move(key));
  }
}

absl::Status VerifyLot(const ConfigIndex& cfg, const std::pair<WarehouseId, std::string>& key,
                       const std::map<ReceiptId, int64_t>& origins) {
  if (origins.size() <= 1) return absl::OkStatus();
  const WarehouseConfig* w = cfg.Warehouse(key.first);
  return Violation(absl::StrCat("receipts from registrations ", origins.begin()->first.value(), " and ",
                                std::next(origins.begin())->first.value(), " are both live for lot ",
                                key.second, " at ", w == nullptr ? "?" : w->code));
}

absl::Status VerifyStock(const ConfigIndex& cfg, const LedgerState& s,
                         const std::map<StockKey, int64_t>& receipted) {
  for (const auto& [key, qty] : receipted) {
    auto it = s.stock.find(key);
    const int64_t stock = it == s.stock.end() ? 0 : it->second.raw();
    if (qty > stock) {
      const WarehouseConfig* w = cfg.Warehouse(key.warehouse);
      return Violation(absl::StrCat("live receipted ", qty, " of ", key.commodity, " ", key.grade,
                                    " at ", w == nullptr ? "?" : w->code,
                                    " exceeds inspected stock ", stock));
    }
  }
  for (const auto& [key, qty] : s.stock) {
    if (!qty.is_positive()) return Violation("non-positive stock record");
  }
  return absl::OkStatus();
}

absl::Status VerifyOrder(const ConfigIndex& cfg, const LedgerState& s, OrderId id,
                         const OrderReservation& o) {
  const std::string name = absl::StrCat("order ", id.value());
  if (id != o.order || !o.leaves.is_positive()) return Violation(name + ": bad record");
  if (cfg.Member(o.member) == nullptr || cfg.Instrument(o.instrument) == nullptr) {
    return Violation(name + ": unknown member or instrument");
  }
  if (o.side == Side::kBuy) {
    if (!o.receipts.empty() || o.cash.is_negative()) return Violation(name + ": bad buy record");
    return absl::OkStatus();
  }
  if (!o.cash.is_zero()) return Violation(name + ": sell order holds cash");
  int64_t sum = 0;
  for (const ReceiptPortion& p : o.receipts) {
    auto r = s.receipts.find(p.receipt);
    if (r == s.receipts.end() ||
        std::find(r->second.holds.begin(), r->second.holds.end(), SaleHold{id, p.quantity}) ==
            r->second.holds.end()) {
      return Violation(absl::StrCat(name, ": reserves receipt ", p.receipt.value(),
                                    " without a matching hold"));
    }
    sum += p.quantity.raw();
  }
  if (sum != o.leaves.raw()) {
    return Violation(absl::StrCat(name, ": reserves ", sum, " for leaves ", o.leaves.raw()));
  }
  return absl::OkStatus();
}

// Every account against the cash its buy orders reserve (`reserved`), and total cash against
// deposits minus withdrawals. Accounts are few (one per configured member and the fee account).
absl::Status VerifyAccounts(const ConfigIndex& cfg, const LedgerState& s,
                            const std::map<MemberId, int64_t>& reserved) {
  Int128 total = 0;
  for (const auto& [member, a] : s.accounts) {
    const std::string name = absl::StrCat("account ", member.value());
    if (a.available.is_negative() || a.reserved.is_negative()) {
      return Violation(name + ": negative balance");
    }
    auto want = reserved.find(member);
    const int64_t want_cash = want == reserved.end() ? 0 : want->second;
    if (a.reserved.raw() != want_cash) {
      return Violation(absl::StrCat(name, ": reserved ", a.reserved.raw(),
                                    " but its buy orders hold ", want_cash));
    }
    if (member != kExchangeFeeAccount && cfg.config().FindMember(member) == nullptr) {
      return Violation(name + ": unknown member");
    }
    total += a.available.raw();
    total += a.reserved.raw();
  }
  for (const auto& [member, want] : reserved) {
    if (want != 0 && !s.accounts.contains(member)) return Violation("reservation without account");
  }
  if (total != static_cast<Int128>(s.meta.total_deposited.raw()) - s.meta.total_withdrawn.raw()) {
    return Violation("total cash differs from deposits minus withdrawals");
  }
  if (!s.in_delivery.empty()) return Violation("a delivery without its settlement");
  return absl::OkStatus();
}

// The orders an event names (their reservations may change).
template <typename F>
void ForEachNamedOrder(const EventBody& body, F&& f) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, OrderOpened> || std::is_same_v<T, OrderResized> ||
                      std::is_same_v<T, OrderClosed> || std::is_same_v<T, CashReserved> ||
                      std::is_same_v<T, CashReleased> || std::is_same_v<T, HoldPlaced> ||
                      std::is_same_v<T, HoldReleased> || std::is_same_v<T, HolderChanged>) {
          if (e.order.valid()) f(e.order);
        } else if constexpr (std::is_same_v<T, TradeSettled>) {
          f(e.buy_order);
          f(e.sell_order);
        } else if constexpr (std::is_same_v<T, ReceiptSplit>) {
          for (const SplitChild& c : e.children) {
            for (const SaleHold& h : c.holds) f(h.order);
          }
        }
      },
      body);
}

}  // namespace

absl::Status VerifyState(const ConfigIndex& cfg, const LedgerState& s) {
  std::map<StockKey, int64_t> receipted;
  std::map<std::pair<WarehouseId, std::string>, std::map<ReceiptId, int64_t>> lots;
  for (const auto& [id, r] : s.receipts) {
    if (id != r.id) return Violation(R(id) + ": keyed under another id");
    absl::Status st = VerifyReceipt(cfg, s, r);
    if (!st.ok()) return st;
    Tally(r, 1, receipted, lots, nullptr);
  }
  for (const auto& [key, origins] : lots) {
    absl::Status st = VerifyLot(cfg, key, origins);
    if (!st.ok()) return st;
  }
  absl::Status st = VerifyStock(cfg, s, receipted);
  if (!st.ok()) return st;
  std::map<MemberId, int64_t> reserved;
  for (const auto& [id, o] : s.orders) {
    st = VerifyOrder(cfg, s, id, o);
    if (!st.ok()) return st;
    if (o.side == Side::kBuy) reserved[o.member] += o.cash.raw();
  }
  st = VerifyAccounts(cfg, s, reserved);
  if (!st.ok()) return st;
  LedgerState rebuilt;
  ComputeIndexes(s, rebuilt);
  if (rebuilt.receipted != s.receipted || rebuilt.used_serials != s.used_serials ||
      rebuilt.live_lots != s.live_lots || rebuilt.live_by_holder != s.live_by_holder ||
      rebuilt.free_by_holder != s.free_by_holder) {
    return Violation("derived indexes differ from the records");
  }
  // The receipt slots (a cache of the map): each filled slot is the map's node for its id.
  for (uint64_t i = 0; i < s.receipt_slots.size(); ++i) {
    const Receipt* slot = s.receipt_slots.Get(ReceiptId(i));
    if (slot == nullptr) continue;
    auto it = s.receipts.find(ReceiptId(i));
    if (it == s.receipts.end() || &it->second != slot) {
      return Violation(absl::StrCat("receipt slot ", i, " is not the receipt with that id"));
    }
  }
  return absl::OkStatus();
}

IncrementalVerifier::IncrementalVerifier(const ConfigIndex& config, const LedgerState& start)
    : config_(config) {
  for (const auto& [id, r] : start.receipts) Tally(r, 1, receipted_, lots_, nullptr);
  for (const auto& [id, o] : start.orders) {
    if (o.side == Side::kBuy) reserved_[o.member] += o.cash.raw();
  }
}

void IncrementalVerifier::BeforeEvent(const LedgerState& s, const EventBody& body) {
  auto touch_order = [&](OrderId id) {
    checked_orders_.insert(id);
    if (!tallied_orders_.insert(id).second) return;
    auto o = s.orders.find(id);
    if (o == s.orders.end()) return;
    if (o->second.side == Side::kBuy) reserved_[o->second.member] -= o->second.cash.raw();
    for (const ReceiptPortion& p : o->second.receipts) checked_receipts_.insert(p.receipt);
  };
  ForEachTouchedReceipt(body, [&](ReceiptId id) {
    checked_receipts_.insert(id);
    if (!tallied_receipts_.insert(id).second) return;
    auto r = s.receipts.find(id);
    if (r == s.receipts.end()) return;
    Tally(r->second, -1, receipted_, lots_, &touched_lots_);
    for (const SaleHold& h : r->second.holds) touch_order(h.order);
    checked_receipts_.insert(r->second.parents.begin(), r->second.parents.end());
    checked_receipts_.insert(r->second.children.begin(), r->second.children.end());
  });
  ForEachNamedOrder(body, touch_order);
}

absl::Status IncrementalVerifier::CheckCommand(const LedgerState& s) {
  // The touched records' new shares go into the tallies first, so that the checks see the
  // whole state's totals.
  for (ReceiptId id : tallied_receipts_) {
    auto r = s.receipts.find(id);
    if (r == s.receipts.end()) continue;
    Tally(r->second, 1, receipted_, lots_, &touched_lots_);
    for (const SaleHold& h : r->second.holds) checked_orders_.insert(h.order);
    // A receipt's conservation and link checks read its parents and children.
    checked_receipts_.insert(r->second.parents.begin(), r->second.parents.end());
    checked_receipts_.insert(r->second.children.begin(), r->second.children.end());
  }
  for (OrderId id : tallied_orders_) {
    auto o = s.orders.find(id);
    if (o != s.orders.end() && o->second.side == Side::kBuy) {
      reserved_[o->second.member] += o->second.cash.raw();
    }
  }
  for (OrderId id : checked_orders_) {
    auto o = s.orders.find(id);
    if (o == s.orders.end()) continue;
    for (const ReceiptPortion& p : o->second.receipts) checked_receipts_.insert(p.receipt);
  }
  absl::Status st = Check(s);
  tallied_receipts_.clear();
  checked_receipts_.clear();
  tallied_orders_.clear();
  checked_orders_.clear();
  touched_lots_.clear();
  return st;
}

absl::Status IncrementalVerifier::Check(const LedgerState& s) const {
  for (ReceiptId id : checked_receipts_) {
    auto r = s.receipts.find(id);
    if (r == s.receipts.end()) continue;  // a sell order naming it is refused below
    if (id != r->second.id) return Violation(R(id) + ": keyed under another id");
    absl::Status st = VerifyReceipt(config_, s, r->second);
    if (!st.ok()) return st;
  }
  for (const auto& key : touched_lots_) {
    auto it = lots_.find(key);
    if (it == lots_.end()) continue;
    absl::Status st = VerifyLot(config_, key, it->second);
    if (!st.ok()) return st;
  }
  absl::Status st = VerifyStock(config_, s, receipted_);
  if (!st.ok()) return st;
  for (OrderId id : checked_orders_) {
    auto o = s.orders.find(id);
    if (o == s.orders.end()) continue;
    st = VerifyOrder(config_, s, id, o->second);
    if (!st.ok()) return st;
  }
  return VerifyAccounts(config_, s, reserved_);
}

}  // namespace dazong::receipts
