// Events: what the core says happened. The sequencer releases them only after the command
// that caused them is durable. Gateways turn them into replies; the publisher turns trades
// into Redis entries. Each event carries everything its consumer needs (cumulative quantity,
// average price inputs), because gateways keep no exchange state of their own.
#pragma once

#include <cstdint>
#include <variant>

#include "dazong/common/clock.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/phase.h"
#include "dazong/common/reject_reason.h"
#include "dazong/common/short_string.h"
#include "dazong/common/side.h"

namespace dazong {

// The state of one order after an event, as FIX reports it.
struct OrderView {
  OrderId order_id;
  uint32_t session = 0;   // the gateway session slot that entered the order
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  Price price;
  Quantity quantity;      // original quantity
  Quantity cum_quantity;  // filled so far
  Quantity leaves_quantity;
  Money cum_notional;     // sum of fill notionals, for the average price
};

struct OrderAccepted {
  OrderView order;
};

struct OrderRejected {
  uint32_t session = 0;
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;
  Side side = Side::kBuy;
  Price price;
  Quantity quantity;
  RejectReason reason = RejectReason::kNone;
  Price band_low;   // with kPriceOutsideBand: the band the price missed
  Price band_high;
};

enum class CancelCause : uint8_t {
  kRequested = 1,     // the member asked
  kUnfilledIoc = 2,   // the remainder of an IOC/market order
  kSelfTrade = 3,     // self-trade prevention
  kMassCancel = 4,    // a mass cancel (by the member or the operator)
  kUnfilledFok = 5,   // a fill-or-kill order that could not fill completely
  kExpired = 6,       // GTD time reached, or a DAY order at the close
};

struct OrderCancelled {
  OrderView order;
  ClOrdId request_cl_ord_id;  // the cancel request's ClOrdID when the member asked
  uint32_t request_session = 0;  // where to send the report (the order's session if 0)
  CancelCause cause = CancelCause::kRequested;
};

// A cancel or replace request that was refused; the order (if any) is unchanged.
struct CancelRejected {
  uint32_t session = 0;
  MemberId member;
  ClOrdId cl_ord_id;
  ClOrdId orig_cl_ord_id;
  RejectReason reason = RejectReason::kNone;
  bool for_replace = false;
};

// A cancel-replace was applied. `order` shows the order after it (and before any trades the
// re-entry caused, which follow as TradeEvents).
struct OrderReplaced {
  OrderView order;
  ClOrdId request_cl_ord_id;
  uint32_t request_session = 0;
  ClOrdId orig_cl_ord_id;
  Price old_price;
  Quantity old_leaves;
  bool lost_priority = false;
};

// The outcome of a mass cancel request (the OrderCancelled events come before it).
struct MassCancelDone {
  uint32_t session = 0;
  MemberId member;
  ClOrdId cl_ord_id;
  InstrumentId instrument;
  uint32_t cancelled = 0;
  RejectReason reason = RejectReason::kNone;
};

// Public market data.
struct PhaseChanged {
  InstrumentId instrument;
  Phase from = Phase::kClosed;
  Phase to = Phase::kClosed;
};

struct BboChanged {
  InstrumentId instrument;
  Price bid_price;
  Quantity bid_quantity;  // 0: no bid
  Price ask_price;
  Quantity ask_quantity;  // 0: no offer
};

// A level within the published depth changed; quantity 0 means it is gone.
struct DepthChanged {
  InstrumentId instrument;
  Side side = Side::kBuy;
  uint32_t rank = 0;
  Price price;
  Quantity quantity;
  uint32_t orders = 0;
};

// During a call phase: the indicative uncrossing price and volume (volume 0: no cross).
struct AuctionIndicative {
  InstrumentId instrument;
  Price price;
  Quantity volume;
  Quantity imbalance;
  Side imbalance_side = Side::kBuy;
};

// The exchange's clock tick (a journaled TimerCommand): lets time-driven consumers such as the
// index service see time pass when nothing trades.
struct ClockTick {};

// An operator command (phase change, halt) that was refused.
struct PhaseCommandRejected {
  InstrumentId instrument;
  RejectReason reason = RejectReason::kNone;
};

// One execution between two orders. Printed at the resting order's price.
struct TradeEvent {
  TradeId trade_id;
  InstrumentId instrument;
  Price price;
  Quantity quantity;
  Money notional;
  Side aggressor = Side::kBuy;  // for an auction trade: kBuy by convention (see auction)
  bool auction = false;         // printed by a call auction uncross
  Timestamp time = 0;
  OrderView buy;   // the buy order after this fill
  OrderView sell;  // the sell order after this fill
};

using EventBody =
    std::variant<OrderAccepted, OrderRejected, OrderCancelled, CancelRejected, TradeEvent,
                 OrderReplaced, MassCancelDone, PhaseChanged, BboChanged, DepthChanged,
                 AuctionIndicative, PhaseCommandRejected, ClockTick>;

// An event with the sequence number and time stamp of the command that caused it.
struct Event {
  SeqNo seq;
  Timestamp time = 0;
  EventBody body;
};

}  // namespace dazong
