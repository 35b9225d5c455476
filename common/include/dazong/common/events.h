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
};

enum class CancelCause : uint8_t {
  kRequested = 1,     // the member asked
  kUnfilledIoc = 2,   // the remainder of an IOC/market order
  kSelfTrade = 3,     // self-trade prevention
  kOperator = 4,      // mass cancel or halt by the operator
};

struct OrderCancelled {
  OrderView order;
  ClOrdId request_cl_ord_id;  // the cancel request's ClOrdID when the member asked
  uint32_t request_session = 0;  // where to send the report (the order's session if 0)
  CancelCause cause = CancelCause::kRequested;
};

struct CancelRejected {
  uint32_t session = 0;
  MemberId member;
  ClOrdId cl_ord_id;
  ClOrdId orig_cl_ord_id;
  RejectReason reason = RejectReason::kNone;
};

// One execution between two orders. Printed at the resting order's price.
struct TradeEvent {
  TradeId trade_id;
  InstrumentId instrument;
  Price price;
  Quantity quantity;
  Money notional;
  Side aggressor = Side::kBuy;
  Timestamp time = 0;
  OrderView buy;   // the buy order after this fill
  OrderView sell;  // the sell order after this fill
};

using EventBody =
    std::variant<OrderAccepted, OrderRejected, OrderCancelled, CancelRejected, TradeEvent>;

// An event with the sequence number and time stamp of the command that caused it.
struct Event {
  SeqNo seq;
  Timestamp time = 0;
  EventBody body;
};

}  // namespace dazong
