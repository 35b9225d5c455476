// Value types of the matching core: order requests, resting orders as listeners see them,
// phases, self-trade prevention modes and the reasons an order leaves the book.
#pragma once

#include <cstdint>

#include "dazong/common/clock.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/phase.h"
#include "dazong/common/side.h"

namespace dazong::matching {

using dazong::IsCallPhase;
using dazong::Phase;
using dazong::PhaseName;
using dazong::SelfTradePrevention;

// Why an order left the book without being filled.
enum class CancelReason : uint8_t {
  kRequested = 1,       // Cancel()
  kUnfilledIoc = 2,     // IOC or market remainder (including beyond the protection price)
  kUnfilledFok = 3,     // FOK that could not fill completely
  kSelfTrade = 4,       // self-trade prevention
  kMassCancel = 5,      // MassCancel()
  kExpired = 6,         // GTD time reached, or DAY at the close
  kAuctionRemainder = 7,// an IOC-like remainder after an uncross (market orders)
};

// A request to enter an order. The caller assigns `id` (unique, never reused).
struct OrderRequest {
  OrderId id;
  MemberId member;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  Price price;             // limit price (ignored for market orders)
  Quantity quantity;
  Price protection_price;  // market orders: never trade beyond it; 0 = the band's edge
  Timestamp expire_time = 0;  // GTD only
  SelfTradePrevention stp = SelfTradePrevention::kNone;
};

// A resting or incoming order as listeners see it.
struct Order {
  OrderId id;
  MemberId member;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  SelfTradePrevention stp = SelfTradePrevention::kNone;
  Price price;             // limit price; for a market order the effective protection price
  Quantity quantity;       // quantity as last entered or replaced (original for FIX)
  Quantity leaves;         // open quantity
  Quantity filled;         // cumulative filled quantity
  Timestamp expire_time = 0;
};

// Best bid and offer; a zero quantity means the side is empty.
struct Bbo {
  Price bid_price;
  Quantity bid_quantity;
  Price ask_price;
  Quantity ask_quantity;
  friend bool operator==(const Bbo&, const Bbo&) = default;
};

// One aggregated price level.
struct Level {
  Price price;
  Quantity quantity;
  uint32_t orders = 0;
};

}  // namespace dazong::matching
