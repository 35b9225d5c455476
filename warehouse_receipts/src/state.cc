#include "dazong/warehouse_receipts/state.h"

#include <algorithm>
#include <span>
#include <string>

#include "absl/strings/str_cat.h"
#include "sha256.h"

namespace dazong::receipts {
namespace {

absl::Status Bad(std::string text) { return absl::FailedPreconditionError(std::move(text)); }

std::string Rid(ReceiptId id) { return absl::StrCat("receipt ", id.value()); }
std::string Oid(OrderId id) { return absl::StrCat("order ", id.value()); }

Hash ChainHash(const Hash& prev, const Hash& next) { return Sha256::Of({HashBytes(prev), HashBytes(next)}); }

StockKey KeyOf(const Receipt& r) { return {r.warehouse, r.elements.commodity, r.elements.grade}; }

void AddQty(std::map<StockKey, Quantity>& m, const StockKey& k, int64_t delta) {
  int64_t v = m[k].raw() + delta;
  if (v == 0) {
    m.erase(k);
  } else {
    m[k] = Quantity::FromRaw(v);
  }
}

void Link(LedgerState& s, const Receipt& r) {
  if (!IsLive(r.status)) return;
  AddQty(s.receipted, KeyOf(r), r.elements.quantity.raw());
  for (const LotRef& lot : r.lot_refs) {
    LedgerState::LotUse& use = s.live_lots[{r.warehouse, lot.lot}];
    if (use.live_receipts == 0) use.origin = lot.origin;
    ++use.live_receipts;
  }
  InsertHolderEntry(s.live_by_holder[r.holder], {r.issued, r.id});
}

void Unlink(LedgerState& s, const Receipt& r) {
  if (!IsLive(r.status)) return;
  AddQty(s.receipted, KeyOf(r), -r.elements.quantity.raw());
  for (const LotRef& lot : r.lot_refs) {
    auto it = s.live_lots.find({r.warehouse, lot.lot});
    if (it != s.live_lots.end() && --it->second.live_receipts <= 0) s.live_lots.erase(it);
  }
  auto it = s.live_by_holder.find(r.holder);
  if (it != s.live_by_holder.end()) {
    EraseHolderEntry(it->second, {r.issued, r.id});
    if (it->second.empty()) s.live_by_holder.erase(it);
  }
}

bool HasFreeQuantity(const Receipt& r) {
  return r.status == ReceiptStatus::kActive &&
         (r.encumbrance.kind == EncumbranceKind::kNone ||
          r.encumbrance.kind == EncumbranceKind::kFrozenForSale) &&
         r.held_quantity() < r.elements.quantity;
}

void LinkFree(LedgerState& s, const Receipt& r) {
  if (HasFreeQuantity(r)) InsertHolderEntry(s.free_by_holder[r.holder], {r.issued, r.id});
}

void UnlinkFree(LedgerState& s, const Receipt& r) {
  if (!HasFreeQuantity(r)) return;  // then it is not in the index
  auto it = s.free_by_holder.find(r.holder);
  if (it == s.free_by_holder.end()) return;
  EraseHolderEntry(it->second, {r.issued, r.id});
  if (it->second.empty()) s.free_by_holder.erase(it);
}

std::string BaseNumber(const std::string& number) {
  const size_t dot = number.find('.');
  return dot == std::string::npos ? number : number.substr(0, dot);
}

bool AddMoney(Money& m, int64_t delta) {
  int64_t out;
  if (__builtin_add_overflow(m.raw(), delta, &out)) return false;
  m = Money::FromRaw(out);
  return true;
}

class Applier {
 public:
  // `known`: receipts the caller has already looked up (map nodes: they stay valid), so that
  // Find does not search the map again for them.
  Applier(const ConfigIndex& cfg, LedgerState& s, const HistoryRecord& rec,
          std::span<const std::pair<ReceiptId, Receipt*>> known = {})
      : cfg_(cfg), s_(s), rec_(rec), time_(rec.event.time), known_(known) {}

  absl::Status operator()(const StockReported& e) {
    const WarehouseConfig* w = cfg_.Warehouse(e.key.warehouse);
    if (w == nullptr) return Bad("unknown warehouse");
    if (rec_.event.actor != Principal::Warehouse(w->code)) {
      return Bad("stock reported by someone other than the warehouse");
    }
    if (!cfg_.StoresCommodity(e.key.warehouse, e.key.commodity)) {
      return Bad("warehouse does not store " + e.key.commodity);
    }
    if (e.quantity.is_negative()) return Bad("negative stock");
    if (e.quantity.is_zero()) {
      s_.stock.erase(e.key);
    } else {
      s_.stock[e.key] = e.quantity;
    }
    return absl::OkStatus();
  }

  absl::Status operator()(const ReceiptIssued& e) {
    const Receipt& r = e.receipt;
    if (r.id.value() != s_.meta.next_receipt_id) {
      return Bad(absl::StrCat("issued id ", r.id.value(), ", expected ", s_.meta.next_receipt_id));
    }
    const WarehouseConfig* w = cfg_.Warehouse(r.warehouse);
    if (w == nullptr || w->code != r.warehouse_code) return Bad("unknown warehouse");
    if (rec_.event.actor != Principal::Warehouse(w->code)) return Bad("issued by another party");
    if (r.licence != w->licence || !cfg_.LicenceValid(r.warehouse, time_)) {
      return Bad("licence not valid at issue");
    }
    if (r.issued != time_) return Bad("issue date differs from the event time");
    if (r.serial < w->receipt_range_first || r.serial > w->receipt_range_last) {
      return Bad("number outside the warehouse's range");
    }
    if (s_.used_serials.contains({r.warehouse, r.serial})) return Bad("receipt number reused");
    if (r.number != cfg_.ReceiptNumber(r.warehouse, r.serial)) return Bad("malformed number");
    if (r.status != ReceiptStatus::kActive || r.encumbrance.kind != EncumbranceKind::kNone ||
        !r.holds.empty() || !r.pending_pledgee.empty() || !r.children.empty() ||
        r.version != 0 || r.history_hash != Hash{}) {
      return Bad("issued receipt is not fresh");
    }
    if (r.origin == ReceiptOrigin::kRegistered
            ? (r.holder.kind != PrincipalKind::kMember || cfg_.Member(r.holder.code) == nullptr)
            : !cfg_.ValidHolder(r.holder)) {
      return Bad("holder is not a configured member");
    }
    if (!r.elements.quantity.is_positive()) return Bad("quantity not positive");
    if (!cfg_.StoresCommodity(r.warehouse, r.elements.commodity)) return Bad("commodity not stored");
    if (r.lot_refs.empty() || r.lot_refs.size() != r.elements.lots.size()) return Bad("bad lots");
    for (size_t i = 0; i < r.lot_refs.size(); ++i) {
      if (r.lot_refs[i].lot != r.elements.lots[i] || r.lot_refs[i].origin != r.id) {
        return Bad("lot origin mismatch");
      }
      if (s_.live_lots.contains({r.warehouse, r.lot_refs[i].lot})) {
        return Bad("lot " + r.lot_refs[i].lot + " is already covered by a live receipt");
      }
    }
    if (r.origin == ReceiptOrigin::kRegistered) {
      if (!r.parents.empty()) return Bad("registered receipt with parents");
    } else if (r.origin == ReceiptOrigin::kReissued) {
      if (r.parents.size() != 1) return Bad("reissue must name the voided receipt");
      auto p = s_.receipts.find(r.parents[0]);
      if (p == s_.receipts.end() || p->second.status != ReceiptStatus::kVoided ||
          p->second.warehouse != r.warehouse || p->second.holder != r.holder ||
          !p->second.children.empty()) {
        return Bad("reissue of a receipt that was not voided by this correction");
      }
      p->second.children.push_back(r.id);
    } else {
      return Bad("issued receipt must be registered or reissued");
    }
    s_.used_serials.insert({r.warehouse, r.serial});
    const StockKey key = KeyOf(r);
    auto stock = s_.stock.find(key);
    auto receipted = s_.receipted.find(key);
    const int64_t have = stock == s_.stock.end() ? 0 : stock->second.raw();
    const int64_t used = receipted == s_.receipted.end() ? 0 : receipted->second.raw();
    if (r.elements.quantity.raw() > have - used) return Bad("issue exceeds inspected stock");
    InsertReceipt(s_, r);
    s_.meta.next_receipt_id++;
    Link(s_, r);
    return absl::OkStatus();
  }

  absl::Status operator()(const ReceiptCancelled& e) {
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    if (rec_.event.actor != Principal::Warehouse(r->warehouse_code)) {
      return Bad("cancelled by someone other than the issuing warehouse");
    }
    if (!IsLive(r->status)) return Bad(Rid(r->id) + " is not live");
    if (r->encumbrance.kind != EncumbranceKind::kNone) return Bad(Rid(r->id) + " is encumbered");
    Unlink(s_, *r);
    if (e.cause == CancelCause::kLoadOut) {
      if (r->status != ReceiptStatus::kLoadOutRequested) return Bad("load-out was not requested");
      const StockKey key = KeyOf(*r);
      auto it = s_.stock.find(key);
      if (it == s_.stock.end() || it->second < r->elements.quantity) return Bad("stock underflow");
      AddQty(s_.stock, key, -r->elements.quantity.raw());
      r->status = ReceiptStatus::kCancelled;
    } else {
      r->status = ReceiptStatus::kVoided;
    }
    r->pending_pledgee.clear();
    r->status_reason = rec_.event.why;
    return absl::OkStatus();
  }

  absl::Status operator()(const ReceiptSplit& e) {
    Receipt* p = Find(e.parent);
    if (p == nullptr) return Bad(Rid(e.parent) + " unknown");
    if (p->status != ReceiptStatus::kActive) return Bad(Rid(p->id) + " is not active");
    if (p->encumbrance.kind != EncumbranceKind::kNone &&
        p->encumbrance.kind != EncumbranceKind::kFrozenForSale) {
      return Bad(Rid(p->id) + " is pledged or frozen");
    }
    if (e.children.size() < 2) return Bad("split into fewer than two");
    int64_t sum = 0;
    std::map<OrderId, int64_t> child_holds;
    for (size_t i = 0; i < e.children.size(); ++i) {
      const SplitChild& c = e.children[i];
      if (c.id.value() != s_.meta.next_receipt_id + i) return Bad("split child id out of order");
      if (!c.quantity.is_positive()) return Bad("split child quantity not positive");
      if (__builtin_add_overflow(sum, c.quantity.raw(), &sum)) return Bad("split overflow");
      int64_t held = 0;
      for (const SaleHold& h : c.holds) {
        if (!h.quantity.is_positive()) return Bad("hold quantity not positive");
        held += h.quantity.raw();
        child_holds[h.order] += h.quantity.raw();
      }
      if (held > c.quantity.raw()) return Bad("child holds exceed its quantity");
    }
    if (sum != p->elements.quantity.raw()) {
      return Bad(absl::StrCat("split children sum to ", sum, ", parent has ",
                              p->elements.quantity.raw()));
    }
    std::map<OrderId, int64_t> parent_holds;
    for (const SaleHold& h : p->holds) parent_holds[h.order] += h.quantity.raw();
    if (parent_holds != child_holds) return Bad("split does not carry the parent's sale holds");
    // Orders now reserve the children instead of the parent.
    for (const auto& [order_id, qty] : parent_holds) {
      auto o = s_.orders.find(order_id);
      if (o == s_.orders.end()) return Bad(Oid(order_id) + " unknown");
      auto& list = o->second.receipts;
      auto pos = std::find_if(list.begin(), list.end(),
                              [&](const ReceiptPortion& rp) { return rp.receipt == p->id; });
      if (pos == list.end() || pos->quantity.raw() != qty) return Bad("order/hold mismatch");
      std::vector<ReceiptPortion> repl;
      for (const SplitChild& c : e.children) {
        for (const SaleHold& h : c.holds) {
          if (h.order == order_id) repl.push_back({c.id, h.quantity});
        }
      }
      pos = list.erase(pos);
      list.insert(pos, repl.begin(), repl.end());
    }
    Unlink(s_, *p);
    p->status = ReceiptStatus::kRetired;
    p->encumbrance = Encumbrance{};
    p->holds.clear();
    p->pending_pledgee.clear();
    const Receipt parent = *p;  // copy: emplace below may not invalidate, but be explicit
    for (const SplitChild& c : e.children) {
      Receipt child = parent;
      child.id = c.id;
      child.number = BaseNumber(parent.number) + "." + std::to_string(c.id.value());
      child.serial = 0;
      child.elements.quantity = c.quantity;
      child.origin = ReceiptOrigin::kSplit;
      child.status = ReceiptStatus::kActive;
      child.status_reason.clear();
      child.holds = c.holds;
      child.encumbrance = Encumbrance{};
      if (!c.holds.empty()) child.encumbrance.kind = EncumbranceKind::kFrozenForSale;
      child.parents = {parent.id};
      child.children.clear();
      child.version = 0;
      child.history_hash = Hash{};
      InsertReceipt(s_, child);
      Link(s_, child);
      p->children.push_back(c.id);
    }
    s_.meta.next_receipt_id += e.children.size();
    return absl::OkStatus();
  }

  absl::Status operator()(const ReceiptsMerged& e) {
    if (e.parents.size() < 2) return Bad("merge of fewer than two receipts");
    if (e.child.value() != s_.meta.next_receipt_id) return Bad("merge child id out of order");
    std::vector<Receipt*> ps;
    for (ReceiptId id : e.parents) {
      Receipt* r = Find(id);
      if (r == nullptr) return Bad(Rid(id) + " unknown");
      if (std::find(ps.begin(), ps.end(), r) != ps.end()) return Bad(Rid(id) + " named twice");
      if (r->status != ReceiptStatus::kActive) return Bad(Rid(id) + " is not active");
      if (r->encumbrance.kind != EncumbranceKind::kNone) return Bad(Rid(id) + " is encumbered");
      ps.push_back(r);
    }
    const Receipt& first = *ps[0];
    Receipt child = first;
    int64_t sum = 0;
    std::vector<LotRef> lots;
    for (Receipt* r : ps) {
      if (r->warehouse != first.warehouse || r->elements.commodity != first.elements.commodity ||
          r->elements.grade != first.elements.grade || r->elements.brand != first.elements.brand ||
          r->elements.packaging != first.elements.packaging ||
          r->elements.unit != first.elements.unit || r->holder != first.holder) {
        return Bad("merged receipts differ");
      }
      if (__builtin_add_overflow(sum, r->elements.quantity.raw(), &sum)) return Bad("overflow");
      child.elements.expiry = std::min(child.elements.expiry, r->elements.expiry);
      child.issued = std::min(child.issued, r->issued);
      for (const LotRef& l : r->lot_refs) {
        if (std::find(lots.begin(), lots.end(), l) == lots.end()) lots.push_back(l);
      }
    }
    for (Receipt* r : ps) {
      Unlink(s_, *r);
      r->status = ReceiptStatus::kRetired;
      r->pending_pledgee.clear();
      r->children = {e.child};
    }
    child.id = e.child;
    child.number = BaseNumber(first.number) + "." + std::to_string(e.child.value());
    child.serial = 0;
    child.elements.quantity = Quantity::FromRaw(sum);
    child.lot_refs = lots;
    child.elements.lots.clear();
    for (const LotRef& l : lots) child.elements.lots.push_back(l.lot);
    child.origin = ReceiptOrigin::kMerged;
    child.status = ReceiptStatus::kActive;
    child.status_reason.clear();
    child.pending_pledgee.clear();
    child.parents = e.parents;
    child.children.clear();
    child.version = 0;
    child.history_hash = Hash{};
    InsertReceipt(s_, child);
    Link(s_, child);
    s_.meta.next_receipt_id++;
    return absl::OkStatus();
  }

  absl::Status operator()(const HolderChanged& e) {
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    if (!IsLive(r->status)) return Bad(Rid(r->id) + " is not live");
    if (r->holder != e.from) {
      return Bad(absl::StrCat(Rid(r->id), " is held by ", PrincipalString(r->holder),
                              ", the event says ", PrincipalString(e.from)));
    }
    if (!cfg_.ValidHolder(e.to)) return Bad("new holder " + PrincipalString(e.to) + " unknown");
    if (e.cause != HolderCause::kSettlement && e.order.valid()) {
      return Bad("only a settlement names a sell order");
    }
    if (e.cause == HolderCause::kSettlement) {
      // The sell order held the whole receipt for sale: that hold ends with the delivery.
      auto o = s_.orders.find(e.order);
      if (o == s_.orders.end() || r->holds.size() != 1 || r->holds[0].order != e.order ||
          r->holds[0].quantity != r->elements.quantity) {
        return Bad(Rid(r->id) + " is not held in full for the delivering sell order");
      }
      if (absl::Status st = ReleaseHold(*r, o->second, r->elements.quantity); !st.ok()) return st;
    }
    if (r->encumbrance.kind != EncumbranceKind::kNone) return Bad(Rid(r->id) + " is encumbered");
    if (e.cause != HolderCause::kEnforcement && r->status != ReceiptStatus::kActive) {
      return Bad(Rid(r->id) + " is not active");
    }
    if (e.cause == HolderCause::kTransfer && time_ >= r->elements.expiry) {
      return Bad(Rid(r->id) + " is expired");
    }
    if (e.cause == HolderCause::kEnforcement && e.to.kind != PrincipalKind::kBank) {
      return Bad("enforcement must move the receipt to the bank");
    }
    for (const Principal* p : {&e.from, &e.to}) {
      if (e.cause != HolderCause::kEnforcement && p->kind == PrincipalKind::kMember &&
          cfg_.IsAffiliate(r->warehouse, p->code)) {
        return Bad(PrincipalString(*p) + " is an affiliate of " + r->warehouse_code);
      }
    }
    if (e.cause == HolderCause::kSettlement) {
      if (!e.trade.valid() || IsSettled(s_, e.trade)) return Bad("bad trade id");
      s_.in_delivery[e.trade] += r->elements.quantity.raw();
    }
    // Same receipt, quantity and lots: only the holder index changes.
    if (IsLive(r->status)) {
      auto from = s_.live_by_holder.find(r->holder);
      if (from != s_.live_by_holder.end()) {
        EraseHolderEntry(from->second, {r->issued, r->id});
        if (from->second.empty()) s_.live_by_holder.erase(from);
      }
      InsertHolderEntry(s_.live_by_holder[e.to], {r->issued, r->id});
    }
    r->holder = e.to;
    r->pending_pledgee.clear();
    return absl::OkStatus();
  }

  absl::Status operator()(const PledgeRequested& e) {
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    if (r->status != ReceiptStatus::kActive) return Bad(Rid(r->id) + " is not active");
    if (time_ >= r->elements.expiry) return Bad(Rid(r->id) + " is expired");
    if (r->encumbrance.kind != EncumbranceKind::kNone) return Bad(Rid(r->id) + " is encumbered");
    if (r->holder.kind != PrincipalKind::kMember || rec_.event.actor != r->holder) {
      return Bad("pledge requested by someone other than the member holder");
    }
    if (cfg_.IsAffiliate(r->warehouse, r->holder.code)) return Bad("affiliate pledge");
    if (!cfg_.IsBank(e.bank)) return Bad("unknown bank " + e.bank);
    if (!r->pending_pledgee.empty()) return Bad("a pledge request is already pending");
    r->pending_pledgee = e.bank;
    return absl::OkStatus();
  }

  absl::Status operator()(const PledgeRequestCleared& e) {
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    if (r->pending_pledgee != e.bank || e.bank.empty()) return Bad("no such pledge request");
    r->pending_pledgee.clear();
    return absl::OkStatus();
  }

  absl::Status operator()(const EncumbranceChanged& e) {
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    if (!IsLive(r->status)) return Bad(Rid(r->id) + " is not live");
    if (r->encumbrance != e.from) return Bad(Rid(r->id) + " encumbrance differs from the event");
    const Principal& actor = rec_.event.actor;
    switch (e.cause) {
      case EncumbranceCause::kPledgeAccepted:
        if (e.from.kind != EncumbranceKind::kNone || e.to.kind != EncumbranceKind::kPledge ||
            e.to.bank.empty() || r->pending_pledgee != e.to.bank ||
            actor != Principal::Bank(e.to.bank)) {
          return Bad("pledge accepted without a matching request");
        }
        if (r->status != ReceiptStatus::kActive || time_ >= r->elements.expiry) {
          return Bad(Rid(r->id) + " is not active or expired");
        }
        if (r->holder.kind != PrincipalKind::kMember || cfg_.IsAffiliate(r->warehouse, r->holder.code)) {
          return Bad("pledge by a non-member or an affiliate");
        }
        r->pending_pledgee.clear();
        break;
      case EncumbranceCause::kPledgeReleased:
      case EncumbranceCause::kPledgeEnforced:
        if (e.from.kind != EncumbranceKind::kPledge || e.to.kind != EncumbranceKind::kNone ||
            actor != Principal::Bank(e.from.bank)) {
          return Bad("pledge ended by someone other than the pledgee");
        }
        break;
      case EncumbranceCause::kFrozen:
        if (e.from.kind != EncumbranceKind::kNone ||
            e.to.kind != EncumbranceKind::kFrozenForDelivery ||
            actor.kind != PrincipalKind::kExchange) {
          return Bad("bad freeze");
        }
        break;
      case EncumbranceCause::kUnfrozen:
        if (e.from.kind != EncumbranceKind::kFrozenForDelivery ||
            e.to.kind != EncumbranceKind::kNone || actor.kind != PrincipalKind::kExchange) {
          return Bad("bad unfreeze");
        }
        break;
      default:
        return Bad("unknown encumbrance cause");
    }
    r->encumbrance = e.to;
    return absl::OkStatus();
  }

  absl::Status operator()(const StatusChanged& e) {
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    if (r->status != e.from) return Bad(Rid(r->id) + " status differs from the event");
    if (e.from != ReceiptStatus::kActive &&
        !(e.from == ReceiptStatus::kExpired && e.to == ReceiptStatus::kLoadOutRequested)) {
      return Bad("status change from a non-active receipt");
    }
    if (r->encumbrance.kind != EncumbranceKind::kNone) return Bad(Rid(r->id) + " is encumbered");
    if (e.to == ReceiptStatus::kLoadOutRequested) {
      if (rec_.event.actor != r->holder) return Bad("load-out requested by a non-holder");
    } else if (e.to == ReceiptStatus::kExpired) {
      if (time_ < r->elements.expiry) return Bad(Rid(r->id) + " has not expired yet");
    } else {
      return Bad("unsupported status change");
    }
    r->status = e.to;
    r->pending_pledgee.clear();
    return absl::OkStatus();
  }

  absl::Status operator()(const CashDeposited& e) {
    if (cfg_.Member(e.member) == nullptr) return Bad("deposit to an unknown member");
    if (rec_.event.actor.kind != PrincipalKind::kBank ||
        !cfg_.IsSettlementBank(rec_.event.actor.code)) {
      return Bad("deposit by someone other than the settlement bank");
    }
    if (!e.amount.is_positive()) return Bad("deposit not positive");
    if (!AddMoney(s_.accounts[e.member].available, e.amount.raw()) ||
        !AddMoney(s_.meta.total_deposited, e.amount.raw())) {
      return Bad("deposit overflows");
    }
    return absl::OkStatus();
  }

  absl::Status operator()(const CashWithdrawn& e) {
    if (rec_.event.actor.kind != PrincipalKind::kBank ||
        !cfg_.IsSettlementBank(rec_.event.actor.code)) {
      return Bad("withdrawal by someone other than the settlement bank");
    }
    auto it = s_.accounts.find(e.member);
    if (it == s_.accounts.end() || !e.amount.is_positive() || it->second.available < e.amount) {
      return Bad("withdrawal exceeds available cash");
    }
    AddMoney(it->second.available, -e.amount.raw());
    if (!AddMoney(s_.meta.total_withdrawn, e.amount.raw())) return Bad("overflow");
    return absl::OkStatus();
  }

  absl::Status operator()(const OrderOpened& e) {
    if (!e.order.valid() || s_.orders.contains(e.order)) return Bad(Oid(e.order) + " already open");
    if (cfg_.Member(e.member) == nullptr) return Bad("unknown member");
    if (cfg_.Instrument(e.instrument) == nullptr) return Bad("unknown instrument");
    if (!e.leaves.is_positive()) return Bad("order leaves not positive");
    OrderReservation o;
    o.order = e.order;
    o.member = e.member;
    o.instrument = e.instrument;
    o.side = e.side;
    o.reserve_price = e.reserve_price;
    o.leaves = e.leaves;
    if (e.cash.is_negative() || (e.side == Side::kSell && !e.cash.is_zero())) {
      return Bad("a sell order reserves no cash, a buy order no negative amount");
    }
    auto it = s_.orders.emplace(e.order, std::move(o)).first;
    if (e.cash.is_positive()) return ReserveCash(it->second, e.cash);
    return absl::OkStatus();
  }

  absl::Status operator()(const OrderResized& e) {
    auto it = s_.orders.find(e.order);
    if (it == s_.orders.end()) return Bad(Oid(e.order) + " unknown");
    if (!e.leaves.is_positive()) return Bad("order leaves not positive");
    it->second.reserve_price = e.reserve_price;
    it->second.leaves = e.leaves;
    return absl::OkStatus();
  }

  absl::Status operator()(const OrderClosed& e) {
    auto it = s_.orders.find(e.order);
    if (it == s_.orders.end()) return Bad(Oid(e.order) + " unknown");
    if (!it->second.cash.is_zero() || !it->second.receipts.empty()) {
      return Bad(Oid(e.order) + " closed while still holding a reservation");
    }
    s_.orders.erase(it);
    return absl::OkStatus();
  }

  absl::Status operator()(const CashReserved& e) {
    auto it = s_.orders.find(e.order);
    if (it == s_.orders.end() || it->second.member != e.member) {
      return Bad("cash reserved for an unknown buy order");
    }
    return ReserveCash(it->second, e.amount);
  }

  absl::Status operator()(const CashReleased& e) {
    auto it = s_.orders.find(e.order);
    if (it == s_.orders.end() || it->second.member != e.member) return Bad("unknown order");
    return ReleaseCash(it->second, e.amount);
  }

  absl::Status operator()(const HoldPlaced& e) {
    auto o = s_.orders.find(e.order);
    if (o == s_.orders.end() || o->second.side != Side::kSell) return Bad("hold for a non-sell order");
    Receipt* r = Find(e.receipt);
    if (r == nullptr) return Bad(Rid(e.receipt) + " unknown");
    const MemberConfig* m = cfg_.Member(o->second.member);
    const InstrumentConfig* ins = cfg_.Instrument(o->second.instrument);
    if (m == nullptr || ins == nullptr) return Bad("unknown member or instrument");
    if (r->holder != Principal::Member(m->code)) return Bad(Rid(r->id) + " not held by the seller");
    if (r->status != ReceiptStatus::kActive || time_ >= r->elements.expiry) {
      return Bad(Rid(r->id) + " not active or expired");
    }
    if (r->elements.commodity != ins->commodity || r->elements.grade != ins->grade ||
        !cfg_.Accepts(ins->id, r->warehouse)) {
      return Bad(Rid(r->id) + " is not deliverable for the instrument");
    }
    if (cfg_.IsAffiliate(r->warehouse, m->code)) return Bad("affiliate sale");
    if (r->encumbrance.kind != EncumbranceKind::kNone &&
        r->encumbrance.kind != EncumbranceKind::kFrozenForSale) {
      return Bad(Rid(r->id) + " is pledged or frozen");
    }
    if (!e.quantity.is_positive() ||
        e.quantity.raw() > r->elements.quantity.raw() - r->held_quantity().raw()) {
      return Bad("hold exceeds the receipt's free quantity");
    }
    r->encumbrance.kind = EncumbranceKind::kFrozenForSale;
    auto h = std::find_if(r->holds.begin(), r->holds.end(),
                          [&](const SaleHold& x) { return x.order == e.order; });
    if (h == r->holds.end()) {
      r->holds.push_back({e.order, e.quantity});
    } else {
      h->quantity = Quantity::FromRaw(h->quantity.raw() + e.quantity.raw());
    }
    auto& list = o->second.receipts;
    auto p = std::find_if(list.begin(), list.end(),
                          [&](const ReceiptPortion& x) { return x.receipt == e.receipt; });
    if (p == list.end()) {
      list.push_back({e.receipt, e.quantity});
    } else {
      p->quantity = Quantity::FromRaw(p->quantity.raw() + e.quantity.raw());
    }
    return absl::OkStatus();
  }

  absl::Status operator()(const HoldReleased& e) {
    auto o = s_.orders.find(e.order);
    Receipt* r = Find(e.receipt);
    if (o == s_.orders.end() || r == nullptr) return Bad("unknown order or receipt");
    return ReleaseHold(*r, o->second, e.quantity);
  }

  absl::Status operator()(const TradeSettled& e) {
    if (!e.trade.valid() || IsSettled(s_, e.trade)) return Bad("trade settled twice");
    const InstrumentConfig* ins = cfg_.Instrument(e.instrument);
    if (ins == nullptr) return Bad("unknown instrument");
    auto b = s_.orders.find(e.buy_order);
    auto sl = s_.orders.find(e.sell_order);
    if (b == s_.orders.end() || sl == s_.orders.end() || b->second.side != Side::kBuy ||
        sl->second.side != Side::kSell || b->second.member != e.buyer ||
        sl->second.member != e.seller || b->second.instrument != e.instrument ||
        sl->second.instrument != e.instrument) {
      return Bad("trade orders do not match their reservations");
    }
    if (!e.quantity.is_positive() || b->second.leaves < e.quantity ||
        sl->second.leaves < e.quantity) {
      return Bad("trade quantity exceeds an order's leaves");
    }
    absl::StatusOr<Money> notional = Notional(e.price, e.quantity, ins->base_units_per_price_unit);
    absl::StatusOr<Money> bfee = notional.ok() ? BuyerFee(*ins, *notional) : notional;
    absl::StatusOr<Money> sfee = notional.ok() ? SellerFee(*ins, *notional) : notional;
    if (!notional.ok() || !bfee.ok() || !sfee.ok() || *notional != e.notional ||
        *bfee != e.buyer_fee || *sfee != e.seller_fee) {
      return Bad("trade notional or fees differ from the fee rule");
    }
    auto delivered = s_.in_delivery.find(e.trade);
    if (delivered == s_.in_delivery.end() || delivered->second != e.quantity.raw()) {
      return Bad(absl::StrCat("trade ", e.trade.value(), " delivered ",
                              delivered == s_.in_delivery.end() ? 0 : delivered->second,
                              " instead of ", e.quantity.raw()));
    }
    s_.in_delivery.erase(delivered);
    int64_t cost;
    if (__builtin_add_overflow(e.notional.raw(), e.buyer_fee.raw(), &cost)) return Bad("overflow");
    Account& buyer = s_.accounts[e.buyer];
    if (b->second.cash.raw() < cost || buyer.reserved.raw() < cost) {
      return Bad("buyer's reservation does not cover the trade");
    }
    AddMoney(b->second.cash, -cost);
    AddMoney(buyer.reserved, -cost);
    b->second.leaves = Quantity::FromRaw(b->second.leaves.raw() - e.quantity.raw());
    sl->second.leaves = Quantity::FromRaw(sl->second.leaves.raw() - e.quantity.raw());
    if (!AddMoney(s_.accounts[e.seller].available, e.notional.raw() - e.seller_fee.raw()) ||
        !AddMoney(s_.accounts[kExchangeFeeAccount].available,
                  e.buyer_fee.raw() + e.seller_fee.raw())) {
      return Bad("overflow");
    }
    // Trade ids grow: a new one goes at the end (the hint is checked, any id lands in place).
    s_.settled_trades.insert(s_.settled_trades.end(), e.trade);
    if (e.buyer_released.is_positive()) {
      if (absl::Status st = ReleaseCash(b->second, e.buyer_released); !st.ok()) return st;
    } else if (e.buyer_released.is_negative()) {
      return Bad("negative release");
    }
    // Finished orders close; by then they hold nothing.
    for (auto it : {b, sl}) {
      if (!it->second.leaves.is_zero()) continue;
      if (!it->second.cash.is_zero() || !it->second.receipts.empty()) {
        return Bad(Oid(it->first) + " finished while still holding a reservation");
      }
      s_.orders.erase(it);
    }
    return absl::OkStatus();
  }

  absl::Status operator()(const Rejected&) {
    return absl::InvalidArgumentError("a rejection is not a state change");
  }

 private:
  absl::Status ReserveCash(OrderReservation& o, Money amount) {
    if (o.side != Side::kBuy) return Bad("cash reserved for a sell order");
    Account& a = s_.accounts[o.member];
    if (!amount.is_positive() || a.available < amount) return Bad("reservation exceeds cash");
    AddMoney(a.available, -amount.raw());
    if (!AddMoney(a.reserved, amount.raw()) || !AddMoney(o.cash, amount.raw())) {
      return Bad("overflow");
    }
    return absl::OkStatus();
  }

  absl::Status ReleaseCash(OrderReservation& o, Money amount) {
    Account& a = s_.accounts[o.member];
    if (!amount.is_positive() || o.cash < amount || a.reserved < amount) {
      return Bad("release exceeds the reservation");
    }
    AddMoney(o.cash, -amount.raw());
    AddMoney(a.reserved, -amount.raw());
    if (!AddMoney(a.available, amount.raw())) return Bad("overflow");
    return absl::OkStatus();
  }

  absl::Status ReleaseHold(Receipt& r, OrderReservation& o, Quantity quantity) {
    auto h = std::find_if(r.holds.begin(), r.holds.end(),
                          [&](const SaleHold& x) { return x.order == o.order; });
    auto& list = o.receipts;
    auto p = std::find_if(list.begin(), list.end(),
                          [&](const ReceiptPortion& x) { return x.receipt == r.id; });
    if (h == r.holds.end() || p == list.end() || !quantity.is_positive() ||
        h->quantity < quantity || p->quantity < quantity) {
      return Bad("hold release exceeds the hold");
    }
    h->quantity = Quantity::FromRaw(h->quantity.raw() - quantity.raw());
    if (h->quantity.is_zero()) r.holds.erase(h);
    p->quantity = Quantity::FromRaw(p->quantity.raw() - quantity.raw());
    if (p->quantity.is_zero()) list.erase(p);
    if (r.holds.empty()) r.encumbrance = Encumbrance{};
    return absl::OkStatus();
  }

  Receipt* Find(ReceiptId id) {
    for (const auto& [known_id, r] : known_) {
      if (known_id == id) return r;
    }
    return FindReceipt(s_, id);
  }

  const ConfigIndex& cfg_;
  LedgerState& s_;
  const HistoryRecord& rec_;
  Timestamp time_;
  std::span<const std::pair<ReceiptId, Receipt*>> known_;
};

}  // namespace

absl::Status ApplyEvent(const ConfigIndex& config, LedgerState& state, const HistoryRecord& record) {
  if (std::holds_alternative<Rejected>(record.event.body)) {
    return absl::InvalidArgumentError("a rejection is not a state change");
  }
  if (record.index != state.meta.history_size) {
    return Bad(absl::StrCat("record index ", record.index, ", expected ", state.meta.history_size));
  }
  if (record.prev_hash != state.meta.history_head) {
    return Bad("record does not chain to the previous record's hash");
  }
  // The free-quantity index follows every receipt the event touches (holds, holder, status,
  // encumbrance may all change).
  // Receipts are map nodes: the pointers found here stay valid through the event, which only
  // adds receipts (split and merge products, issues), so the second pass looks up only those.
  constexpr size_t kKnown = 4;
  std::pair<ReceiptId, Receipt*> known[kKnown];
  size_t n_known = 0;
  ForEachTouchedReceipt(record.event.body, [&](ReceiptId id) {
    Receipt* r = FindReceipt(state, id);
    if (r == nullptr) return;
    UnlinkFree(state, *r);
    if (n_known < kKnown) known[n_known++] = {id, r};
  });
  Applier applier(config, state, record,
                  std::span<const std::pair<ReceiptId, Receipt*>>(known, n_known));
  absl::Status status = std::visit(applier, record.event.body);
  if (!status.ok()) return status;
  ForEachTouchedReceipt(record.event.body, [&](ReceiptId id) {
    Receipt* r = nullptr;
    for (size_t i = 0; i < n_known && r == nullptr; ++i) {
      if (known[i].first == id) r = known[i].second;
    }
    if (r == nullptr) r = FindReceipt(state, id);
    if (r == nullptr) return;
    r->version++;
    r->history_hash = ChainHash(r->history_hash, record.hash);
    LinkFree(state, *r);
  });
  state.meta.history_size = record.index + 1;
  state.meta.history_head = record.hash;
  return absl::OkStatus();
}

bool InsertReceipt(LedgerState& state, Receipt r) {
  const ReceiptId id = r.id;
  auto [it, inserted] = state.receipts.emplace(id, std::move(r));
  if (inserted) state.receipt_slots.Set(&it->second);
  return inserted;
}

void ComputeIndexes(const LedgerState& records, LedgerState& out) {
  // The slots point into out's own map: filled only when the records are out's.
  out.receipt_slots.Clear();
  if (&records == &out) {
    for (auto& [id, r] : out.receipts) out.receipt_slots.Set(&r);
  }
  out.receipted.clear();
  out.used_serials.clear();
  out.live_lots.clear();
  out.live_by_holder.clear();
  out.free_by_holder.clear();
  for (const auto& [id, r] : records.receipts) {
    if (r.serial != 0) out.used_serials.insert({r.warehouse, r.serial});
    Link(out, r);
    LinkFree(out, r);
  }
}

void RebuildIndexes(LedgerState& state) { ComputeIndexes(state, state); }

bool LedgerState::SameRecords(const LedgerState& other) const {
  return receipts == other.receipts && accounts == other.accounts && stock == other.stock &&
         orders == other.orders && settled_trades == other.settled_trades && meta == other.meta;
}

}  // namespace dazong::receipts
