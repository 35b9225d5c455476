// What the exchange knows about one of a member's orders, for the FIX OrderStatusRequest (H):
// the core answers it from its own state, on the sequencer thread, after everything queued
// before the request; OrderStatusSource is the small interface between the gateway and that.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "dazong/common/events.h"
#include "dazong/common/ids.h"
#include "dazong/common/short_string.h"

namespace dazong {

enum class OrderStatusKind : uint8_t {
  kUnknown = 0,  // the member never used this ClOrdID (or the ClOrdID is another member's)
  kOpen = 1,     // resting: `order` is its current state
  kClosed = 2,   // filled, cancelled, expired or (IOC/FOK) ended: only `order.order_id` is set
};

struct OrderStatusAnswer {
  OrderStatusKind kind = OrderStatusKind::kUnknown;
  OrderView order;
};

class OrderStatusSource {
 public:
  virtual ~OrderStatusSource() = default;
  // Looks up `member`'s order known as `cl_ord_id` (the ClOrdID it was entered with, or that
  // of a cancel or replace request for it). `done` runs once, on the sequencer thread (or on
  // the caller's when the request cannot be queued), and must not block.
  virtual void Request(MemberId member, const ClOrdId& cl_ord_id,
                       std::function<void(absl::StatusOr<OrderStatusAnswer>)> done) = 0;
};

}  // namespace dazong
