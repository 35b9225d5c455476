// Listener interfaces of the matching core, one per concern. The book calls them
// synchronously, in the order things happen, on the caller's thread. Every reference passed
// is valid only during the call.
#pragma once

#include "dazong/common/reject_reason.h"
#include "dazong/matching/types.h"

namespace dazong::matching {

// Outcomes for individual orders.
class OrderListener {
 public:
  virtual ~OrderListener() = default;
  virtual void OnAccepted(const Order& order) = 0;
  virtual void OnRejected(const OrderRequest& request, RejectReason reason) = 0;
  // One execution. `aggressor` is the incoming order (for an auction uncross: the bid), both
  // shown after the fill. The price is the resting order's (the auction price in an uncross).
  virtual void OnTrade(const Order& aggressor, const Order& resting, Price price, Quantity quantity,
                       bool auction) = 0;
  virtual void OnCancelled(const Order& order, CancelReason reason) = 0;
  // A replace was applied. `lost_priority` when the order went to the back of its new level.
  virtual void OnReplaced(const Order& order, Price old_price, Quantity old_leaves,
                          bool lost_priority) = 0;
  virtual void OnCancelRejected(OrderId id, RejectReason reason) = 0;
  virtual void OnReplaceRejected(OrderId id, RejectReason reason) = 0;
};

// Public market data: best prices, aggregated depth, phase and auction indications.
class MarketDataListener {
 public:
  virtual ~MarketDataListener() = default;
  virtual void OnBbo(const Bbo& bbo) = 0;
  // A level within the top `depth_levels` changed (quantity 0: the level is gone). `rank` is
  // its 0-based position counted from the best price, after the change.
  virtual void OnDepth(Side side, uint32_t rank, const Level& level) = 0;
  virtual void OnPhase(Phase from, Phase to) = 0;
  // During a call phase, when the indicative uncrossing price or volume changes. A zero
  // volume means the book does not cross.
  virtual void OnIndicative(Price price, Quantity volume, Quantity imbalance, Side imbalance_side) = 0;
};

// Listeners that ignore everything (benchmarks, replays).
class NullOrderListener : public OrderListener {
 public:
  void OnAccepted(const Order&) override {}
  void OnRejected(const OrderRequest&, RejectReason) override {}
  void OnTrade(const Order&, const Order&, Price, Quantity, bool) override {}
  void OnCancelled(const Order&, CancelReason) override {}
  void OnReplaced(const Order&, Price, Quantity, bool) override {}
  void OnCancelRejected(OrderId, RejectReason) override {}
  void OnReplaceRejected(OrderId, RejectReason) override {}
};

class NullMarketDataListener : public MarketDataListener {
 public:
  void OnBbo(const Bbo&) override {}
  void OnDepth(Side, uint32_t, const Level&) override {}
  void OnPhase(Phase, Phase) override {}
  void OnIndicative(Price, Quantity, Quantity, Side) override {}
};

}  // namespace dazong::matching
