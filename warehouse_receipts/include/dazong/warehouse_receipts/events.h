// Ledger events: what the ledger says happened. Every state change of the ledger is one of
// the change events below, applied by ApplyEvent() (state.h); the same function rebuilds the
// state from the history log, so the log alone determines every receipt and balance.
//
// A refused command produces exactly one `Rejected` event, which changes nothing and is not
// part of the hash-chained history (the command journal keeps the refused command).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "dazong/common/ids.h"
#include "dazong/common/side.h"
#include "dazong/warehouse_receipts/types.h"

namespace dazong::receipts {

struct StockReported {
  StockKey key;
  Quantity quantity;  // the new inspected stock (absolute)
};

// A new receipt (registration or the reissue of a correction). `receipt` is complete as issued.
struct ReceiptIssued {
  Receipt receipt;
};

enum class CancelCause : uint8_t { kLoadOut = 1, kCorrection = 2 };
// The receipt leaves the live set: loaded out (stock falls by its quantity) or voided.
struct ReceiptCancelled {
  ReceiptId receipt;
  CancelCause cause = CancelCause::kLoadOut;
};

struct SplitChild {
  ReceiptId id;
  Quantity quantity;
  std::vector<SaleHold> holds;  // the parent's sale holds carried by this child
  friend bool operator==(const SplitChild&, const SplitChild&) = default;
};
// The parent is retired; the children copy its elements, holder and encumbrance.
struct ReceiptSplit {
  ReceiptId parent;
  std::vector<SplitChild> children;
};

struct ReceiptsMerged {
  std::vector<ReceiptId> parents;
  ReceiptId child;
};

enum class HolderCause : uint8_t { kTransfer = 1, kEnforcement = 2, kSettlement = 3 };
// kSettlement: the receipt is delivered for `trade`; the sell order `order` held all of it for
// sale, and that hold is released by the same event.
struct HolderChanged {
  ReceiptId receipt;
  Principal from;
  Principal to;
  HolderCause cause = HolderCause::kTransfer;
  TradeId trade;  // kSettlement only
  OrderId order;  // kSettlement only
};

struct PledgeRequested {
  ReceiptId receipt;
  std::string bank;
};
struct PledgeRequestCleared {
  ReceiptId receipt;
  std::string bank;
};

enum class EncumbranceCause : uint8_t {
  kPledgeAccepted = 1,
  kPledgeReleased = 2,
  kPledgeEnforced = 3,
  kFrozen = 4,
  kUnfrozen = 5,
};
// Pledge and delivery-freeze transitions (sale holds have their own events).
struct EncumbranceChanged {
  ReceiptId receipt;
  Encumbrance from;
  Encumbrance to;
  EncumbranceCause cause = EncumbranceCause::kPledgeAccepted;
};

// kActive -> kLoadOutRequested or kExpired.
struct StatusChanged {
  ReceiptId receipt;
  ReceiptStatus from = ReceiptStatus::kActive;
  ReceiptStatus to = ReceiptStatus::kActive;
};

struct CashDeposited {
  MemberId member;
  Money amount;
};
struct CashWithdrawn {
  MemberId member;
  Money amount;
};

// An order's reservation record opens; a buy reserves `cash` from the member's available cash
// in the same event (a sell's receipts follow as HoldPlaced events).
struct OrderOpened {
  OrderId order;
  MemberId member;
  InstrumentId instrument;
  Side side = Side::kBuy;
  Price reserve_price;
  Quantity leaves;
  Money cash;  // buy only
};
// Cancel-replace: the order now covers `leaves` at `reserve_price`.
struct OrderResized {
  OrderId order;
  Price reserve_price;
  Quantity leaves;
};
// The order's record is removed; it must hold nothing by then.
struct OrderClosed {
  OrderId order;
};
struct CashReserved {
  OrderId order;
  MemberId member;
  Money amount;
};
struct CashReleased {
  OrderId order;
  MemberId member;
  Money amount;
};
// Part of a receipt is reserved for / released from a sell order (frozen for sale).
struct HoldPlaced {
  ReceiptId receipt;
  OrderId order;
  Quantity quantity;
};
struct HoldReleased {
  ReceiptId receipt;
  OrderId order;
  Quantity quantity;
};

// The cash leg of a trade and the orders' leaves. The receipt leg precedes it as Split /
// HolderChanged(kSettlement) events. `buyer_released` goes back from the buy order's
// reservation to the buyer's available cash (price improvement, and the unneeded allowance);
// an order whose leaves reach zero closes (it holds nothing by then).
struct TradeSettled {
  TradeId trade;
  InstrumentId instrument;
  OrderId buy_order;
  OrderId sell_order;
  MemberId buyer;
  MemberId seller;
  Price price;
  Quantity quantity;
  Money notional;
  Money buyer_fee;
  Money seller_fee;
  Money buyer_released;
};

// A refusal. Never applied, never in the history.
struct Rejected {
  LedgerReason reason = LedgerReason::kNone;
  std::string text;     // what exactly was wrong
  std::string command;  // CommandName() of the refused command
};

using EventBody =
    std::variant<StockReported, ReceiptIssued, ReceiptCancelled, ReceiptSplit, ReceiptsMerged,
                 HolderChanged, PledgeRequested, PledgeRequestCleared, EncumbranceChanged,
                 StatusChanged, CashDeposited, CashWithdrawn, OrderOpened, OrderResized,
                 OrderClosed, CashReserved, CashReleased, HoldPlaced, HoldReleased, TradeSettled,
                 Rejected>;

// "StockReported", ...
std::string_view EventName(const EventBody& body);

// An event with who caused it, when (the command's sequence number and time stamp) and why.
struct LedgerEvent {
  SeqNo seq;
  Timestamp time = 0;
  Principal actor;
  std::string why;
  EventBody body;
};

// One entry of the append-only, hash-chained history:
//   hash = SHA-256(prev_hash || EncodeEventForHash(index, event)).
struct HistoryRecord {
  uint64_t index = 0;  // 0-based position in the log
  LedgerEvent event;
  Hash prev_hash{};    // all zero for index 0
  Hash hash{};
};

}  // namespace dazong::receipts
