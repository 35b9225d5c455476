#include "dazong/warehouse_receipts/ledger.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace dazong::receipts {
namespace {

std::string R(ReceiptId id) { return absl::StrCat("receipt ", id.value()); }

bool RoleAllowed(const LedgerCommand& cmd, PrincipalKind kind) {
  using K = PrincipalKind;
  switch (cmd.index()) {
    case 0:   // ReportStock
    case 1:   // RegisterReceipt
    case 13:  // ConfirmLoadOut
    case 14:  // CorrectReceipt
      return kind == K::kWarehouse;
    case 2:   // TransferReceipt
    case 3:   // SplitReceipt
    case 4:   // MergeReceipts
    case 7:   // DeclinePledge
    case 12:  // RequestLoadOut
      return kind == K::kMember || kind == K::kBank;
    case 5:  // RequestPledge
      return kind == K::kMember;
    case 6:   // AcceptPledge
    case 8:   // ReleasePledge
    case 9:   // EnforcePledge
    case 16:  // Deposit
    case 17:  // Withdraw
      return kind == K::kBank;
    case 10:  // FreezeReceipt
    case 11:  // UnfreezeReceipt
    case 15:  // ExpireReceipts
      return kind == K::kExchange;
  }
  return false;
}
static_assert(std::variant_size_v<LedgerCommand> == 18, "update RoleAllowed");

}  // namespace

// Validates one command against the current state and lists the events it causes.
class Ledger::CommandHandler {
 public:
  CommandHandler(Ledger& ledger, Timestamp time) : l_(ledger), s_(ledger.state_), time_(time) {}

  struct Planned {
    EventBody body;
    std::string why;
  };
  std::vector<Planned> events;

  Refusal operator()(const ReportStock& c) {
    const WarehouseConfig* w = l_.config_.Warehouse(c.actor.code);
    if (Refusal r = LicencedWarehouse(w); r.reason != LedgerReason::kNone) return r;
    if (!l_.config_.StoresCommodity(w->id, c.commodity)) {
      return No(LedgerReason::kCommodityNotStored, w->code + " does not store " + c.commodity);
    }
    if (c.grade.empty()) return No(LedgerReason::kInvalidElement, "grade is required");
    if (c.quantity.is_negative()) return No(LedgerReason::kInvalidQuantity, "stock is negative");
    const StockKey key{w->id, c.commodity, c.grade};
    const int64_t receipted = Receipted(key);
    if (c.quantity.raw() < receipted) {
      return No(LedgerReason::kStockBelowReceipted,
                absl::StrCat("reported ", c.quantity.raw(), " but ", receipted,
                             " is already receipted"));
    }
    events.push_back({StockReported{key, c.quantity}, "inspected stock report"});
    return {};
  }

  Refusal operator()(const RegisterReceipt& c) {
    const WarehouseConfig* w = l_.config_.Warehouse(c.actor.code);
    if (Refusal r = LicencedWarehouse(w); r.reason != LedgerReason::kNone) return r;
    if (Refusal r = CheckSerial(*w, c.serial); r.reason != LedgerReason::kNone) return r;
    if (l_.config_.Member(c.holder) == nullptr) {
      return No(LedgerReason::kUnknownPrincipal, "holder " + c.holder + " is not a member");
    }
    if (Refusal r = CheckElements(*w, c.elements, nullptr); r.reason != LedgerReason::kNone) {
      return r;
    }
    Receipt receipt = NewReceipt(*w, c.serial, c.elements, Principal::Member(c.holder));
    events.push_back({ReceiptIssued{std::move(receipt)}, "registered"});
    return {};
  }

  Refusal operator()(const TransferReceipt& c) {
    Receipt* r = nullptr;
    if (Refusal x = HeldActive(c.actor, c.receipt, &r); x.reason != LedgerReason::kNone) return x;
    if (!l_.config_.ValidHolder(c.to)) {
      return No(LedgerReason::kUnknownPrincipal, PrincipalString(c.to) + " may not hold receipts");
    }
    if (c.to == r->holder) return No(LedgerReason::kInvalidElement, "already the holder");
    for (const Principal* p : {&c.actor, &c.to}) {
      if (p->kind == PrincipalKind::kMember && l_.config_.IsAffiliate(r->warehouse, p->code)) {
        return No(LedgerReason::kAffiliate,
                  p->code + " is an affiliate of " + r->warehouse_code);
      }
    }
    events.push_back(
        {HolderChanged{r->id, r->holder, c.to, HolderCause::kTransfer, TradeId(), OrderId()},
         "transfer"});
    return {};
  }

  Refusal operator()(const SplitReceipt& c) {
    Receipt* r = nullptr;
    if (Refusal x = HeldActive(c.actor, c.receipt, &r, /*allow_expired=*/true);
        x.reason != LedgerReason::kNone) {
      return x;
    }
    if (c.quantities.size() < 2 || c.quantities.size() > 1000) {
      return No(LedgerReason::kInvalidQuantity, "split into 2 to 1000 receipts");
    }
    int64_t sum = 0;
    ReceiptSplit split;
    split.parent = r->id;
    for (size_t i = 0; i < c.quantities.size(); ++i) {
      const Quantity q = c.quantities[i];
      if (!q.is_positive() || __builtin_add_overflow(sum, q.raw(), &sum)) {
        return No(LedgerReason::kInvalidQuantity, "split quantities must be positive");
      }
      split.children.push_back({ReceiptId(s_.meta.next_receipt_id + i), q, {}});
    }
    if (sum != r->elements.quantity.raw()) {
      return No(LedgerReason::kInvalidQuantity,
                absl::StrCat("split quantities sum to ", sum, ", the receipt holds ",
                             r->elements.quantity.raw()));
    }
    events.push_back({std::move(split), "split"});
    return {};
  }

  Refusal operator()(const MergeReceipts& c) {
    if (c.receipts.size() < 2) return No(LedgerReason::kInvalidQuantity, "merge two or more");
    std::vector<Receipt*> rs;
    for (ReceiptId id : c.receipts) {
      Receipt* r = nullptr;
      if (Refusal x = HeldActive(c.actor, id, &r, true); x.reason != LedgerReason::kNone) return x;
      if (std::find(rs.begin(), rs.end(), r) != rs.end()) {
        return No(LedgerReason::kDuplicateReceipt, R(id) + " is named twice");
      }
      rs.push_back(r);
    }
    int64_t sum = 0;
    for (const Receipt* b : rs) {
      const Receipt& a = *rs.front();
      if (b->warehouse != a.warehouse || b->elements.commodity != a.elements.commodity ||
          b->elements.grade != a.elements.grade || b->elements.brand != a.elements.brand ||
          b->elements.packaging != a.elements.packaging || b->elements.unit != a.elements.unit) {
        return No(LedgerReason::kMergeMismatch,
                  R(b->id) + " differs from " + R(a.id) +
                      " in warehouse, commodity, grade, brand, packaging or unit");
      }
      if (__builtin_add_overflow(sum, b->elements.quantity.raw(), &sum)) {
        return No(LedgerReason::kOverflow, "merged quantity overflows");
      }
    }
    events.push_back({ReceiptsMerged{c.receipts, ReceiptId(s_.meta.next_receipt_id)}, "merge"});
    return {};
  }

  Refusal operator()(const RequestPledge& c) {
    Receipt* r = nullptr;
    if (Refusal x = HeldActive(c.actor, c.receipt, &r); x.reason != LedgerReason::kNone) return x;
    if (!l_.config_.IsBank(c.bank)) return No(LedgerReason::kUnknownPrincipal, "unknown bank");
    if (l_.config_.IsAffiliate(r->warehouse, c.actor.code)) {
      return No(LedgerReason::kAffiliate, c.actor.code + " is an affiliate of " + r->warehouse_code);
    }
    if (!r->pending_pledgee.empty()) {
      return No(LedgerReason::kEncumbered, "a pledge request to " + r->pending_pledgee +
                                               " is already pending");
    }
    events.push_back({PledgeRequested{r->id, c.bank}, "pledge requested"});
    return {};
  }

  Refusal operator()(const AcceptPledge& c) {
    if (!l_.config_.IsBank(c.actor.code)) return Unknown(c.actor);
    Receipt* r = Find(c.receipt);
    if (r == nullptr) return NoReceipt(c.receipt);
    if (r->pending_pledgee != c.actor.code) {
      return No(LedgerReason::kNoPledgeRequest, "no pledge of " + R(r->id) + " was requested");
    }
    if (Refusal x = ActiveUnencumbered(*r, false); x.reason != LedgerReason::kNone) return x;
    Encumbrance to;
    to.kind = EncumbranceKind::kPledge;
    to.bank = c.actor.code;
    events.push_back({EncumbranceChanged{r->id, r->encumbrance, to,
                                         EncumbranceCause::kPledgeAccepted},
                      "pledge accepted"});
    return {};
  }

  Refusal operator()(const DeclinePledge& c) {
    if (!l_.config_.ValidHolder(c.actor)) return Unknown(c.actor);
    Receipt* r = Find(c.receipt);
    if (r == nullptr) return NoReceipt(c.receipt);
    if (r->pending_pledgee.empty()) return No(LedgerReason::kNoPledgeRequest, "nothing pending");
    const bool holder = r->holder == c.actor;
    const bool bank = c.actor == Principal::Bank(r->pending_pledgee);
    if (!holder && !bank) {
      return No(LedgerReason::kNotHolder, "only the holder or the requested bank may decline");
    }
    events.push_back({PledgeRequestCleared{r->id, r->pending_pledgee},
                      holder ? "pledge request withdrawn" : "pledge request declined"});
    return {};
  }

  Refusal operator()(const ReleasePledge& c) {
    Receipt* r = nullptr;
    if (Refusal x = Pledgee(c.actor, c.receipt, &r); x.reason != LedgerReason::kNone) return x;
    events.push_back({EncumbranceChanged{r->id, r->encumbrance, Encumbrance{},
                                         EncumbranceCause::kPledgeReleased},
                      "pledge released"});
    return {};
  }

  Refusal operator()(const EnforcePledge& c) {
    Receipt* r = nullptr;
    if (Refusal x = Pledgee(c.actor, c.receipt, &r); x.reason != LedgerReason::kNone) return x;
    if (c.reason.empty()) return No(LedgerReason::kReasonRequired, "enforcement needs a reason");
    events.push_back({EncumbranceChanged{r->id, r->encumbrance, Encumbrance{},
                                         EncumbranceCause::kPledgeEnforced},
                      c.reason});
    events.push_back({HolderChanged{r->id, r->holder, c.actor, HolderCause::kEnforcement,
                                    TradeId(), OrderId()},
                      c.reason});
    return {};
  }

  Refusal operator()(const FreezeReceipt& c) {
    Receipt* r = Find(c.receipt);
    if (r == nullptr) return NoReceipt(c.receipt);
    if (c.reason.empty() || c.reference.empty()) {
      return No(LedgerReason::kReasonRequired, "a freeze needs a reference and a reason");
    }
    if (Refusal x = ActiveUnencumbered(*r, true); x.reason != LedgerReason::kNone) return x;
    Encumbrance to;
    to.kind = EncumbranceKind::kFrozenForDelivery;
    to.reference = c.reference;
    events.push_back({EncumbranceChanged{r->id, r->encumbrance, to, EncumbranceCause::kFrozen},
                      c.reason});
    return {};
  }

  Refusal operator()(const UnfreezeReceipt& c) {
    Receipt* r = Find(c.receipt);
    if (r == nullptr) return NoReceipt(c.receipt);
    if (r->encumbrance.kind != EncumbranceKind::kFrozenForDelivery) {
      return No(LedgerReason::kNotEncumbered, R(r->id) + " is not frozen by the exchange");
    }
    if (c.reason.empty()) return No(LedgerReason::kReasonRequired, "an unfreeze needs a reason");
    events.push_back({EncumbranceChanged{r->id, r->encumbrance, Encumbrance{},
                                         EncumbranceCause::kUnfrozen},
                      c.reason});
    return {};
  }

  Refusal operator()(const RequestLoadOut& c) {
    Receipt* r = nullptr;
    if (Refusal x = HeldActive(c.actor, c.receipt, &r, true, /*allow_expired_status=*/true);
        x.reason != LedgerReason::kNone) {
      return x;
    }
    events.push_back({StatusChanged{r->id, r->status, ReceiptStatus::kLoadOutRequested},
                      "load-out requested"});
    return {};
  }

  Refusal operator()(const ConfirmLoadOut& c) {
    const WarehouseConfig* w = l_.config_.Warehouse(c.actor.code);
    if (w == nullptr) return Unknown(c.actor);
    Receipt* r = Find(c.receipt);
    if (r == nullptr) return NoReceipt(c.receipt);
    if (r->warehouse != w->id) return No(LedgerReason::kNotIssuer, w->code + " did not issue it");
    if (r->status != ReceiptStatus::kLoadOutRequested) {
      return No(LedgerReason::kNotLoadOutRequested, "no load-out of " + R(r->id) + " is pending");
    }
    events.push_back({ReceiptCancelled{r->id, CancelCause::kLoadOut}, "goods loaded out"});
    return {};
  }

  Refusal operator()(const CorrectReceipt& c) {
    const WarehouseConfig* w = l_.config_.Warehouse(c.actor.code);
    if (Refusal x = LicencedWarehouse(w); x.reason != LedgerReason::kNone) return x;
    Receipt* r = Find(c.receipt);
    if (r == nullptr) return NoReceipt(c.receipt);
    if (r->warehouse != w->id) return No(LedgerReason::kNotIssuer, w->code + " did not issue it");
    if (c.reason.empty()) return No(LedgerReason::kReasonRequired, "a correction needs a reason");
    if (!IsLive(r->status)) return No(LedgerReason::kNotLive, R(r->id) + " is not live");
    if (r->encumbrance.kind != EncumbranceKind::kNone) {
      return No(LedgerReason::kEncumbered, R(r->id) + " is encumbered");
    }
    if (Refusal x = CheckSerial(*w, c.new_serial); x.reason != LedgerReason::kNone) return x;
    if (Refusal x = CheckElements(*w, c.elements, r); x.reason != LedgerReason::kNone) return x;
    Receipt fresh = NewReceipt(*w, c.new_serial, c.elements, r->holder);
    fresh.id = ReceiptId(s_.meta.next_receipt_id);
    fresh.origin = ReceiptOrigin::kReissued;
    fresh.parents = {r->id};
    for (LotRef& l : fresh.lot_refs) l.origin = fresh.id;
    events.push_back({ReceiptCancelled{r->id, CancelCause::kCorrection}, c.reason});
    events.push_back({ReceiptIssued{std::move(fresh)}, c.reason});
    return {};
  }

  Refusal operator()(const ExpireReceipts&) {
    for (const auto& [id, r] : s_.receipts) {
      if (r.status == ReceiptStatus::kActive && r.encumbrance.kind == EncumbranceKind::kNone &&
          time_ >= r.elements.expiry) {
        events.push_back({StatusChanged{id, ReceiptStatus::kActive, ReceiptStatus::kExpired},
                          "past expiry"});
      }
    }
    return {};
  }

  Refusal operator()(const Deposit& c) {
    const MemberConfig* m = nullptr;
    if (Refusal x = CashCommand(c.actor, c.member, c.amount, &m); x.reason != LedgerReason::kNone) {
      return x;
    }
    auto it = s_.accounts.find(m->id);
    int64_t unused;
    if (__builtin_add_overflow(it == s_.accounts.end() ? 0 : it->second.available.raw(),
                               c.amount.raw(), &unused) ||
        __builtin_add_overflow(s_.meta.total_deposited.raw(), c.amount.raw(), &unused)) {
      return No(LedgerReason::kOverflow, "balance would overflow");
    }
    events.push_back({CashDeposited{m->id, c.amount}, c.reference});
    return {};
  }

  Refusal operator()(const Withdraw& c) {
    const MemberConfig* m = nullptr;
    if (Refusal x = CashCommand(c.actor, c.member, c.amount, &m); x.reason != LedgerReason::kNone) {
      return x;
    }
    auto it = s_.accounts.find(m->id);
    const int64_t available = it == s_.accounts.end() ? 0 : it->second.available.raw();
    if (available < c.amount.raw()) {
      return No(LedgerReason::kInsufficientFunds,
                absl::StrCat("available ", available, " fen, asked ", c.amount.raw()));
    }
    int64_t unused;
    if (__builtin_add_overflow(s_.meta.total_withdrawn.raw(), c.amount.raw(), &unused)) {
      return No(LedgerReason::kOverflow, "overflow");
    }
    events.push_back({CashWithdrawn{m->id, c.amount}, c.reference});
    return {};
  }

 private:
  static Refusal No(LedgerReason reason, std::string text) { return {reason, std::move(text)}; }
  static Refusal Unknown(const Principal& p) {
    return No(LedgerReason::kUnknownPrincipal, PrincipalString(p) + " is not configured");
  }
  static Refusal NoReceipt(ReceiptId id) { return No(LedgerReason::kUnknownReceipt, R(id)); }

  Receipt* Find(ReceiptId id) { return FindReceipt(s_, id); }

  int64_t Receipted(const StockKey& key) const {
    auto it = s_.receipted.find(key);
    return it == s_.receipted.end() ? 0 : it->second.raw();
  }
  int64_t Stock(const StockKey& key) const {
    auto it = s_.stock.find(key);
    return it == s_.stock.end() ? 0 : it->second.raw();
  }

  Refusal LicencedWarehouse(const WarehouseConfig* w) const {
    if (w == nullptr) return No(LedgerReason::kUnknownPrincipal, "unknown warehouse");
    if (!l_.config_.LicenceValid(w->id, time_)) {
      return No(LedgerReason::kLicenceInvalid,
                "licence " + w->licence + " expired on " + w->licence_expiry);
    }
    return {};
  }

  Refusal CheckSerial(const WarehouseConfig& w, uint64_t serial) const {
    if (serial < w.receipt_range_first || serial > w.receipt_range_last) {
      return No(LedgerReason::kNumberOutOfRange,
                absl::StrCat(serial, " is outside [", w.receipt_range_first, ", ",
                             w.receipt_range_last, "]"));
    }
    if (s_.used_serials.contains({w.id, serial})) {
      return No(LedgerReason::kNumberUsed, l_.config_.ReceiptNumber(w.id, serial) + " was issued");
    }
    return {};
  }

  // `replacing`: the receipt a correction voids (its lots and quantity are freed first).
  Refusal CheckElements(const WarehouseConfig& w, const ReceiptElements& e,
                        const Receipt* replacing) const {
    if (!l_.config_.StoresCommodity(w.id, e.commodity)) {
      return No(LedgerReason::kCommodityNotStored, w.code + " does not store " + e.commodity);
    }
    if (e.grade.empty() || e.unit.empty() || e.depositor.empty() || e.brand.empty() ||
        e.packaging.empty() || e.storage_location.empty() || e.inspection_certificate.empty() ||
        e.storage_fee_terms.empty() || e.insurance.empty()) {
      return No(LedgerReason::kInvalidElement,
                "depositor, grade, brand, packaging, unit, storage location, inspection "
                "certificate, storage-fee terms and insurance are required");
    }
    if (!e.quantity.is_positive()) return No(LedgerReason::kInvalidQuantity, "quantity <= 0");
    if (e.expiry <= time_) return No(LedgerReason::kExpired, "expiry is not in the future");
    if (e.lots.empty()) return No(LedgerReason::kInvalidElement, "at least one lot is required");
    for (size_t i = 0; i < e.lots.size(); ++i) {
      if (e.lots[i].empty()) return No(LedgerReason::kInvalidElement, "empty lot number");
      for (size_t j = 0; j < i; ++j) {
        if (e.lots[j] == e.lots[i]) return No(LedgerReason::kDuplicateLot, "lot listed twice");
      }
      auto use = s_.live_lots.find({w.id, e.lots[i]});
      if (use == s_.live_lots.end()) continue;
      const bool freed = replacing != nullptr && use->second.live_receipts == 1 &&
                         std::any_of(replacing->lot_refs.begin(), replacing->lot_refs.end(),
                                     [&](const LotRef& l) { return l.lot == e.lots[i]; });
      if (!freed) {
        return No(LedgerReason::kDuplicateLot,
                  "lot " + e.lots[i] + " at " + w.code + " is covered by a live receipt");
      }
    }
    const StockKey key{w.id, e.commodity, e.grade};
    int64_t receipted = Receipted(key);
    if (replacing != nullptr && StockKey{replacing->warehouse, replacing->elements.commodity,
                                         replacing->elements.grade} == key) {
      receipted -= replacing->elements.quantity.raw();
    }
    int64_t after;
    if (__builtin_add_overflow(receipted, e.quantity.raw(), &after) || after > Stock(key)) {
      return No(LedgerReason::kExceedsStock,
                absl::StrCat("receipted would be ", receipted, " + ", e.quantity.raw(),
                             ", inspected stock is ", Stock(key)));
    }
    return {};
  }

  Receipt NewReceipt(const WarehouseConfig& w, uint64_t serial, const ReceiptElements& e,
                     const Principal& holder) const {
    Receipt r;
    r.id = ReceiptId(s_.meta.next_receipt_id);
    r.number = l_.config_.ReceiptNumber(w.id, serial);
    r.serial = serial;
    r.warehouse = w.id;
    r.warehouse_code = w.code;
    r.licence = w.licence;
    r.issued = time_;
    r.elements = e;
    for (const std::string& lot : e.lots) r.lot_refs.push_back({lot, r.id});
    r.origin = ReceiptOrigin::kRegistered;
    r.status = ReceiptStatus::kActive;
    r.holder = holder;
    return r;
  }

  // The actor is a valid holder principal and holds an active (or, if allowed, expired),
  // unexpired, unencumbered receipt.
  Refusal HeldActive(const Principal& actor, ReceiptId id, Receipt** out,
                     bool allow_expired = false, bool allow_expired_status = false) {
    if (!l_.config_.ValidHolder(actor)) return Unknown(actor);
    Receipt* r = Find(id);
    if (r == nullptr) return NoReceipt(id);
    if (r->holder != actor) return No(LedgerReason::kNotHolder, R(id) + " is not yours");
    if (!IsLive(r->status)) return No(LedgerReason::kNotLive, R(id) + " is " +
                                                                std::string(ReceiptStatusName(r->status)));
    const bool status_ok = r->status == ReceiptStatus::kActive ||
                           (allow_expired_status && r->status == ReceiptStatus::kExpired);
    if (!status_ok) {
      return No(r->status == ReceiptStatus::kExpired ? LedgerReason::kExpired
                                                     : LedgerReason::kNotActive,
                R(id) + " is " + std::string(ReceiptStatusName(r->status)));
    }
    if (!allow_expired && time_ >= r->elements.expiry) {
      return No(LedgerReason::kExpired, R(id) + " is past its expiry");
    }
    if (r->encumbrance.kind != EncumbranceKind::kNone) {
      return No(LedgerReason::kEncumbered,
                R(id) + " is " + std::string(EncumbranceKindName(r->encumbrance.kind)));
    }
    *out = r;
    return {};
  }

  Refusal ActiveUnencumbered(const Receipt& r, bool allow_expired) const {
    if (!IsLive(r.status)) return No(LedgerReason::kNotLive, R(r.id) + " is not live");
    if (r.status != ReceiptStatus::kActive) {
      return No(r.status == ReceiptStatus::kExpired ? LedgerReason::kExpired
                                                    : LedgerReason::kNotActive,
                R(r.id) + " is " + std::string(ReceiptStatusName(r.status)));
    }
    if (!allow_expired && time_ >= r.elements.expiry) {
      return No(LedgerReason::kExpired, R(r.id) + " is past its expiry");
    }
    if (r.encumbrance.kind != EncumbranceKind::kNone) {
      return No(LedgerReason::kEncumbered,
                R(r.id) + " is " + std::string(EncumbranceKindName(r.encumbrance.kind)));
    }
    return {};
  }

  Refusal Pledgee(const Principal& actor, ReceiptId id, Receipt** out) {
    if (!l_.config_.IsBank(actor.code)) return Unknown(actor);
    Receipt* r = Find(id);
    if (r == nullptr) return NoReceipt(id);
    if (r->encumbrance.kind != EncumbranceKind::kPledge) {
      return No(LedgerReason::kNotEncumbered, R(id) + " is not pledged");
    }
    if (r->encumbrance.bank != actor.code) {
      return No(LedgerReason::kNotPledgee, R(id) + " is pledged to another bank");
    }
    *out = r;
    return {};
  }

  Refusal CashCommand(const Principal& actor, const std::string& member, Money amount,
                      const MemberConfig** out) const {
    if (!l_.config_.IsBank(actor.code)) return Unknown(actor);
    if (!l_.config_.IsSettlementBank(actor.code)) {
      return No(LedgerReason::kNotSettlementBank, actor.code + " is not the settlement bank");
    }
    const MemberConfig* m = l_.config_.Member(member);
    if (m == nullptr) return No(LedgerReason::kUnknownPrincipal, "unknown member " + member);
    if (!amount.is_positive()) return No(LedgerReason::kInvalidQuantity, "amount must be > 0");
    *out = m;
    return {};
  }

  Ledger& l_;
  LedgerState& s_;
  Timestamp time_;
};

Ledger::Ledger(const ExchangeConfig& config, LedgerOptions options)
    : config_(config, std::move(options.settlement_bank)) {}

void Ledger::BeginCommand(SeqNo seq, Timestamp time) {
  seq_ = seq;
  time_ = time;
}

void Ledger::Apply(const LedgerCommand& cmd, SeqNo seq, Timestamp time,
                   std::vector<LedgerEvent>& out) {
  BeginCommand(seq, time);
  const Principal& actor = CommandActor(cmd);
  Refusal refusal;
  CommandHandler handler(*this, time);
  if (!RoleAllowed(cmd, actor.kind)) {
    refusal = {LedgerReason::kWrongRole,
               absl::StrCat(std::string(PrincipalKindName(actor.kind)), " may not ",
                            std::string(CommandName(cmd)))};
  } else {
    refusal = std::visit(handler, cmd);
  }
  if (refusal.reason != LedgerReason::kNone) {
    out.push_back(LedgerEvent{seq, time, actor, refusal.text,
                              Rejected{refusal.reason, refusal.text, std::string(CommandName(cmd))}});
    return;
  }
  out_ = &out;
  for (CommandHandler::Planned& p : handler.events) Emit(std::move(p.body), std::move(p.why), actor);
  out_ = nullptr;
}

void Ledger::Emit(EventBody body, std::string why, const Principal& actor) {
  HistoryRecord& rec = pending_;
  rec.index = history_.size();
  rec.event.seq = seq_;
  rec.event.time = time_;
  rec.event.actor = actor;
  rec.event.why = std::move(why);
  rec.event.body = std::move(body);
  rec.prev_hash = state_.meta.history_head;
  encoded_.clear();
  EncodeHistoryRecordHashed(rec, encoded_);
  absl::Status status = ApplyEvent(config_, state_, rec);
  if (!status.ok()) {
    // A validated command produced an inconsistent event: a ledger bug. Stop rather than
    // persist a state the history cannot reproduce.
    std::fprintf(stderr, "dazong ledger: internal error applying %s: %s\n",
                 std::string(EventName(rec.event.body)).c_str(),
                 std::string(status.message()).c_str());
    std::abort();
  }
  ForEachTouchedReceipt(rec.event.body, [&](ReceiptId id) { LinkReceiptRecord(id, rec.index); });
  if (out_ != nullptr) out_->push_back(rec.event);
  history_.Append(encoded_);
}

void Ledger::LinkReceiptRecord(ReceiptId id, uint64_t record) {
  if (id.value() >= receipt_chain_.size()) receipt_chain_.resize(id.value() + 1, kNoLink);
  uint64_t& head = receipt_chain_[id.value()];
  receipt_links_.push_back({record, head});
  head = receipt_links_.size() - 1;
}

std::vector<uint64_t> Ledger::ReceiptHistory(ReceiptId id) const {
  std::set<uint64_t> indexes;
  std::vector<ReceiptId> todo{id};
  std::set<ReceiptId> seen;
  while (!todo.empty()) {
    const ReceiptId cur = todo.back();
    todo.pop_back();
    if (!seen.insert(cur).second) continue;
    if (cur.value() < receipt_chain_.size()) {
      for (uint64_t link = receipt_chain_[cur.value()]; link != kNoLink; link = receipt_links_[link].next) {
        indexes.insert(receipt_links_[link].record);
      }
    }
    auto r = state_.receipts.find(cur);
    if (r != state_.receipts.end()) {
      for (ReceiptId p : r->second.parents) todo.push_back(p);
    }
  }
  return {indexes.begin(), indexes.end()};
}

void Ledger::TrimHistory(uint64_t durable_end) {
  durable_end = std::min(durable_end, history_taken_);
  if (durable_end > kHistoryKeptInMemory) history_.Trim(durable_end - kHistoryKeptInMemory);
}

absl::Status Ledger::Verify() const { return VerifyState(config_, state_); }

LedgerChanges Ledger::TakeChanges() {
  LedgerChanges c;
  c.history_begin = history_taken_;
  c.history_end = history_.size();
  history_taken_ = history_.size();
  return c;
}

LedgerSnapshot Ledger::Snapshot() const {
  LedgerSnapshot s;
  for (const auto& [id, r] : state_.receipts) s.receipts.push_back(r);
  for (const auto& [m, a] : state_.accounts) s.accounts.push_back({m, a});
  for (const auto& [k, q] : state_.stock) s.stock.push_back({k, q});
  for (const auto& [id, o] : state_.orders) s.orders.push_back(o);
  s.settled_trades.assign(state_.settled_trades.begin(), state_.settled_trades.end());
  s.history = history_.Decoded();
  s.meta = state_.meta;
  return s;
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Restore(const ExchangeConfig& config,
                                                        LedgerOptions options,
                                                        LedgerSnapshot snapshot) {
  auto ledger = std::make_unique<Ledger>(config, std::move(options));
  LedgerState& s = ledger->state_;
  for (Receipt& r : snapshot.receipts) {
    const ReceiptId id = r.id;
    if (!InsertReceipt(s, std::move(r))) {
      return absl::DataLossError(absl::StrCat("snapshot: receipt ", id.value(), " twice"));
    }
  }
  for (const AccountRecord& a : snapshot.accounts) {
    if (!s.accounts.emplace(a.member, a.account).second) {
      return absl::DataLossError("snapshot: account twice");
    }
  }
  for (const StockRecord& st : snapshot.stock) {
    if (!s.stock.emplace(st.key, st.quantity).second) return absl::DataLossError("stock twice");
  }
  for (OrderReservation& o : snapshot.orders) {
    const OrderId id = o.order;
    if (!s.orders.emplace(id, std::move(o)).second) return absl::DataLossError("order twice");
  }
  s.settled_trades.insert(snapshot.settled_trades.begin(), snapshot.settled_trades.end());
  s.meta = snapshot.meta;
  RebuildIndexes(s);
  if (snapshot.history.size() != s.meta.history_size) {
    return absl::DataLossError(absl::StrCat("snapshot: meta counts ", s.meta.history_size,
                                            " history records, found ",
                                            snapshot.history.size()));
  }
  const Hash head = snapshot.history.empty() ? Hash{} : snapshot.history.back().hash;
  if (head != s.meta.history_head) {
    return absl::DataLossError("snapshot: history head differs from the meta record");
  }
  for (size_t i = 0; i < snapshot.history.size(); ++i) {
    if (snapshot.history[i].index != i) {
      return absl::DataLossError(absl::StrCat("snapshot: history record ", i, " out of place"));
    }
  }
  absl::Status st = VerifyState(ledger->config_, s);
  if (!st.ok()) return absl::DataLossError("snapshot: " + std::string(st.message()));
  std::string bytes;
  for (const HistoryRecord& rec : snapshot.history) {
    bytes.clear();
    EncodeHistoryRecord(rec, bytes);
    ledger->history_.Append(bytes);
    ForEachTouchedReceipt(rec.event.body,
                          [&](ReceiptId id) { ledger->LinkReceiptRecord(id, rec.index); });
  }
  ledger->history_taken_ = ledger->history_.size();
  return ledger;
}

}  // namespace dazong::receipts
