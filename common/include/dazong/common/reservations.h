// The matching core's hooks into the ledger, so that every accepted order can settle.
//
// Before it accepts an order the core asks the ledger to reserve what the order may need: for a
// sell, unencumbered, unexpired receipt quantity of the instrument's commodity and grade; for a
// buy, cash for limit price × quantity plus the buyer's fee. On every fill the ledger settles
// the trade (delivery versus payment) out of those reservations; when an order ends (cancel,
// expiry, IOC remainder) or trades at a better price than it reserved, the ledger releases
// what is no longer needed. Because nothing trades without a reservation, a trade that cannot
// settle is impossible by construction.
//
// Calls come only from the sequencer thread, in sequence order; implementations must be
// deterministic (same calls, same answers) and should not allocate on the order path.
#pragma once

#include <cstdint>
#include <span>

#include "dazong/common/events.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/reject_reason.h"
#include "dazong/common/side.h"

namespace dazong {

// A receipt a sell order names for delivery (optional; oldest receipts first otherwise).
struct NamedReceipt {
  uint64_t receipt_id = 0;
  Quantity quantity;
};

struct ReservationRequest {
  OrderId order;
  MemberId member;
  InstrumentId instrument;
  Side side = Side::kBuy;
  // For a buy, the price per unit the cash reservation is made at: the limit price, or the
  // band's upper limit for a market order. Unused for a sell.
  Price reserve_price;
  Quantity quantity;
  std::span<const NamedReceipt> receipts;  // sells only; empty: the ledger chooses
};

class ReservationLedger {
 public:
  virtual ~ReservationLedger() = default;

  // Reserves for a new order. Returns kNone on success, otherwise why not (for example
  // kInsufficientFunds, kInsufficientReceipts, kNotAuthorized) and reserves nothing.
  virtual RejectReason Reserve(const ReservationRequest& request) = 0;

  // Changes an open order's reservation to cover `leaves` at `reserve_price` (cancel-replace).
  // On failure the old reservation stays as it was.
  virtual RejectReason Resize(OrderId order, Price reserve_price, Quantity leaves) = 0;

  // Settles one trade out of the two orders' reservations: receipts to the buyer, cash to the
  // seller, fees to the exchange; releases the buyer's price improvement. Idempotent by trade id.
  virtual void Settle(const TradeEvent& trade) = 0;

  // The order is closed (cancelled, expired, fully filled): releases whatever it still holds.
  virtual void Release(OrderId order) = 0;
};

// A ledger that reserves nothing and settles nothing: for benchmarks of the matching core and
// for instruments traded without pre-funding checks in tests.
class NoReservations final : public ReservationLedger {
 public:
  RejectReason Reserve(const ReservationRequest&) override { return RejectReason::kNone; }
  RejectReason Resize(OrderId, Price, Quantity) override { return RejectReason::kNone; }
  void Settle(const TradeEvent&) override {}
  void Release(OrderId) override {}
};

}  // namespace dazong
