// Seeded workload model for the matching benchmarks (dazong-workload-gen, matching_bench and
// the zero-allocation test). Header-only, no dependency on the engine under test: the
// generator tracks the book with its own deliberately simple model so that a bug in the
// engine cannot change the workload.
//
// Steady-state workload (`--mix 45/45/10[/R]`, percentages of add / cancel / aggressive /
// replace, summing to 100):
//   * Prices are integer ticks (tick 1, lot 1). A mid price starts at 100000 and does a
//     reflected random walk: before each operation, with probability 1/8 it moves one tick
//     up or down (equally likely), staying within ±kMidRange ticks of the start.
//   * Warm-up: exactly `resting` passive adds (the first `resting` lines), so the book holds
//     N orders before the measured part starts.
//   * Then `ops` operations. Each draws its type with the mix's probabilities:
//     - passive add (GTC limit): side 50/50; price = mid ∓ (1 + d) with d = min of two
//       uniform draws in [0, kDepthTicks) (so levels near the mid are denser), clamped so it
//       never crosses the opposite best; quantity uniform in [1, 100].
//     - cancel: a uniformly random live order.
//     - aggressive IOC: side 50/50; limit = opposite best ± u, u uniform in [0, 2] (so it
//       may sweep up to three levels); quantity uniform in [1, 40] (resting orders average
//       50, so an IOC fully fills about 0.4 resting orders on average and the realized mix
//       stays near the nominal one). With an empty opposite side it is priced at the mid and
//       simply does not trade.
//     - replace (only when the mix has a 4th share): a random live order; half the time
//       the same price with a smaller quantity (keeps priority), otherwise a new passive
//       price and a quantity uniform in [1, 100] (loses priority, never crosses).
//   * Holding N: IOC fills remove orders, so a drawn cancel becomes an add while the book
//     holds fewer than N - N/100 orders, and a drawn add becomes a cancel above N + N/100.
//     The realized counts are reported (WorkloadStats): about 47/43/10 for 45/45/10.
//   * Ids are 1, 2, 3, ... in order of the adds and IOCs; every op is valid for a correct
//     engine (no rejects are expected; a replay that reports rejects has found a bug).
//
// Adds-only workload (`--mix adds`, for the depth-events benchmark): `ops` GTC limit adds,
// alternating buy and sell, over a narrow band around a fixed mid: bids at mid - 1 - u, asks
// at mid + 1 + u, u uniform in [0, band) (default 10), quantity uniform in [1, 100]. Nothing
// crosses, so every add rests (and nearly every add changes one of the top levels).
//
// Randomness: splitmix64 seeding a xoshiro256** generator, with bounded draws by
// multiply-shift, so the same seed gives the same file on every platform and library.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace dazong::bench {

// A deterministic, portable pseudo-random generator (xoshiro256**).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) for n > 0 (multiply-shift; the bias is negligible for small n).
  uint64_t Below(uint64_t n) {
    __extension__ typedef unsigned __int128 U128;
    return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

enum class OpKind : uint8_t { kAdd, kMarket, kCancel, kReplace };
enum class OpTif : uint8_t { kGtc, kIoc, kFok };

// One replay operation (the replay format's fields; unused fields are zero).
struct Op {
  OpKind kind = OpKind::kAdd;
  bool buy = true;
  OpTif tif = OpTif::kGtc;
  uint64_t id = 0;
  int64_t price = 0;
  int64_t qty = 0;
};

// Mix of the steady-state workload in percent; adds_only selects the adds-only workload.
struct Mix {
  int add = 45;
  int cancel = 45;
  int aggressive = 10;
  int replace = 0;
  bool adds_only = false;
};

// Parses "adds" or "A/C/I" or "A/C/I/R" (percentages summing to 100). False if malformed.
inline bool ParseMix(const std::string& text, Mix* mix) {
  if (text == "adds") {
    *mix = Mix{};
    mix->adds_only = true;
    return true;
  }
  int v[4] = {0, 0, 0, 0};
  int n = 0;
  size_t i = 0;
  while (i <= text.size() && n < 4) {
    size_t j = i;
    int value = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9' && j - i < 3) {
      value = value * 10 + (text[j] - '0');
      ++j;
    }
    if (j == i) return false;
    v[n++] = value;
    if (j == text.size()) break;
    if (text[j] != '/') return false;
    i = j + 1;
  }
  if (n < 3 || v[0] + v[1] + v[2] + v[3] != 100) return false;
  *mix = Mix{v[0], v[1], v[2], v[3], false};
  return true;
}

struct WorkloadParams {
  uint64_t seed = 1;
  uint64_t ops = 1000000;  // measured operations after the warm-up
  uint32_t resting = 5000;  // N: warm-up size and the book size held
  Mix mix;
  int64_t band = 10;  // adds-only: half-width of the band in ticks
};

struct WorkloadStats {
  uint64_t warmup_ops = 0;  // the first warmup_ops ops are the warm-up
  uint64_t adds = 0, cancels = 0, aggressive = 0, replaces = 0;  // after the warm-up
  uint64_t min_resting = 0, max_resting = 0;                     // after the warm-up
  int64_t min_price = 0, max_price = 0;
};

namespace internal {

// The generator's model of the book: price levels of FIFO queues with lazily removed
// entries, live orders in a vector for uniform random picks. Slow and simple on purpose.
class ModelBook {
 public:
  struct Live {
    bool buy;
    int64_t price;
    int64_t qty;
    size_t pos;     // index in live_ids_
    uint64_t seq;   // matches the FIFO entry that is current
  };

  size_t size() const { return live_ids_.size(); }
  bool Empty(bool buy) const { return buy ? bids_.empty() : asks_.empty(); }
  int64_t Best(bool buy) const { return buy ? bids_.rbegin()->first : asks_.begin()->first; }
  uint64_t RandomLive(Rng& rng) const { return live_ids_[rng.Below(live_ids_.size())]; }
  const Live& Get(uint64_t id) const { return live_.at(id); }

  void Rest(uint64_t id, bool buy, int64_t price, int64_t qty) {
    Level& level = (buy ? bids_ : asks_)[price];
    level.fifo.push_back(Entry{id, ++seq_});
    ++level.live;
    live_[id] = Live{buy, price, qty, live_ids_.size(), seq_};
    live_ids_.push_back(id);
  }
  void Remove(uint64_t id) {
    auto it = live_.find(id);
    auto& side = it->second.buy ? bids_ : asks_;
    auto level = side.find(it->second.price);
    if (--level->second.live == 0) side.erase(level);
    const size_t pos = it->second.pos;
    live_ids_[pos] = live_ids_.back();
    live_[live_ids_[pos]].pos = pos;
    live_ids_.pop_back();
    live_.erase(it);
  }
  // Same price, quantity not increased: priority kept.
  void Reduce(uint64_t id, int64_t qty) { live_[id].qty = qty; }
  // An IOC: trades against the opposite side up to `limit`.
  void Aggress(bool buy, int64_t limit, int64_t qty) {
    auto& side = buy ? asks_ : bids_;
    while (qty > 0 && !side.empty()) {
      auto level = buy ? side.begin() : std::prev(side.end());
      if (buy ? level->first > limit : level->first < limit) break;
      std::deque<Entry>& fifo = level->second.fifo;
      while (qty > 0) {
        const uint64_t id = fifo.front().id;
        auto it = live_.find(id);
        if (it == live_.end() || it->second.seq != fifo.front().seq) {
          fifo.pop_front();  // cancelled, or re-entered elsewhere by a replace
          continue;
        }
        const int64_t fill = qty < it->second.qty ? qty : it->second.qty;
        qty -= fill;
        it->second.qty -= fill;
        if (it->second.qty == 0) {
          fifo.pop_front();
          const bool last = level->second.live == 1;
          Remove(id);  // erases the level when it was its last order
          if (last) break;
        }
      }
    }
  }

 private:
  struct Entry {
    uint64_t id;
    uint64_t seq;
  };
  struct Level {
    std::deque<Entry> fifo;
    uint32_t live = 0;
  };
  uint64_t seq_ = 0;
  std::map<int64_t, Level> bids_;
  std::map<int64_t, Level> asks_;
  std::unordered_map<uint64_t, Live> live_;
  std::vector<uint64_t> live_ids_;
};

}  // namespace internal

inline constexpr int64_t kStartMid = 100000;
inline constexpr int64_t kMidRange = 2000;
inline constexpr int64_t kDepthTicks = 50;

// Generates the workload described at the top of this file.
inline std::vector<Op> GenerateWorkload(const WorkloadParams& p, WorkloadStats* stats) {
  Rng rng(p.seed);
  std::vector<Op> ops;
  WorkloadStats st;
  st.min_price = st.max_price = kStartMid;
  auto note_price = [&st](int64_t price) {
    if (price < st.min_price) st.min_price = price;
    if (price > st.max_price) st.max_price = price;
  };
  uint64_t next_id = 1;

  if (p.mix.adds_only) {
    ops.reserve(p.ops);
    for (uint64_t i = 0; i < p.ops; ++i) {
      const bool buy = i % 2 == 0;
      const int64_t u = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(p.band)));
      Op op{OpKind::kAdd, buy, OpTif::kGtc, next_id++, buy ? kStartMid - 1 - u : kStartMid + 1 + u,
            rng.Between(1, 100)};
      note_price(op.price);
      ops.push_back(op);
      ++st.adds;
    }
    st.min_resting = 0;
    st.max_resting = p.ops;
    if (stats != nullptr) *stats = st;
    return ops;
  }

  ops.reserve(p.resting + p.ops);
  internal::ModelBook book;
  int64_t mid = kStartMid;
  auto passive_price = [&](bool buy) {
    const int64_t a = static_cast<int64_t>(rng.Below(kDepthTicks));
    const int64_t b = static_cast<int64_t>(rng.Below(kDepthTicks));
    const int64_t d = a < b ? a : b;
    int64_t price = buy ? mid - 1 - d : mid + 1 + d;
    if (buy && !book.Empty(false) && price >= book.Best(false)) price = book.Best(false) - 1;
    if (!buy && !book.Empty(true) && price <= book.Best(true)) price = book.Best(true) + 1;
    return price;
  };
  auto add = [&]() {
    const bool buy = rng.Below(2) == 0;
    Op op{OpKind::kAdd, buy, OpTif::kGtc, next_id++, passive_price(buy), rng.Between(1, 100)};
    book.Rest(op.id, op.buy, op.price, op.qty);
    note_price(op.price);
    ops.push_back(op);
  };

  for (uint32_t i = 0; i < p.resting; ++i) add();
  st.warmup_ops = ops.size();
  st.min_resting = st.max_resting = book.size();

  const uint64_t low = p.resting - p.resting / 100;
  const uint64_t high = p.resting + p.resting / 100;
  for (uint64_t i = 0; i < p.ops; ++i) {
    if (rng.Below(8) == 0) {
      const int64_t step = rng.Below(2) == 0 ? -1 : 1;
      mid = (mid + step > kStartMid + kMidRange || mid + step < kStartMid - kMidRange) ? mid - step
                                                                                        : mid + step;
    }
    const int64_t draw = static_cast<int64_t>(rng.Below(100));
    enum { kA, kC, kI, kR } kind = draw < p.mix.add                                      ? kA
                                   : draw < p.mix.add + p.mix.cancel                     ? kC
                                   : draw < p.mix.add + p.mix.cancel + p.mix.aggressive ? kI
                                                                                        : kR;
    if (kind == kC && book.size() < low) kind = kA;
    if (kind == kA && book.size() > high) kind = kC;
    if ((kind == kC || kind == kR) && book.size() == 0) kind = kA;
    switch (kind) {
      case kA:
        add();
        ++st.adds;
        break;
      case kC: {
        const uint64_t id = book.RandomLive(rng);
        book.Remove(id);
        ops.push_back(Op{OpKind::kCancel, true, OpTif::kGtc, id, 0, 0});
        ++st.cancels;
        break;
      }
      case kI: {
        const bool buy = rng.Below(2) == 0;
        const int64_t u = rng.Between(0, 2);
        int64_t limit = mid;
        if (!book.Empty(!buy)) limit = buy ? book.Best(false) + u : book.Best(true) - u;
        if (limit < 1) limit = 1;
        const Op op{OpKind::kAdd, buy, OpTif::kIoc, next_id++, limit, rng.Between(1, 40)};
        book.Aggress(buy, op.price, op.qty);
        note_price(op.price);
        ops.push_back(op);
        ++st.aggressive;
        break;
      }
      case kR: {
        const uint64_t id = book.RandomLive(rng);
        const internal::ModelBook::Live live = book.Get(id);
        Op op{OpKind::kReplace, live.buy, OpTif::kGtc, id, live.price, 0};
        if (live.qty > 1 && rng.Below(2) == 0) {
          op.qty = rng.Between(1, live.qty - 1);
          book.Reduce(id, op.qty);
        } else {
          op.price = passive_price(live.buy);
          op.qty = rng.Between(1, 100);
          if (op.price == live.price && op.qty <= live.qty) {
            book.Reduce(id, op.qty);  // keeps priority in the engine too
          } else {
            book.Remove(id);
            book.Rest(id, live.buy, op.price, op.qty);
          }
        }
        note_price(op.price);
        ops.push_back(op);
        ++st.replaces;
        break;
      }
    }
    if (book.size() < st.min_resting) st.min_resting = book.size();
    if (book.size() > st.max_resting) st.max_resting = book.size();
  }
  if (stats != nullptr) *stats = st;
  return ops;
}

// Writes `op` as one replay-format line (with the newline) into `out`; returns its length.
inline int FormatOp(const Op& op, char* out, size_t size) {
  const char side = op.buy ? 'B' : 'S';
  const unsigned long long id = op.id;
  const long long price = op.price;
  const long long qty = op.qty;
  switch (op.kind) {
    case OpKind::kAdd: {
      const char* tif = op.tif == OpTif::kGtc ? "GTC" : op.tif == OpTif::kIoc ? "IOC" : "FOK";
      return std::snprintf(out, size, "A,%llu,%c,%lld,%lld,%s\n", id, side, price, qty, tif);
    }
    case OpKind::kMarket:
      return std::snprintf(out, size, "M,%llu,%c,%lld\n", id, side, qty);
    case OpKind::kCancel:
      return std::snprintf(out, size, "C,%llu\n", id);
    case OpKind::kReplace:
      return std::snprintf(out, size, "R,%llu,%lld,%lld\n", id, price, qty);
  }
  return 0;
}

}  // namespace dazong::bench
