#include "dazong/matching/order_book.h"

#include <algorithm>

namespace dazong::matching {
namespace {

bool Crosses(const BookOrder& incoming, int64_t resting_price) {
  if (incoming.type == OrderType::kMarket) return true;
  return incoming.side == Side::kBuy ? incoming.price.raw() >= resting_price
                                     : incoming.price.raw() <= resting_price;
}

}  // namespace

template <typename Levels>
void OrderBook::MatchAgainst(Levels& levels, BookOrder& incoming, FillListener& listener) {
  while (incoming.leaves_quantity.is_positive() && !levels.empty()) {
    auto level_it = levels.begin();
    if (!Crosses(incoming, level_it->first)) break;
    Level& level = level_it->second;
    while (incoming.leaves_quantity.is_positive() && !level.empty()) {
      BookOrder& resting = level.front();
      const int64_t fill = std::min(incoming.leaves_quantity.raw(), resting.leaves_quantity.raw());
      incoming.leaves_quantity = Quantity::FromRaw(incoming.leaves_quantity.raw() - fill);
      resting.leaves_quantity = Quantity::FromRaw(resting.leaves_quantity.raw() - fill);
      listener.OnFill(incoming, resting, resting.price, Quantity::FromRaw(fill));
      if (resting.leaves_quantity.is_zero()) {
        index_.erase(resting.id);
        level.pop_front();
      }
    }
    if (level.empty()) levels.erase(level_it);
  }
}

void OrderBook::Match(BookOrder& incoming, FillListener& listener) {
  if (incoming.side == Side::kBuy) {
    MatchAgainst(asks_, incoming, listener);
  } else {
    MatchAgainst(bids_, incoming, listener);
  }
}

void OrderBook::Rest(const BookOrder& order) {
  const int64_t price = order.price.raw();
  Level& level = order.side == Side::kBuy ? bids_[price] : asks_[price];
  level.push_back(order);
  index_.emplace(order.id, Location{order.side, price, std::prev(level.end())});
}

std::optional<BookOrder> OrderBook::Cancel(OrderId id) {
  auto found = index_.find(id);
  if (found == index_.end()) return std::nullopt;
  const Location loc = found->second;
  index_.erase(found);
  BookOrder order = *loc.it;
  auto erase_from = [&](auto& levels) {
    auto level_it = levels.find(loc.price);
    level_it->second.erase(loc.it);
    if (level_it->second.empty()) levels.erase(level_it);
  };
  if (loc.side == Side::kBuy) {
    erase_from(bids_);
  } else {
    erase_from(asks_);
  }
  return order;
}

const BookOrder* OrderBook::Find(OrderId id) const {
  auto found = index_.find(id);
  return found == index_.end() ? nullptr : &*found->second.it;
}

std::optional<Price> OrderBook::BestBid() const {
  if (bids_.empty()) return std::nullopt;
  return Price::FromRaw(bids_.begin()->first);
}

std::optional<Price> OrderBook::BestAsk() const {
  if (asks_.empty()) return std::nullopt;
  return Price::FromRaw(asks_.begin()->first);
}

void OrderBook::ForEachOrder(const std::function<void(const BookOrder&)>& visit) const {
  for (const auto& [price, level] : bids_) {
    for (const BookOrder& order : level) visit(order);
  }
  for (const auto& [price, level] : asks_) {
    for (const BookOrder& order : level) visit(order);
  }
}

}  // namespace dazong::matching
