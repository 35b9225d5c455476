// OrderBook: resting, FIFO within a level, best prices, cancel anywhere in a level.
#include "dazong/matching/order_book.h"

#include <gtest/gtest.h>

namespace dazong::matching {
namespace {

BookOrder Make(uint64_t id, Side side, int64_t price, int64_t qty) {
  BookOrder o;
  o.id = OrderId(id);
  o.member = MemberId(1);
  o.side = side;
  o.price = Price::FromRaw(price);
  o.quantity = Quantity::FromRaw(qty);
  o.leaves_quantity = o.quantity;
  return o;
}

struct Fill {
  uint64_t aggressor, resting;
  int64_t price, qty;
};

class Recorder final : public FillListener {
 public:
  void OnFill(const BookOrder& a, const BookOrder& r, Price p, Quantity q) override {
    fills.push_back({a.id.value(), r.id.value(), p.raw(), q.raw()});
  }
  std::vector<Fill> fills;
};

TEST(OrderBookTest, RestsAndReportsBestPrices) {
  OrderBook book;
  EXPECT_FALSE(book.BestBid().has_value());
  book.Rest(Make(1, Side::kBuy, 100, 5));
  book.Rest(Make(2, Side::kBuy, 101, 5));
  book.Rest(Make(3, Side::kSell, 105, 5));
  book.Rest(Make(4, Side::kSell, 104, 5));
  EXPECT_EQ(*book.BestBid(), Price::FromRaw(101));
  EXPECT_EQ(*book.BestAsk(), Price::FromRaw(104));
  std::vector<uint64_t> order;
  book.ForEachOrder([&](const BookOrder& o) { order.push_back(o.id.value()); });
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 1, 4, 3}));
}

TEST(OrderBookTest, MatchesFifoWithinALevelAndStopsAtTheLimit) {
  OrderBook book;
  book.Rest(Make(1, Side::kSell, 100, 3));
  book.Rest(Make(2, Side::kSell, 100, 3));
  book.Rest(Make(3, Side::kSell, 102, 3));
  BookOrder buy = Make(9, Side::kBuy, 101, 10);
  Recorder rec;
  book.Match(buy, rec);
  ASSERT_EQ(rec.fills.size(), 2u);
  EXPECT_EQ(rec.fills[0].resting, 1u);
  EXPECT_EQ(rec.fills[1].resting, 2u);
  EXPECT_EQ(buy.leaves_quantity, Quantity::FromRaw(4));
  EXPECT_EQ(book.order_count(), 1u);
  EXPECT_EQ(*book.BestAsk(), Price::FromRaw(102));
}

TEST(OrderBookTest, CancelFromTheMiddleOfALevelKeepsTheOthersInOrder) {
  OrderBook book;
  for (uint64_t id = 1; id <= 3; ++id) book.Rest(Make(id, Side::kBuy, 100, 1));
  auto cancelled = book.Cancel(OrderId(2));
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->id, OrderId(2));
  EXPECT_FALSE(book.Cancel(OrderId(2)).has_value());
  EXPECT_EQ(book.Find(OrderId(2)), nullptr);
  BookOrder sell = Make(9, Side::kSell, 100, 2);
  Recorder rec;
  book.Match(sell, rec);
  ASSERT_EQ(rec.fills.size(), 2u);
  EXPECT_EQ(rec.fills[0].resting, 1u);
  EXPECT_EQ(rec.fills[1].resting, 3u);
  EXPECT_FALSE(book.BestBid().has_value());
}

}  // namespace
}  // namespace dazong::matching
