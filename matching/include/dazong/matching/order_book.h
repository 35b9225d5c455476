// OrderBook: one instrument's order book and matching engine.
//
// Pure and deterministic: no I/O, no clock reads, no threads, no exceptions. Every command
// takes the sequencer's time stamp `now`; the same commands with the same stamps always give
// the same listener calls. Continuous matching is by price-time priority and a trade prints at
// the resting order's price; call phases collect orders and uncross at the price that
// maximizes executed volume (see Uncross()).
//
// Performance design (CppTrader-like): orders live in a pool pre-sized to
// `config.max_orders` and are linked into per-price FIFO levels (intrusive, doubly linked,
// O(1) cancel); levels are a flat array indexed by ticks from the window's low price, with a
// two-level bitmap to find the next non-empty level; order ids map to pool slots through a
// pre-sized open-addressing table. Nothing allocates per order once constructed (the level
// window grows only when a price outside it arrives; pre-size it from the price band).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dazong/common/reject_reason.h"
#include "dazong/matching/listeners.h"
#include "dazong/matching/types.h"

namespace dazong::matching {

struct BookConfig {
  Price tick = Price::FromRaw(1);        // every price a multiple of it
  Quantity lot = Quantity::FromRaw(1);   // every quantity a multiple of it
  // Static price band (limit down / limit up). Orders priced outside are rejected with
  // kPriceOutsideBand; market orders never trade outside it. Zero: no band.
  Price band_low;
  Price band_high;
  // Prices for which level storage is allocated up front ([low, high], in price units). When
  // zero, the band is used; a price outside grows the window (an allocation, off the hot path).
  Price window_low;
  Price window_high;
  uint32_t max_orders = 1 << 16;  // resting orders the pool holds; beyond: kBookFull
  uint32_t depth_levels = 0;      // OnDepth for the top N levels; 0: no depth events
  // Volatility interruption: a continuous trade more than `volatility_bps` away from the
  // dynamic reference price starts a volatility auction of `volatility_auction_ns`. The
  // dynamic reference is the last trade price, refreshed at most every
  // `volatility_window_ns` (0: refreshed by every trade). 0 bps: off.
  int64_t volatility_bps = 0;
  int64_t volatility_window_ns = 0;
  int64_t volatility_auction_ns = 0;
  Price reference_price;          // the static reference: start of the dynamic reference
  Phase initial_phase = Phase::kContinuous;
};

// Which orders MassCancel() removes.
struct MassCancelFilter {
  MemberId member;          // invalid (0): every member
  bool any_side = true;
  Side side = Side::kBuy;   // when !any_side
};

class OrderBook {
 public:
  OrderBook(const BookConfig& config, OrderListener& orders, MarketDataListener* market_data);
  ~OrderBook();
  OrderBook(const OrderBook&) = delete;
  OrderBook& operator=(const OrderBook&) = delete;

  // Checks a request against the book's rules and phase without changing anything: kNone
  // when Add() would accept it. The exchange calls it before reserving funds or receipts.
  RejectReason Check(const OrderRequest& request, Timestamp now) const;

  // Checks a cancel-replace without changing anything: kNone when Replace() would apply it.
  RejectReason CheckReplace(OrderId id, Price price, Quantity leaves) const;

  // Enters an order: OnRejected, or OnAccepted then any trades, then (IOC/FOK/market
  // remainder) OnCancelled, or the order rests.
  void Add(const OrderRequest& request, Timestamp now);
  // Cancels an open order: OnCancelled(kRequested) or OnCancelRejected(kUnknownOrderId).
  void Cancel(OrderId id, Timestamp now);
  // Cancel-replace to `price` with `leaves` open quantity. Same price and leaves not above
  // the current open quantity keeps time priority (an unchanged order is a no-op that is
  // still reported); anything else loses it and the order re-enters (and may trade at once).
  // A bad price or leaves <= 0 is rejected and changes nothing.
  void Replace(OrderId id, Price price, Quantity leaves, Timestamp now);
  // Cancels every open order the filter selects (OnCancelled(kMassCancel) for each, in
  // price-time order, bids first). Returns how many.
  uint32_t MassCancel(const MassCancelFilter& filter, Timestamp now);

  // Operator and schedule: moves to `phase`. Leaving an auction phase for continuous trading
  // uncrosses the book; entering kClosed expires DAY orders; kHalted remembers the phase to
  // resume. Returns kNotAllowedInPhase for transitions that make no sense (e.g. Resume when
  // not halted).
  RejectReason SetPhase(Phase phase, Timestamp now);
  RejectReason Halt(Timestamp now);
  RejectReason Resume(Timestamp now);
  // Cache hints for a caller that sees commands before it applies them (the sequencer's
  // group, the replay tool's stream). Neither changes anything nor reads beyond the table:
  // PrefetchId brings the id-table entry of `id` towards the cache; PrefetchOrder, issued
  // after PrefetchId had time to land, brings the resting order and its links. Order-entry
  // latency of a cancel or replace is mostly these two cache misses.
  void PrefetchId(OrderId id) const { __builtin_prefetch(&ids_[IdHome(id)]); }
  void PrefetchOrder(OrderId id) const;

  // Applies time-driven changes due at `now`: GTD expiries and the end of a volatility
  // auction. Every command calls it first; call it alone for a timer tick.
  void AdvanceTime(Timestamp now);

  // Queries.
  Phase phase() const { return phase_; }
  const Order* Find(OrderId id) const;
  Bbo bbo() const;
  uint32_t order_count() const { return live_orders_; }
  // Fills `out` with up to `n` aggregated levels of `side`, best first; returns the count.
  uint32_t Depth(Side side, uint32_t n, Level* out) const;
  // Visits open orders: bids best first, then asks best first, FIFO within a level.
  void ForEachOrder(const std::function<void(const Order&)>& visit) const;
  // The indicative uncrossing price and volume for the book as it stands (volume 0: no cross).
  struct Indication {
    Price price;
    Quantity volume;
    Quantity imbalance;
    Side imbalance_side = Side::kBuy;
  };
  Indication Indicative() const;
  Price last_trade_price() const;
  // Bytes of memory the book holds (pool, id table, levels, bitmaps).
  size_t memory_bytes() const;
  // Checks internal consistency (levels total their orders, bitmaps match levels, not crossed
  // in continuous trading, leaves ≤ quantity); returns false and a description if broken.
  bool CheckInvariants(std::string* problem) const;

  // Pool slot: the order. Its links in its level's FIFO are kept apart (links_), so that
  // unlinking touches 8-byte neighbours rather than whole 64-byte nodes.
  struct Node {
    Order order;
  };
  struct Link {
    uint32_t prev;
    uint32_t next;
  };
  struct LevelSlot {
    uint32_t head;
    uint32_t tail;
    uint32_t orders;
    int64_t quantity;
  };
  // One side's levels over the price window, with a two-level occupancy bitmap.
  struct SideLevels {
    std::vector<LevelSlot> levels;
    std::vector<uint64_t> bits;     // bit i: levels[i] non-empty
    std::vector<uint64_t> summary;  // bit w: bits[w] != 0
    int64_t best = -1;              // index of the best non-empty level, -1 if none
  };

 private:
  static constexpr uint32_t kNil = 0xffffffffu;

  // Order id -> pool slot (open addressing, linear probing, backward-shift deletion).
  uint32_t* LookupSlot(OrderId id);
  const uint32_t* LookupSlot(OrderId id) const;
  void InsertId(OrderId id, uint32_t slot);
  void EraseId(OrderId id);
  void EraseIdAt(size_t entry);  // backward-shift deletion of the entry at `entry`
  // The id-table entry holding `id`, or kNoEntry.
  static constexpr size_t kNoEntry = ~size_t{0};
  size_t FindEntry(OrderId id) const;
  size_t IdHome(OrderId id) const { return static_cast<size_t>(id.value()) & id_mask_; }

  RejectReason CheckPrice(Price price) const;
  RejectReason CheckReplaceOf(const Node& node, Price price, Quantity leaves) const;
  bool InWindow(int64_t price_ticks) const {
    const int64_t index = price_ticks - base_ticks_;
    return index >= 0 && index < static_cast<int64_t>(bids_.levels.size());
  }
  bool WindowCanHold(int64_t price_ticks) const { return InWindow(price_ticks) || WindowCanGrowTo(price_ticks); }
  bool WindowCanGrowTo(int64_t price_ticks) const;
  bool EnsureWindow(int64_t price_ticks) { return InWindow(price_ticks) || GrowWindow(price_ticks); }
  bool GrowWindow(int64_t price_ticks);  // off the hot path
  // Prices in ticks; the division is skipped for a tick of 1 (replays, benchmarks).
  int64_t Ticks(int64_t price) const { return tick_is_one_ ? price : price / config_.tick.raw(); }
  bool OnTick(int64_t price) const { return tick_is_one_ || price % config_.tick.raw() == 0; }
  bool WholeLots(int64_t quantity) const { return lot_is_one_ || quantity % config_.lot.raw() == 0; }
  int64_t IndexOf(Price price) const { return Ticks(price.raw()) - base_ticks_; }
  Price PriceAt(int64_t index) const { return Price::FromRaw((index + base_ticks_) * config_.tick.raw()); }
  SideLevels& LevelsOf(Side side) { return side == Side::kBuy ? bids_ : asks_; }
  const SideLevels& LevelsOf(Side side) const { return side == Side::kBuy ? bids_ : asks_; }
  static void SetBit(SideLevels& s, int64_t index);
  static void ClearBit(SideLevels& s, int64_t index);
  static int64_t NextBelow(const SideLevels& s, int64_t index);  // highest set < index
  static int64_t NextAbove(const SideLevels& s, int64_t index);  // lowest set > index
  int64_t NextWorse(Side side, int64_t index) const;
  bool Better(Side side, int64_t a, int64_t b) const { return side == Side::kBuy ? a > b : a < b; }

  uint32_t AllocNode();
  void FreeNode(uint32_t slot);
  void LinkBack(uint32_t slot);
  void Unlink(uint32_t slot);
  // Unlink + id erase + free. The freed node keeps its order until the next Rest() reuses it
  // (FreeNode only threads the link), so callers may report pool_[slot].order afterwards.
  void RemoveResting(uint32_t slot);
  void RemoveResting(uint32_t slot, size_t id_entry);  // id_entry: the order's id-table entry

  // Why matching an incoming order stopped before its limit.
  enum class MatchStop : uint8_t { kNone, kVolatility, kSelfTrade };
  MatchStop Match(Order& incoming, Price limit, bool unlimited, Timestamp now);
  Quantity AvailableFor(const Order& incoming, Price limit, bool unlimited) const;
  void FinishIncoming(Order& incoming, MatchStop stop, Timestamp now);
  void Rest(const Order& order);
  bool VolatilityBreach(Price price, Timestamp now) const;
  void RecordTrade(Price price, Timestamp now);
  void EnterPhase(Phase phase);
  void Uncross(Timestamp now);
  void ExpireDay();
  void ExpireDue(Timestamp now);
  // Market-data hooks; the checks are inline so a book without market data pays no call.
  void LevelChanged(Side side, int64_t index, bool removed) {
    if (market_data_ != nullptr && config_.depth_levels != 0) PublishLevel(side, index, removed);
  }
  void PublishLevel(Side side, int64_t index, bool removed);
  void AfterCommand() {
    if (market_data_ != nullptr) PublishAfterCommand();
  }
  void PublishAfterCommand();
  uint32_t RankOf(Side side, int64_t index, uint32_t limit) const;

  BookConfig config_;
  OrderListener& orders_;
  MarketDataListener* market_data_;
  Phase phase_ = Phase::kContinuous;
  Phase halted_from_ = Phase::kContinuous;
  bool tick_is_one_ = false;
  bool lot_is_one_ = false;
  uint32_t live_orders_ = 0;

  std::vector<Node> pool_;
  std::vector<Link> links_;  // parallel to pool_; next doubles as the free list
  uint32_t free_head_ = kNil;
  struct IdEntry {
    uint64_t key;   // order id; 0: empty
    uint32_t slot;  // pool slot
  };
  std::vector<IdEntry> ids_;
  size_t id_mask_ = 0;
  size_t id_max_probe_ = 0;  // no entry is further than this from its home

  int64_t base_ticks_ = 0;  // price (in ticks) of level index 0
  SideLevels bids_;
  SideLevels asks_;

  // GTD expiries: a min-heap of (expire time, order id), pre-sized.
  std::vector<std::pair<Timestamp, OrderId>> expiries_;
  Timestamp vi_end_ = 0;
  Price dynamic_reference_;
  Timestamp dynamic_reference_time_ = 0;
  Price last_trade_;
  Bbo last_bbo_;
  Indication last_indication_;
  std::vector<uint32_t> depth_scratch_;
};

}  // namespace dazong::matching
