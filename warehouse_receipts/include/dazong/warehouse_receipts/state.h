// The ledger's state, the one function that changes it (ApplyEvent) and the invariant checker
// (VerifyState). Ledger::Apply validates commands and then applies the events it decides on
// through ApplyEvent; the history verifier applies logged events through the same function, so
// a state rebuilt from the log is exactly the live state.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "dazong/common/config.h"
#include "dazong/warehouse_receipts/events.h"
#include "dazong/warehouse_receipts/types.h"

namespace dazong::receipts {

// Fast, validated look-ups into the ExchangeConfig the ledger needs. `config` must outlive it.
class ConfigIndex {
 public:
  // `settlement_bank`: the code of the bank allowed to deposit and withdraw member cash; empty
  // means every configured bank is a settlement bank.
  explicit ConfigIndex(const ExchangeConfig& config, std::string settlement_bank = "");

  const ExchangeConfig& config() const { return config_; }
  const WarehouseConfig* Warehouse(std::string_view code) const;
  const WarehouseConfig* Warehouse(WarehouseId id) const;
  // The first instant the warehouse's licence is no longer valid (end of its expiry date, CST);
  // 0 if the configured date is malformed (never valid).
  Timestamp LicenceEnd(WarehouseId id) const;
  bool LicenceValid(WarehouseId id, Timestamp at) const { return at < LicenceEnd(id); }
  bool StoresCommodity(WarehouseId id, std::string_view commodity) const;
  bool IsAffiliate(WarehouseId id, std::string_view member_code) const;
  // Zero-padding width of receipt numbers: digits of the range's last number.
  int SerialWidth(WarehouseId id) const;
  std::string ReceiptNumber(WarehouseId id, uint64_t serial) const;

  const MemberConfig* Member(std::string_view code) const;
  const MemberConfig* Member(MemberId id) const;
  bool IsBank(std::string_view code) const;
  bool IsSettlementBank(std::string_view code) const;
  bool IsSupervisor(std::string_view code) const;
  // A principal that may hold receipts: a configured member or bank.
  bool ValidHolder(const Principal& p) const;

  const InstrumentConfig* Instrument(InstrumentId id) const;
  bool Accepts(InstrumentId instrument, WarehouseId warehouse) const;
  // True when the member is an affiliate of any warehouse the instrument accepts (such a member
  // could receive that warehouse's receipts by buying, so it may not buy the instrument).
  bool AffiliateOfAnyAccepted(InstrumentId instrument, std::string_view member_code) const;

 private:
  const ExchangeConfig& config_;
  std::string settlement_bank_;
  absl::flat_hash_map<std::string, const WarehouseConfig*> warehouses_by_code_;
  std::vector<Timestamp> licence_end_;  // index = WarehouseId - 1
  absl::flat_hash_map<std::string, const MemberConfig*> members_by_code_;
  absl::flat_hash_set<std::string> banks_;
  absl::flat_hash_set<std::string> supervisors_;
  std::vector<std::vector<WarehouseId>> accepted_;  // index = InstrumentId - 1
};

// The notional-free part of the fee rule: max(minimum, notional × bps / 10000 rounded half to
// even). Errors only on overflow.
absl::StatusOr<Money> TradeFee(Money notional, int64_t bps, Money minimum);
// The seller's fee is capped at the notional so that proceeds are never negative.
absl::StatusOr<Money> SellerFee(const InstrumentConfig& instrument, Money notional);
absl::StatusOr<Money> BuyerFee(const InstrumentConfig& instrument, Money notional);
// The cash a buy order must hold to cover `leaves` at prices up to `reserve_price`, however it
// is filled (in lot multiples):
//   ceil(reserve_price × leaves × (10000 + buyer_bps) / (10000 × base_units_per_price_unit))
//   + ceil(leaves / lot_size) × (minimum fee + 3 + ceil(buyer_bps / 10000)) fen.
// The per-lot allowance covers the per-trade minimum fee and the half-even rounding of each
// fill's notional and fee, so each fill's cost plus the reservation for the rest never exceeds
// what was reserved (docs/receipts.md has the proof sketch).
absl::StatusOr<Money> BuyReservation(const InstrumentConfig& instrument, Price reserve_price,
                                     Quantity leaves);

struct ReceiptPortion {
  ReceiptId receipt;
  Quantity quantity;
  friend bool operator==(const ReceiptPortion&, const ReceiptPortion&) = default;
};

// What an open order holds.
struct OrderReservation {
  OrderId order;
  MemberId member;
  InstrumentId instrument;
  Side side = Side::kBuy;
  Price reserve_price;
  Quantity leaves;
  Money cash;                            // buy: cash reserved
  std::vector<ReceiptPortion> receipts;  // sell: receipt quantity reserved, delivery order
  friend bool operator==(const OrderReservation&, const OrderReservation&) = default;
};

struct LedgerMeta {
  uint64_t next_receipt_id = 1;
  uint64_t history_size = 0;
  Hash history_head{};  // hash of the last history record (zero if none)
  Money total_deposited;
  Money total_withdrawn;
  friend bool operator==(const LedgerMeta&, const LedgerMeta&) = default;
};

// A holder-index set: a holder's receipts, oldest first, as (issued, id).
using HolderSet = absl::btree_set<std::pair<Timestamp, ReceiptId>>;

// The receipts of a LedgerState by id, for look-ups without a search: slot i points to the
// node of `receipts` holding id i (map nodes never move, and no receipt is ever erased), or is
// empty and the map is searched. A cache of the map, nothing more: a copied state starts with
// no slots (they would point into the other state's map) and falls back to the map for the
// receipts it holds; moving a state moves its map's nodes, so the slots move with them.
// A deque: growing never moves what is there, so no settlement waits for a table to grow.
class ReceiptSlots {
 public:
  ReceiptSlots() = default;
  ReceiptSlots(const ReceiptSlots&) {}
  ReceiptSlots& operator=(const ReceiptSlots&) {
    slots_.clear();
    return *this;
  }
  ReceiptSlots(ReceiptSlots&&) = default;
  ReceiptSlots& operator=(ReceiptSlots&&) = default;

  // The receipt with `id`, or nullptr when the slot is empty (then search the map).
  Receipt* Get(ReceiptId id) const { return id.value() < slots_.size() ? slots_[id.value()] : nullptr; }
  // `r` is the map node holding r->id.
  void Set(Receipt* r) {
    if (r->id.value() >= slots_.size()) slots_.resize(r->id.value() + 1, nullptr);
    slots_[r->id.value()] = r;
  }
  void Clear() { slots_.clear(); }
  size_t size() const { return slots_.size(); }

 private:
  std::deque<Receipt*> slots_;
};

struct LedgerState {
  // Records (persisted).
  std::map<ReceiptId, Receipt> receipts;
  std::map<MemberId, Account> accounts;  // includes kExchangeFeeAccount once fees are charged
  std::map<StockKey, Quantity> stock;    // inspected stock as last reported
  std::map<OrderId, OrderReservation> orders;
  absl::btree_set<TradeId> settled_trades;  // B-tree: a day of trades without a node each
  LedgerMeta meta;

  // Indexes derived from the records (rebuilt by RebuildIndexes, checked by VerifyState).
  std::map<StockKey, Quantity> receipted;                      // live receipted quantity
  std::set<std::pair<WarehouseId, uint64_t>> used_serials;     // never reused
  struct LotUse {
    ReceiptId origin;
    int64_t live_receipts = 0;
    friend bool operator==(const LotUse&, const LotUse&) = default;
  };
  std::map<std::pair<WarehouseId, std::string>, LotUse> live_lots;
  // Live receipts of each holder, oldest first: (issued, id).
  std::map<Principal, HolderSet> live_by_holder;
  // Of those, the ones a sell order may still draw on (active, not pledged or frozen for
  // delivery, not wholly held for sale), oldest first: a seller's fully reserved receipts are
  // not scanned again by each new sell order.
  std::map<Principal, HolderSet> free_by_holder;
  // Transient within one settlement: quantity delivered per trade before its TradeSettled.
  // Empty between commands.
  std::map<TradeId, int64_t> in_delivery;
  // `receipts` by id (see ReceiptSlots): use FindReceipt.
  ReceiptSlots receipt_slots;

  // Records only (indexes excluded).
  bool SameRecords(const LedgerState& other) const;
};

// The receipt with `id` (through the slots, else the map), or nullptr.
inline const Receipt* FindReceipt(const LedgerState& state, ReceiptId id) {
  if (const Receipt* r = state.receipt_slots.Get(id)) return r;
  auto it = state.receipts.find(id);
  return it == state.receipts.end() ? nullptr : &it->second;
}
inline Receipt* FindReceipt(LedgerState& state, ReceiptId id) {
  return const_cast<Receipt*>(FindReceipt(std::as_const(state), id));
}
// Like state.receipts.at(id) (throws std::out_of_range if there is no such receipt).
inline const Receipt& ReceiptAt(const LedgerState& state, ReceiptId id) {
  if (const Receipt* r = state.receipt_slots.Get(id)) return *r;
  return state.receipts.at(id);
}
// Inserts a receipt into state.receipts (and its slot); false if the id is taken.
bool InsertReceipt(LedgerState& state, Receipt r);

// Insert and erase in a holder-index set, with a fast path at the ends where most of them
// happen (receipts reach a holder mostly newest last, and are delivered oldest first): no
// descent from the root there. The same set as plain insert and erase.
inline void InsertHolderEntry(HolderSet& set, const std::pair<Timestamp, ReceiptId>& key) {
  if (set.empty() || *set.rbegin() < key) {
    set.insert(set.end(), key);
  } else {
    set.insert(key);
  }
}
inline bool EraseHolderEntry(HolderSet& set, const std::pair<Timestamp, ReceiptId>& key) {
  if (!set.empty() && *set.begin() == key) {
    set.erase(set.begin());
    return true;
  }
  return set.erase(key) != 0;
}
// Whether `trade` is in state.settled_trades; trade ids grow, so a new trade is found beyond
// the last one without a search.
inline bool IsSettled(const LedgerState& state, TradeId trade) {
  return !state.settled_trades.empty() && !(*state.settled_trades.rbegin() < trade) &&
         state.settled_trades.contains(trade);
}

// Recomputes every derived index from the records.
void RebuildIndexes(LedgerState& state);
// Computes the derived indexes of `records` into `out`'s index fields (other fields untouched).
void ComputeIndexes(const LedgerState& records, LedgerState& out);

// Applies one history record's event to `state`, checking that it is consistent with the state
// (the receipt exists and is in the state the event says, the rules of its kind hold). Returns
// FailedPrecondition naming what differs, and then `state` may be partly changed: callers that
// need atomicity validate first (Ledger) or stop at the first error (the history verifier).
// Maintains meta.history_size/history_head, each touched receipt's version and history hash.
// Rejected events are refused (InvalidArgument).
absl::Status ApplyEvent(const ConfigIndex& config, LedgerState& state, const HistoryRecord& record);

// The receipts an event touches (their versions and history hashes change), in a fixed order.
template <typename F>
void ForEachTouchedReceipt(const EventBody& body, F&& f) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ReceiptIssued>) {
          f(e.receipt.id);
          for (ReceiptId p : e.receipt.parents) f(p);
        } else if constexpr (std::is_same_v<T, ReceiptSplit>) {
          f(e.parent);
          for (const SplitChild& c : e.children) f(c.id);
        } else if constexpr (std::is_same_v<T, ReceiptsMerged>) {
          for (ReceiptId p : e.parents) f(p);
          f(e.child);
        } else if constexpr (std::is_same_v<T, ReceiptCancelled> ||
                             std::is_same_v<T, HolderChanged> ||
                             std::is_same_v<T, PledgeRequested> ||
                             std::is_same_v<T, PledgeRequestCleared> ||
                             std::is_same_v<T, EncumbranceChanged> ||
                             std::is_same_v<T, StatusChanged> || std::is_same_v<T, HoldPlaced> ||
                             std::is_same_v<T, HoldReleased>) {
          f(e.receipt);
        }
      },
      body);
}

// Checks every invariant over the whole state; returns FailedPrecondition describing the first
// violation (deterministic order: receipts by id, then accounts, stock, orders):
//  - every live receipt has exactly one holder, a configured member or bank;
//  - at most one encumbrance, consistent with the receipt (pledge names a bank, sale holds only
//    when frozen for sale and never more than the quantity, no encumbrance on dead receipts);
//  - sale holds and sell orders agree, and a sell order's holds sum to its leaves;
//  - per (warehouse, commodity, grade): live receipted quantity <= inspected stock;
//  - no two live receipts cover one (warehouse, lot) unless from the same registration;
//  - quantity conserved by every split and merge; parent/child links symmetric;
//  - no receipt held by an affiliate of its warehouse is pledged or frozen for sale;
//  - every receipt was issued while its warehouse's licence was valid, with a number in range;
//  - accounts never negative, reserved cash equals the buy orders' reservations, and total cash
//    equals deposits minus withdrawals;
//  - derived indexes equal their recomputation.
absl::Status VerifyState(const ConfigIndex& config, const LedgerState& state);

// VerifyState's invariants checked after each command of a replay at the cost of what the
// command touched instead of the whole state: the receipts its events name, the orders they
// name or that hold those receipts (and the receipts those orders reserve), the lots of the
// touched receipts, and every stock key and account (few: bounded by the configuration).
// Running tallies of live receipted quantity, live lots and reserved cash are kept from the
// touched records' shares before and after, so every aggregate check sees whole-state totals.
// A replay that calls BeforeEvent before each event and CheckCommand after each command's last
// one finds a violation exactly when VerifyState after that command would, except a drift of
// the derived indexes: run VerifyState once at the end for that.
class IncrementalVerifier {
 public:
  // For a replay from an empty state.
  explicit IncrementalVerifier(const ConfigIndex& config) : config_(config) {}
  // For a replay that goes on from `start`, a state that verifies clean.
  IncrementalVerifier(const ConfigIndex& config, const LedgerState& start);

  // Before `body` is applied to `state`.
  void BeforeEvent(const LedgerState& state, const EventBody& body);
  // After the command's last event; FailedPrecondition names the first violation found.
  absl::Status CheckCommand(const LedgerState& state);

 private:
  absl::Status Check(const LedgerState& state) const;

  const ConfigIndex& config_;
  // This command's records: tallied ones had their old share taken out of the tallies.
  std::set<ReceiptId> tallied_receipts_, checked_receipts_;
  std::set<OrderId> tallied_orders_, checked_orders_;
  std::set<std::pair<WarehouseId, std::string>> touched_lots_;
  // Whole-state tallies.
  std::map<StockKey, int64_t> receipted_;
  std::map<std::pair<WarehouseId, std::string>, std::map<ReceiptId, int64_t>> lots_;  // origins
  std::map<MemberId, int64_t> reserved_;
};

}  // namespace dazong::receipts
