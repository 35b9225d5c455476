// Differential test of the matching core: a deliberately simple reference matcher (a
// std::map of price -> std::deque per side, linear scans everywhere) and the OrderBook are
// fed the same seeded random operation streams (adds of every kind, cancels, replaces, bad
// input); every listener call must agree (accepts, rejects, trades with both leaves,
// cancellations with their reason, replaces with their priority outcome), the book must
// pass CheckInvariants() after every step, and the books (orders in priority order, BBO,
// depth) must be equal every 50 steps and at the end.
//
// Scale: 50 seeds x 2,000 operations per test (4 tests: 400,000 operations, each followed
// by CheckInvariants(), which scans the whole level window); 2 seeds under
// AddressSanitizer. The environment variable DAZONG_DIFF_SEEDS overrides the seed count.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dazong/matching/order_book.h"

#if defined(__SANITIZE_ADDRESS__)
#define DAZONG_DIFF_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DAZONG_DIFF_SANITIZED 1
#endif
#endif

namespace dazong::matching {
namespace {

int SeedCount() {
  if (const char* env = std::getenv("DAZONG_DIFF_SEEDS")) return std::atoi(env);
#ifdef DAZONG_DIFF_SANITIZED
  return 2;
#else
  return 50;
#endif
}
constexpr int kStepsPerSeed = 2000;

// One listener call in a comparable form.
struct Event {
  char kind;  // A accepted, J rejected, T trade, X cancelled, P replaced, K cancel rejected,
              // Q replace rejected
  uint64_t id = 0;
  uint64_t other = 0;  // T: resting id
  int64_t a = 0;       // T: price; X: reason; P: new price
  int64_t b = 0;       // T: quantity; P: new leaves
  int64_t c = 0;       // T: aggressor leaves after; P: lost priority
  int64_t d = 0;       // T: resting leaves after
  friend bool operator==(const Event&, const Event&) = default;
};

std::string ToString(const Event& e) {
  std::ostringstream s;
  s << e.kind << "(" << e.id;
  switch (e.kind) {
    case 'T':
      s << " x " << e.other << " @" << e.a << " q" << e.b << " agg_leaves " << e.c
        << " rest_leaves " << e.d;
      break;
    case 'X':
      s << " reason " << e.a;
      break;
    case 'P':
      s << " @" << e.a << " leaves " << e.b << " lost " << e.c;
      break;
    default:
      break;
  }
  s << ")";
  return s.str();
}

std::string ToString(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) out += ToString(e) + " ";
  return out;
}

class Recorder final : public OrderListener {
 public:
  std::vector<Event> events;
  void OnAccepted(const Order& o) override { events.push_back({'A', o.id.value()}); }
  void OnRejected(const OrderRequest& r, RejectReason) override {
    events.push_back({'J', r.id.value()});
  }
  void OnTrade(const Order& agg, const Order& rest, Price price, Quantity qty, bool) override {
    events.push_back({'T', agg.id.value(), rest.id.value(), price.raw(), qty.raw(),
                      agg.leaves.raw(), rest.leaves.raw()});
  }
  void OnCancelled(const Order& o, CancelReason reason) override {
    events.push_back({'X', o.id.value(), 0, static_cast<int64_t>(reason)});
  }
  void OnReplaced(const Order& o, Price, Quantity, bool lost) override {
    events.push_back({'P', o.id.value(), 0, o.price.raw(), o.leaves.raw(), lost ? 1 : 0});
  }
  void OnCancelRejected(OrderId id, RejectReason) override { events.push_back({'K', id.value()}); }
  void OnReplaceRejected(OrderId id, RejectReason) override { events.push_back({'Q', id.value()}); }
};

// ---- the reference matcher ----

struct RefOrder {
  uint64_t id;
  uint32_t member;
  Side side;
  int64_t price;
  int64_t leaves;
  SelfTradePrevention stp;
};

struct RefConfig {
  int64_t tick = 1;
  int64_t lot = 1;
};

class RefBook {
 public:
  explicit RefBook(RefConfig config) : config_(config) {}

  std::vector<Event> events;

  void Add(const OrderRequest& r) {
    const bool market = r.type == OrderType::kMarket;
    const int64_t qty = r.quantity.raw();
    const int64_t price = r.price.raw();
    bool bad = r.id.value() == 0 || qty <= 0 || qty % config_.lot != 0 || Find(r.id.value()) != nullptr;
    if (!market && (price <= 0 || price % config_.tick != 0)) bad = true;
    if (bad) {
      events.push_back({'J', r.id.value()});
      return;
    }
    events.push_back({'A', r.id.value()});
    RefOrder o{r.id.value(), r.member.value(), r.side, market ? 0 : price, qty, r.stp};
    if (r.tif == TimeInForce::kFok && Available(o, market) < qty) {
      events.push_back({'X', o.id, 0, static_cast<int64_t>(CancelReason::kUnfilledFok)});
      return;
    }
    const bool stopped = Match(o, market);
    if (o.leaves == 0) return;
    if (stopped) {
      events.push_back({'X', o.id, 0, static_cast<int64_t>(CancelReason::kSelfTrade)});
    } else if (market || r.tif == TimeInForce::kIoc || r.tif == TimeInForce::kFok) {
      events.push_back({'X', o.id, 0, static_cast<int64_t>(CancelReason::kUnfilledIoc)});
    } else {
      LevelsOf(o.side)[o.price].push_back(o);
    }
  }

  void Cancel(uint64_t id) {
    RefOrder* o = Find(id);
    if (o == nullptr) {
      events.push_back({'K', id});
      return;
    }
    Remove(id);
    events.push_back({'X', id, 0, static_cast<int64_t>(CancelReason::kRequested)});
  }

  void Replace(uint64_t id, int64_t price, int64_t leaves) {
    RefOrder* o = Find(id);
    if (o == nullptr || price <= 0 || price % config_.tick != 0 || leaves <= 0 ||
        leaves % config_.lot != 0) {
      events.push_back({'Q', id});
      return;
    }
    if (price == o->price && leaves <= o->leaves) {
      o->leaves = leaves;
      events.push_back({'P', id, 0, price, leaves, 0});
      return;
    }
    RefOrder moved = *o;
    Remove(id);
    moved.price = price;
    moved.leaves = leaves;
    events.push_back({'P', id, 0, price, leaves, 1});
    const bool stopped = Match(moved, false);
    if (moved.leaves == 0) return;
    if (stopped) {
      events.push_back({'X', id, 0, static_cast<int64_t>(CancelReason::kSelfTrade)});
    } else {
      LevelsOf(moved.side)[moved.price].push_back(moved);
    }
  }

  // Every order, bids best (highest) first, then asks best (lowest) first, FIFO.
  std::vector<RefOrder> Orders() const {
    std::vector<RefOrder> out;
    for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
    for (const auto& [price, level] : asks_) out.insert(out.end(), level.begin(), level.end());
    return out;
  }
  // Aggregated levels, best first.
  std::vector<Level> Depth(Side side) const {
    std::vector<Level> out;
    auto add = [&out](int64_t price, const std::deque<RefOrder>& level) {
      Level l;
      l.price = Price::FromRaw(price);
      int64_t q = 0;
      for (const RefOrder& o : level) q += o.leaves;
      l.quantity = Quantity::FromRaw(q);
      l.orders = static_cast<uint32_t>(level.size());
      out.push_back(l);
    };
    if (side == Side::kBuy) {
      for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) add(it->first, it->second);
    } else {
      for (const auto& [price, level] : asks_) add(price, level);
    }
    return out;
  }
  std::vector<uint64_t> LiveIds() const {
    std::vector<uint64_t> ids;
    for (const RefOrder& o : Orders()) ids.push_back(o.id);
    return ids;
  }
  const RefOrder* Get(uint64_t id) { return Find(id); }

 private:
  using Levels = std::map<int64_t, std::deque<RefOrder>>;

  Levels& LevelsOf(Side side) { return side == Side::kBuy ? bids_ : asks_; }

  RefOrder* Find(uint64_t id) {
    for (Levels* levels : {&bids_, &asks_}) {
      for (auto& [price, level] : *levels) {
        for (RefOrder& o : level) {
          if (o.id == id) return &o;
        }
      }
    }
    return nullptr;
  }
  void Remove(uint64_t id) {
    for (Levels* levels : {&bids_, &asks_}) {
      for (auto it = levels->begin(); it != levels->end(); ++it) {
        for (auto o = it->second.begin(); o != it->second.end(); ++o) {
          if (o->id == id) {
            it->second.erase(o);
            if (it->second.empty()) levels->erase(it);
            return;
          }
        }
      }
    }
  }

  // The opposite side's orders that `in` may trade with, in priority order.
  std::vector<RefOrder> Crossable(const RefOrder& in, bool market) {
    std::vector<RefOrder> out;
    if (in.side == Side::kBuy) {
      for (auto& [price, level] : asks_) {
        if (!market && price > in.price) break;
        out.insert(out.end(), level.begin(), level.end());
      }
    } else {
      for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) {
        if (!market && it->first < in.price) break;
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
    return out;
  }

  // What a FOK could fill: own orders are skipped when they would be cancelled
  // (kCancelResting) and end the matching otherwise.
  int64_t Available(const RefOrder& in, bool market) {
    int64_t total = 0;
    for (const RefOrder& o : Crossable(in, market)) {
      if (in.stp != SelfTradePrevention::kNone && o.member == in.member) {
        if (in.stp == SelfTradePrevention::kCancelResting) continue;
        break;
      }
      total += o.leaves;
    }
    return total;
  }

  // Matches `in` in price-time order; true if self-trade prevention stopped it.
  bool Match(RefOrder& in, bool market) {
    Levels& other = LevelsOf(Opposite(in.side));
    while (in.leaves > 0 && !other.empty()) {
      auto level = in.side == Side::kBuy ? other.begin() : std::prev(other.end());
      const int64_t price = level->first;
      if (!market && (in.side == Side::kBuy ? price > in.price : price < in.price)) break;
      RefOrder& rest = level->second.front();
      if (in.stp != SelfTradePrevention::kNone && rest.member == in.member) {
        if (in.stp == SelfTradePrevention::kCancelResting || in.stp == SelfTradePrevention::kCancelBoth) {
          events.push_back({'X', rest.id, 0, static_cast<int64_t>(CancelReason::kSelfTrade)});
          level->second.pop_front();
          if (level->second.empty()) other.erase(level);
        }
        if (in.stp != SelfTradePrevention::kCancelResting) return true;
        continue;
      }
      const int64_t fill = std::min(in.leaves, rest.leaves);
      in.leaves -= fill;
      rest.leaves -= fill;
      events.push_back({'T', in.id, rest.id, price, fill, in.leaves, rest.leaves});
      if (rest.leaves == 0) {
        level->second.pop_front();
        if (level->second.empty()) other.erase(level);
      }
    }
    return false;
  }

  RefConfig config_;
  Levels bids_;
  Levels asks_;
};

// ---- random operation streams ----

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  uint64_t Below(uint64_t n) { return engine_() % n; }
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Percent(int p) { return Below(100) < static_cast<uint64_t>(p); }

 private:
  std::mt19937_64 engine_;
};

struct Scenario {
  RefConfig ref;
  bool stp = false;     // random members 1..3 and STP modes; otherwise STP off
  int64_t mid = 1000;   // in ticks
};

std::string Describe(const Order& o) {
  std::ostringstream s;
  s << (o.side == Side::kBuy ? 'B' : 'S') << "," << o.price.raw() << "," << o.id.value() << ","
    << o.leaves.raw();
  return s.str();
}
std::string Describe(const RefOrder& o) {
  std::ostringstream s;
  s << (o.side == Side::kBuy ? 'B' : 'S') << "," << o.price << "," << o.id << "," << o.leaves;
  return s.str();
}

// Compares the book with the reference; returns a description of the first difference.
std::string CompareBooks(const OrderBook& book, const RefBook& ref) {
  std::vector<std::string> got;
  book.ForEachOrder([&got](const Order& o) { got.push_back(Describe(o)); });
  std::vector<std::string> want;
  for (const RefOrder& o : ref.Orders()) want.push_back(Describe(o));
  if (got != want) {
    std::string s = "orders differ\n book:";
    for (const auto& g : got) s += " " + g;
    s += "\n  ref:";
    for (const auto& w : want) s += " " + w;
    return s;
  }
  if (book.order_count() != want.size()) return "order_count " + std::to_string(book.order_count());
  for (Side side : {Side::kBuy, Side::kSell}) {
    const std::vector<Level> ref_levels = ref.Depth(side);
    Level levels[5];
    const uint32_t n = book.Depth(side, 5, levels);
    if (n != std::min<size_t>(5, ref_levels.size())) return "depth count " + std::to_string(n);
    for (uint32_t i = 0; i < n; ++i) {
      if (levels[i].price != ref_levels[i].price || levels[i].quantity != ref_levels[i].quantity ||
          levels[i].orders != ref_levels[i].orders) {
        return "depth level " + std::to_string(i) + " differs";
      }
    }
    const Bbo bbo = book.bbo();
    const Price best_price = side == Side::kBuy ? bbo.bid_price : bbo.ask_price;
    const Quantity best_qty = side == Side::kBuy ? bbo.bid_quantity : bbo.ask_quantity;
    if (ref_levels.empty()) {
      if (!best_qty.is_zero()) return "bbo should be empty";
    } else if (best_price != ref_levels[0].price || best_qty != ref_levels[0].quantity) {
      return "bbo differs";
    }
  }
  return "";
}

// Runs one seeded stream; returns "" or the first disagreement. Counts the events by kind
// (cancellations by reason) into `tally`.
std::string RunSeed(const Scenario& sc, uint64_t seed, std::map<int, uint64_t>& tally) {
  Random rng(seed * 7919 + (sc.stp ? 1 : 0) + static_cast<uint64_t>(sc.ref.tick) * 13);
  BookConfig config;
  config.tick = Price::FromRaw(sc.ref.tick);
  config.lot = Quantity::FromRaw(sc.ref.lot);
  // A narrow window: prices outside it make the book grow its level storage.
  config.window_low = Price::FromRaw((sc.mid - 10) * sc.ref.tick);
  config.window_high = Price::FromRaw((sc.mid + 10) * sc.ref.tick);
  config.max_orders = 4096;
  config.initial_phase = Phase::kContinuous;
  Recorder recorder;
  NullMarketDataListener md;
  OrderBook book(config, recorder, &md);
  RefBook ref(sc.ref);

  uint64_t next_id = 1;
  std::vector<uint64_t> used_ids;  // accepted at some point (maybe gone now)
  const int64_t tick = sc.ref.tick;
  const int64_t lot = sc.ref.lot;
  auto random_price = [&]() -> int64_t {
    if (rng.Percent(3)) return (sc.mid + rng.Between(-300, 300)) * tick;  // outside the window
    if (rng.Percent(1)) return rng.Between(1, 3) * tick;  // the window's floor at price 0
    return (sc.mid + rng.Between(-6, 6)) * tick;
  };
  auto random_qty = [&](int64_t max_lots) { return rng.Between(1, max_lots) * lot; };
  auto random_live = [&]() -> uint64_t {
    const std::vector<uint64_t> live = ref.LiveIds();
    if (live.empty()) return next_id + 1000;
    return live[rng.Below(live.size())];
  };

  for (int step = 0; step < kStepsPerSeed; ++step) {
    const Timestamp now = step + 1;
    recorder.events.clear();
    ref.events.clear();
    std::ostringstream what;
    const uint64_t r = rng.Below(100);
    if (r < 60) {
      OrderRequest req;
      req.id = OrderId(next_id);
      req.member = MemberId(sc.stp ? static_cast<uint32_t>(rng.Between(1, 3))
                                   : static_cast<uint32_t>(rng.Between(1, 5)));
      req.side = rng.Percent(50) ? Side::kBuy : Side::kSell;
      req.price = Price::FromRaw(random_price());
      req.quantity = Quantity::FromRaw(random_qty(20));
      req.stp = sc.stp ? static_cast<SelfTradePrevention>(rng.Below(4)) : SelfTradePrevention::kNone;
      const uint64_t kind = rng.Below(100);
      if (kind < 55) {
        req.tif = rng.Percent(50) ? TimeInForce::kGtc : TimeInForce::kDay;
      } else if (kind < 70) {
        req.tif = TimeInForce::kIoc;
        req.quantity = Quantity::FromRaw(random_qty(60));
      } else if (kind < 82) {
        req.tif = TimeInForce::kFok;
        req.quantity = Quantity::FromRaw(random_qty(60));
      } else if (kind < 90) {
        req.type = OrderType::kMarket;
        req.tif = TimeInForce::kIoc;
        req.price = Price();
        req.quantity = Quantity::FromRaw(random_qty(60));
      } else {
        // Bad input.
        switch (rng.Below(7)) {
          case 0: req.quantity = Quantity(); break;
          case 1: req.quantity = Quantity::FromRaw(-random_qty(5)); break;
          case 2: req.price = Price(); break;
          case 3: req.price = Price::FromRaw(-random_price()); break;
          case 4:
            if (tick > 1) req.price = Price::FromRaw(req.price.raw() + 1);
            else req.quantity = Quantity();
            break;
          case 5:
            if (lot > 1) req.quantity = Quantity::FromRaw(req.quantity.raw() + 1);
            else req.price = Price::FromRaw(-1);
            break;
          case 6: {
            const std::vector<uint64_t> live = ref.LiveIds();
            if (!live.empty()) req.id = OrderId(live[rng.Below(live.size())]);  // duplicate
            else req.quantity = Quantity();
            break;
          }
        }
      }
      what << "Add id " << req.id.value() << " member " << req.member.value() << " "
           << (req.side == Side::kBuy ? "B" : "S") << " "
           << (req.type == OrderType::kMarket ? "MKT" : "LMT") << " tif "
           << static_cast<int>(req.tif) << " px " << req.price.raw() << " qty "
           << req.quantity.raw() << " stp " << static_cast<int>(req.stp);
      book.Add(req, now);
      ref.Add(req);
      if (req.id.value() == next_id) ++next_id;  // never reuse an id, even a rejected one
    } else if (r < 78) {
      const uint64_t id = rng.Percent(80) ? random_live() : rng.Between(1, static_cast<int64_t>(next_id) + 5);
      what << "Cancel " << id;
      book.Cancel(OrderId(id), now);
      ref.Cancel(id);
    } else {
      uint64_t id = rng.Percent(90) ? random_live() : rng.Between(1, static_cast<int64_t>(next_id) + 5);
      const RefOrder* o = ref.Get(id);
      int64_t price = random_price();
      int64_t leaves = random_qty(20);
      if (o != nullptr) {
        switch (rng.Below(8)) {
          case 0: price = o->price; leaves = o->leaves; break;                        // unchanged
          case 1: price = o->price; leaves = std::max(lot, o->leaves - lot); break;   // reduce
          case 2: price = o->price; leaves = o->leaves + random_qty(5); break;        // increase
          case 3: price = o->price; break;                                            // same price
          case 4: leaves = 0; break;                                                  // bad qty
          case 5: price = rng.Percent(50) ? 0 : -tick; break;                         // bad price
          case 6: if (tick > 1) price += 1; break;                                    // off tick
          default: break;                                                             // anything
        }
      }
      what << "Replace " << id << " px " << price << " leaves " << leaves;
      book.Replace(OrderId(id), Price::FromRaw(price), Quantity::FromRaw(leaves), now);
      ref.Replace(id, price, leaves);
    }

    std::string problem;
    if (!book.CheckInvariants(&problem)) {
      return "seed " + std::to_string(seed) + " step " + std::to_string(step) + " (" + what.str() +
             "): invariants broken: " + problem;
    }
    for (const Event& e : ref.events) {
      ++tally[e.kind == 'X' ? 'X' + 256 * static_cast<int>(e.a) : e.kind];
    }
    if (recorder.events != ref.events) {
      return "seed " + std::to_string(seed) + " step " + std::to_string(step) + " (" + what.str() +
             ")\n book: " + ToString(recorder.events) + "\n  ref: " + ToString(ref.events);
    }
    if (step % 50 == 49 || step + 1 == kStepsPerSeed) {
      const std::string diff = CompareBooks(book, ref);
      if (!diff.empty()) {
        return "seed " + std::to_string(seed) + " step " + std::to_string(step) + " (" + what.str() +
               "): " + diff;
      }
    }
  }
  return "";
}

void RunScenario(const Scenario& sc) {
  const int seeds = SeedCount();
  std::map<int, uint64_t> tally;
  for (int seed = 1; seed <= seeds; ++seed) {
    const std::string problem = RunSeed(sc, static_cast<uint64_t>(seed), tally);
    ASSERT_EQ(problem, "") << "first disagreement";
  }
  // What the streams exercised (so a stream that stopped producing, say, self-trade
  // cancellations would be noticed).
  std::ostringstream summary;
  summary << seeds << " seeds x " << kStepsPerSeed << " ops:";
  for (const auto& [key, count] : tally) {
    if (key < 256) summary << " " << static_cast<char>(key) << "=" << count;
    else summary << " X(reason " << key / 256 << ")=" << count;
  }
  std::printf("%s\n", summary.str().c_str());
  EXPECT_GT(tally['T'], 0u);
  EXPECT_GT(tally['J'], 0u);
  EXPECT_GT(tally['Q'], 0u);
  EXPECT_GT(tally['K'], 0u);
  EXPECT_GT(tally['X' + 256 * static_cast<int>(CancelReason::kUnfilledFok)], 0u);
  EXPECT_GT(tally['X' + 256 * static_cast<int>(CancelReason::kUnfilledIoc)], 0u);
  if (sc.stp) {
    EXPECT_GT(tally['X' + 256 * static_cast<int>(CancelReason::kSelfTrade)], 0u);
  }
}

TEST(MatchingDifferentialTest, PriceTimeIocFokMarketReplaceCancelAndBadInput) {
  RunScenario(Scenario{RefConfig{1, 1}, false, 1000});
}

TEST(MatchingDifferentialTest, TickAndLotSizes) {
  RunScenario(Scenario{RefConfig{5, 10}, false, 800});
}

TEST(MatchingDifferentialTest, MembersAndSelfTradePrevention) {
  RunScenario(Scenario{RefConfig{1, 1}, true, 1000});
}

TEST(MatchingDifferentialTest, SelfTradePreventionWithTickAndLot) {
  RunScenario(Scenario{RefConfig{5, 10}, true, 800});
}

}  // namespace
}  // namespace dazong::matching
