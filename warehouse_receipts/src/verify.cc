#include <algorithm>
#include <string>

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

}  // namespace

absl::Status VerifyState(const ConfigIndex& cfg, const LedgerState& s) {
  std::map<std::pair<WarehouseId, std::string>, ReceiptId> lot_owner;
  std::map<StockKey, int64_t> receipted;
  for (const auto& [id, r] : s.receipts) {
    if (id != r.id) return Violation(R(id) + ": keyed under another id");
    absl::Status st = VerifyReceipt(cfg, s, r);
    if (!st.ok()) return st;
    if (!IsLive(r.status)) continue;
    receipted[{r.warehouse, r.elements.commodity, r.elements.grade}] += r.elements.quantity.raw();
    for (const LotRef& l : r.lot_refs) {
      auto [it, fresh] = lot_owner.emplace(std::make_pair(r.warehouse, l.lot), r.id);
      if (!fresh && s.receipts.at(it->second).lot_refs.end() ==
                        std::find(s.receipts.at(it->second).lot_refs.begin(),
                                  s.receipts.at(it->second).lot_refs.end(), l)) {
        return Violation(absl::StrCat("receipts ", it->second.value(), " and ", r.id.value(),
                                      " are both live for lot ", l.lot, " at ", r.warehouse_code));
      }
    }
  }
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
  std::map<MemberId, int64_t> reserved;
  for (const auto& [id, o] : s.orders) {
    const std::string name = absl::StrCat("order ", id.value());
    if (id != o.order || !o.leaves.is_positive()) return Violation(name + ": bad record");
    if (cfg.Member(o.member) == nullptr || cfg.Instrument(o.instrument) == nullptr) {
      return Violation(name + ": unknown member or instrument");
    }
    if (o.side == Side::kBuy) {
      if (!o.receipts.empty() || o.cash.is_negative()) return Violation(name + ": bad buy record");
      reserved[o.member] += o.cash.raw();
    } else {
      if (!o.cash.is_zero()) return Violation(name + ": sell order holds cash");
      int64_t sum = 0;
      for (const ReceiptPortion& p : o.receipts) {
        auto r = s.receipts.find(p.receipt);
        if (r == s.receipts.end() ||
            std::find(r->second.holds.begin(), r->second.holds.end(),
                      SaleHold{id, p.quantity}) == r->second.holds.end()) {
          return Violation(absl::StrCat(name, ": reserves receipt ", p.receipt.value(),
                                        " without a matching hold"));
        }
        sum += p.quantity.raw();
      }
      if (sum != o.leaves.raw()) {
        return Violation(absl::StrCat(name, ": reserves ", sum, " for leaves ", o.leaves.raw()));
      }
    }
  }
  Int128 total = 0;
  for (const auto& [member, a] : s.accounts) {
    const std::string name = absl::StrCat("account ", member.value());
    if (a.available.is_negative() || a.reserved.is_negative()) {
      return Violation(name + ": negative balance");
    }
    const int64_t want = reserved.contains(member) ? reserved.at(member) : 0;
    if (a.reserved.raw() != want) {
      return Violation(absl::StrCat(name, ": reserved ", a.reserved.raw(),
                                    " but its buy orders hold ", want));
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
  LedgerState rebuilt;
  ComputeIndexes(s, rebuilt);
  if (rebuilt.receipted != s.receipted || rebuilt.used_serials != s.used_serials ||
      rebuilt.live_lots != s.live_lots || rebuilt.live_by_holder != s.live_by_holder) {
    return Violation("derived indexes differ from the records");
  }
  return absl::OkStatus();
}

}  // namespace dazong::receipts
