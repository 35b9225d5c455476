// Commands: the only way anything changes exchange state. Gateways and the API build them;
// the sequencer numbers, stamps and journals them, then applies them to the core. Plain
// values, no pointers, so a command can be journaled and replayed byte for byte.
#pragma once

#include <cstdint>
#include <variant>

#include "dazong/common/clock.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/short_string.h"
#include "dazong/common/side.h"

namespace dazong {

// Enter an order. `member` is the authenticated member (the gateway sets it from the session,
// never from the message body).
// `session` is the gateway's slot for the session that sent it (a routing tag for replies;
// the core only copies it into events).
struct NewOrderCommand {
  uint32_t session = 0;
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  Price price;
  Quantity quantity;
};

// Cancel the member's order that it entered as `orig_cl_ord_id`.
struct CancelOrderCommand {
  uint32_t session = 0;
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;       // this request's id
  ClOrdId orig_cl_ord_id;  // the order to cancel
  Side side = Side::kBuy;
};

using CommandBody = std::variant<NewOrderCommand, CancelOrderCommand>;

// A command as the sequencer journals it: its global sequence number and the time stamp it
// was given, which is the only time the core ever sees.
struct SequencedCommand {
  SeqNo seq;
  Timestamp time = 0;
  CommandBody body;
};

}  // namespace dazong
