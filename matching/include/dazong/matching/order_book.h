// OrderBook: one instrument's continuous limit order book with price-time priority.
//
// Pure and deterministic: no I/O, no clock, no threads. The caller (the exchange core) has
// already validated the order against the instrument's rules; the book only matches and
// rests. A trade prints at the resting order's price. Fills are reported through a
// FillListener in the order they happen.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <functional>
#include <optional>
#include <unordered_map>

#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/short_string.h"
#include "dazong/common/side.h"

namespace dazong::matching {

// An order as the book holds it.
struct BookOrder {
  OrderId id;
  MemberId member;
  ClOrdId cl_ord_id;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  Price price;
  Quantity quantity;         // original
  Quantity leaves_quantity;  // still open
};

// Receives each fill as it happens. `aggressor` and `resting` show the orders after the fill.
class FillListener {
 public:
  virtual ~FillListener() = default;
  virtual void OnFill(const BookOrder& aggressor, const BookOrder& resting, Price price,
                      Quantity quantity) = 0;
};

class OrderBook {
 public:
  OrderBook() = default;
  OrderBook(const OrderBook&) = delete;
  OrderBook& operator=(const OrderBook&) = delete;

  // Matches `incoming` against the opposite side while prices cross (market orders cross at
  // any price), reducing incoming.leaves_quantity. Does not rest the remainder.
  void Match(BookOrder& incoming, FillListener& listener);

  // Rests an order with leaves_quantity > 0 at the back of its price level. The id must not
  // be in the book.
  void Rest(const BookOrder& order);

  // Removes a resting order and returns it as it was; nullopt when it is not in the book.
  std::optional<BookOrder> Cancel(OrderId id);

  const BookOrder* Find(OrderId id) const;

  std::optional<Price> BestBid() const;
  std::optional<Price> BestAsk() const;
  size_t order_count() const { return index_.size(); }

  // Visits resting orders: bids best first, then asks best first, FIFO within a level.
  void ForEachOrder(const std::function<void(const BookOrder&)>& visit) const;

 private:
  using Level = std::list<BookOrder>;
  // Bids keyed by descending price, asks by ascending price: begin() is always the best.
  using Bids = std::map<int64_t, Level, std::greater<int64_t>>;
  using Asks = std::map<int64_t, Level, std::less<int64_t>>;

  template <typename Levels>
  void MatchAgainst(Levels& levels, BookOrder& incoming, FillListener& listener);

  struct Location {
    Side side;
    int64_t price;
    Level::iterator it;
  };

  Bids bids_;
  Asks asks_;
  std::unordered_map<OrderId, Location> index_;
};

}  // namespace dazong::matching
