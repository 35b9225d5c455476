#include "dazong/matching/order_book.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace dazong::matching {
namespace {

// The widest price window the book will allocate, in ticks (two sides × 24 bytes a level).
constexpr int64_t kMaxWindowLevels = int64_t{1} << 24;


}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction and storage.

OrderBook::OrderBook(const BookConfig& config, OrderListener& orders, MarketDataListener* market_data)
    : config_(config), orders_(orders), market_data_(market_data), phase_(config.initial_phase) {
  if (config_.tick.raw() <= 0) config_.tick = Price::FromRaw(1);
  if (config_.lot.raw() <= 0) config_.lot = Quantity::FromRaw(1);
  if (config_.max_orders == 0) config_.max_orders = 1;
  tick_is_one_ = config_.tick.raw() == 1;
  lot_is_one_ = config_.lot.raw() == 1;
  pool_.resize(config_.max_orders);
  links_.resize(config_.max_orders);
  for (uint32_t i = 0; i < config_.max_orders; ++i) links_[i].next = i + 1 < config_.max_orders ? i + 1 : kNil;
  free_head_ = 0;

  size_t table = 16;
  while (table < static_cast<size_t>(config_.max_orders) * 2) table <<= 1;
  ids_.assign(table, IdEntry{0, kNil});
  id_mask_ = table - 1;

  Price low = config_.window_low.is_positive() ? config_.window_low : config_.band_low;
  Price high = config_.window_high.is_positive() ? config_.window_high : config_.band_high;
  if (!low.is_positive() || high < low) {
    const int64_t ref = config_.reference_price.is_positive() ? config_.reference_price.raw() : 1;
    low = Price::FromRaw(std::max<int64_t>(config_.tick.raw(), ref / 2));
    high = Price::FromRaw(ref + ref / 2 + config_.tick.raw());
  }
  base_ticks_ = low.raw() / config_.tick.raw();
  EnsureWindow(high.raw() / config_.tick.raw());

  expiries_.reserve(config_.max_orders);
  depth_scratch_.reserve(64);
  dynamic_reference_ = config_.reference_price;
  last_trade_ = Price();
}

OrderBook::~OrderBook() = default;

// The id table maps an order id to its pool slot. Ids come from the sequencer in increasing
// order, so the identity (low bits) is the best hash: consecutive ids land in consecutive
// entries, an id's entry is usually at its home, and the previous holder of that home (an id
// one table size older) has almost always closed. Not always: with many long-lived orders,
// ids that wrap around the table pile up behind the survivors (docs/benchmarks.md measures
// one >10 µs lookup in 5M at 50k resting, and the cost of hashing instead). Linear probing with backward-shift deletion
// keeps no tombstones; because no entry is ever more than `id_max_probe_` from its home,
// lookups and deletions stop after that many steps instead of running to the next empty
// entry (which, with dense consecutive ids, could be far).
void OrderBook::PrefetchOrder(OrderId id) const {
  const IdEntry& home = ids_[IdHome(id)];
  if (home.key != id.value()) return;  // displaced or absent: not worth a probe
  __builtin_prefetch(&pool_[home.slot]);
  __builtin_prefetch(&links_[home.slot]);
}

size_t OrderBook::FindEntry(OrderId id) const {
  size_t i = IdHome(id);
  for (size_t probe = 0; probe <= id_max_probe_; ++probe, i = (i + 1) & id_mask_) {
    if (ids_[i].key == id.value()) return i;
    if (ids_[i].key == 0) return kNoEntry;
  }
  return kNoEntry;
}

uint32_t* OrderBook::LookupSlot(OrderId id) {
  const size_t entry = FindEntry(id);
  return entry == kNoEntry ? nullptr : &ids_[entry].slot;
}

const uint32_t* OrderBook::LookupSlot(OrderId id) const {
  return const_cast<OrderBook*>(this)->LookupSlot(id);
}

void OrderBook::InsertId(OrderId id, uint32_t slot) {
  size_t i = IdHome(id);
  size_t probe = 0;
  while (ids_[i].key != 0) {
    i = (i + 1) & id_mask_;
    ++probe;
  }
  ids_[i] = IdEntry{id.value(), slot};
  id_max_probe_ = std::max(id_max_probe_, probe);
}

void OrderBook::EraseId(OrderId id) {
  size_t hole = IdHome(id);
  size_t probe = 0;
  while (ids_[hole].key != id.value()) {
    if (ids_[hole].key == 0 || probe++ >= id_max_probe_) return;
    hole = (hole + 1) & id_mask_;
  }
  EraseIdAt(hole);
}

void OrderBook::EraseIdAt(size_t hole) {
  // Backward shift: an entry j may fill the hole if its home is at or before the hole. Only
  // entries within id_max_probe_ of the hole can have such a home.
  size_t j = hole;
  for (size_t distance = 1; distance <= id_max_probe_; ++distance) {
    j = (j + 1) & id_mask_;
    if (ids_[j].key == 0) break;
    const size_t displacement = (j - (static_cast<size_t>(ids_[j].key) & id_mask_)) & id_mask_;
    if (displacement >= distance) {
      ids_[hole] = ids_[j];
      hole = j;
      distance = 0;
    }
  }
  ids_[hole] = IdEntry{0, kNil};
}

bool OrderBook::WindowCanGrowTo(int64_t price_ticks) const {
  const int64_t size = static_cast<int64_t>(bids_.levels.size());
  const int64_t low = std::min(price_ticks, base_ticks_);
  const int64_t high = std::max(price_ticks, base_ticks_ + size);
  return high - low <= kMaxWindowLevels / 2;
}

bool OrderBook::GrowWindow(int64_t price_ticks) {
  const int64_t size = static_cast<int64_t>(bids_.levels.size());
  int64_t index = price_ticks - base_ticks_;
  if (index >= 0 && index < size) return true;
  // Grow (off the hot path): to at least twice the old size, covering the new price.
  int64_t new_base = base_ticks_;
  int64_t new_end = base_ticks_ + size;  // exclusive
  if (index < 0) new_base = std::min(price_ticks, base_ticks_ - std::max<int64_t>(size, 64));
  if (index >= size) new_end = std::max(price_ticks + 1, base_ticks_ + std::max<int64_t>(2 * size, 64));
  if (new_base < 0) new_base = 0;
  int64_t new_size = new_end - new_base;
  new_size = (new_size + 4095) / 4096 * 4096;
  if (new_size > kMaxWindowLevels) return false;
  const int64_t shift = base_ticks_ - new_base;
  for (SideLevels* s : {&bids_, &asks_}) {
    std::vector<LevelSlot> levels(static_cast<size_t>(new_size), LevelSlot{kNil, kNil, 0, 0});
    for (int64_t i = 0; i < static_cast<int64_t>(s->levels.size()); ++i) {
      levels[static_cast<size_t>(i + shift)] = s->levels[static_cast<size_t>(i)];
    }
    s->levels.swap(levels);
    s->bits.assign(static_cast<size_t>(new_size / 64), 0);
    s->summary.assign(static_cast<size_t>((new_size / 64 + 63) / 64), 0);
    for (int64_t i = 0; i < new_size; ++i) {
      if (s->levels[static_cast<size_t>(i)].orders > 0) SetBit(*s, i);
    }
    if (s->best >= 0) s->best += shift;
  }
  base_ticks_ = new_base;
  return true;
}

void OrderBook::SetBit(SideLevels& s, int64_t index) {
  const size_t w = static_cast<size_t>(index) >> 6;
  s.bits[w] |= uint64_t{1} << (index & 63);
  s.summary[w >> 6] |= uint64_t{1} << (w & 63);
}

void OrderBook::ClearBit(SideLevels& s, int64_t index) {
  const size_t w = static_cast<size_t>(index) >> 6;
  s.bits[w] &= ~(uint64_t{1} << (index & 63));
  if (s.bits[w] == 0) s.summary[w >> 6] &= ~(uint64_t{1} << (w & 63));
}

int64_t OrderBook::NextBelow(const SideLevels& s, int64_t index) {
  if (index <= 0) return -1;
  int64_t i = index - 1;
  size_t w = static_cast<size_t>(i) >> 6;
  uint64_t bits = s.bits[w] & (~uint64_t{0} >> (63 - (i & 63)));
  if (bits != 0) return static_cast<int64_t>(w * 64 + 63 - std::countl_zero(bits));
  // Search the summary for a lower non-empty word.
  if (w == 0) return -1;
  size_t sw = (w - 1) >> 6;
  uint64_t summary = s.summary[sw] & (~uint64_t{0} >> (63 - ((w - 1) & 63)));
  for (;;) {
    if (summary != 0) {
      const size_t word = sw * 64 + 63 - static_cast<size_t>(std::countl_zero(summary));
      return static_cast<int64_t>(word * 64 + 63 - static_cast<size_t>(std::countl_zero(s.bits[word])));
    }
    if (sw == 0) return -1;
    summary = s.summary[--sw];
  }
}

int64_t OrderBook::NextAbove(const SideLevels& s, int64_t index) {
  const int64_t n = static_cast<int64_t>(s.levels.size());
  int64_t i = index + 1;
  if (i >= n) return -1;
  size_t w = static_cast<size_t>(i) >> 6;
  uint64_t bits = s.bits[w] & (~uint64_t{0} << (i & 63));
  if (bits != 0) return static_cast<int64_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
  const size_t words = s.bits.size();
  if (w + 1 >= words) return -1;
  size_t sw = (w + 1) >> 6;
  uint64_t summary = s.summary[sw] & (~uint64_t{0} << ((w + 1) & 63));
  for (;;) {
    if (summary != 0) {
      const size_t word = sw * 64 + static_cast<size_t>(std::countr_zero(summary));
      return static_cast<int64_t>(word * 64 + static_cast<size_t>(std::countr_zero(s.bits[word])));
    }
    if (++sw >= s.summary.size()) return -1;
    summary = s.summary[sw];
  }
}

int64_t OrderBook::NextWorse(Side side, int64_t index) const {
  return side == Side::kBuy ? NextBelow(bids_, index) : NextAbove(asks_, index);
}

uint32_t OrderBook::AllocNode() {
  const uint32_t slot = free_head_;
  if (slot != kNil) free_head_ = links_[slot].next;
  return slot;
}

void OrderBook::FreeNode(uint32_t slot) {
  links_[slot].next = free_head_;
  free_head_ = slot;
}

void OrderBook::LinkBack(uint32_t slot) {
  Node& node = pool_[slot];
  Link& link = links_[slot];
  SideLevels& s = LevelsOf(node.order.side);
  const int64_t index = IndexOf(node.order.price);
  LevelSlot& level = s.levels[static_cast<size_t>(index)];
  link.next = kNil;
  link.prev = level.tail;
  if (level.tail != kNil) {
    links_[level.tail].next = slot;
  } else {
    level.head = slot;
  }
  level.tail = slot;
  ++level.orders;
  level.quantity += node.order.leaves.raw();
  if (level.orders == 1) {
    SetBit(s, index);
    if (s.best < 0 || Better(node.order.side, index, s.best)) s.best = index;
  }
  LevelChanged(node.order.side, index, false);
}

void OrderBook::Unlink(uint32_t slot) {
  Node& node = pool_[slot];
  SideLevels& s = LevelsOf(node.order.side);
  const int64_t index = IndexOf(node.order.price);
  LevelSlot& level = s.levels[static_cast<size_t>(index)];
  const Link link = links_[slot];
  if (link.prev != kNil) {
    links_[link.prev].next = link.next;
  } else {
    level.head = link.next;
  }
  if (link.next != kNil) {
    links_[link.next].prev = link.prev;
  } else {
    level.tail = link.prev;
  }
  --level.orders;
  level.quantity -= node.order.leaves.raw();
  const bool emptied = level.orders == 0;
  if (emptied) {
    ClearBit(s, index);
    if (s.best == index) s.best = NextWorse(node.order.side, index);
  }
  LevelChanged(node.order.side, index, emptied);
}

void OrderBook::RemoveResting(uint32_t slot) {
  Unlink(slot);
  EraseId(pool_[slot].order.id);
  FreeNode(slot);
  --live_orders_;
}

void OrderBook::RemoveResting(uint32_t slot, size_t id_entry) {
  Unlink(slot);
  EraseIdAt(id_entry);
  FreeNode(slot);
  --live_orders_;
}

// ---------------------------------------------------------------------------------------------
// Market data.

uint32_t OrderBook::RankOf(Side side, int64_t index, uint32_t limit) const {
  const SideLevels& s = LevelsOf(side);
  if (s.best < 0) return 0;
  uint32_t rank = 0;
  // Count non-empty levels strictly better than `index`, stopping at `limit`.
  if (side == Side::kBuy) {
    for (int64_t i = s.best; i > index && rank < limit; i = NextBelow(s, i)) {
      if (i < 0) break;
      ++rank;
    }
  } else {
    for (int64_t i = s.best; i >= 0 && i < index && rank < limit; i = NextAbove(s, i)) ++rank;
  }
  return rank;
}

void OrderBook::PublishLevel(Side side, int64_t index, bool removed) {
  const uint32_t n = config_.depth_levels;
  const uint32_t rank = RankOf(side, index, n);
  if (rank >= n) return;
  const SideLevels& s = LevelsOf(side);
  const LevelSlot& slot = s.levels[static_cast<size_t>(index)];
  market_data_->OnDepth(side, rank, Level{PriceAt(index), Quantity::FromRaw(slot.quantity), slot.orders});
  if (removed) {
    // The level that moved up into the last visible rank, if any.
    int64_t i = s.best;
    uint32_t r = 0;
    while (i >= 0 && r + 1 < n) {
      i = NextWorse(side, i);
      ++r;
    }
    if (i >= 0 && r == n - 1) {
      const LevelSlot& l = s.levels[static_cast<size_t>(i)];
      market_data_->OnDepth(side, n - 1, Level{PriceAt(i), Quantity::FromRaw(l.quantity), l.orders});
    }
  }
}

Bbo OrderBook::bbo() const {
  Bbo b;
  if (bids_.best >= 0) {
    b.bid_price = PriceAt(bids_.best);
    b.bid_quantity = Quantity::FromRaw(bids_.levels[static_cast<size_t>(bids_.best)].quantity);
  }
  if (asks_.best >= 0) {
    b.ask_price = PriceAt(asks_.best);
    b.ask_quantity = Quantity::FromRaw(asks_.levels[static_cast<size_t>(asks_.best)].quantity);
  }
  return b;
}

void OrderBook::PublishAfterCommand() {
  const Bbo now = bbo();
  if (!(now == last_bbo_)) {
    last_bbo_ = now;
    market_data_->OnBbo(now);
  }
  if (IsCallPhase(phase_)) {
    const Indication ind = Indicative();
    if (ind.price != last_indication_.price || ind.volume != last_indication_.volume ||
        ind.imbalance != last_indication_.imbalance) {
      last_indication_ = ind;
      market_data_->OnIndicative(ind.price, ind.volume, ind.imbalance, ind.imbalance_side);
    }
  }
}

uint32_t OrderBook::Depth(Side side, uint32_t n, Level* out) const {
  const SideLevels& s = LevelsOf(side);
  uint32_t count = 0;
  for (int64_t i = s.best; i >= 0 && count < n; i = NextWorse(side, i)) {
    const LevelSlot& l = s.levels[static_cast<size_t>(i)];
    out[count++] = Level{PriceAt(i), Quantity::FromRaw(l.quantity), l.orders};
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Checks.

RejectReason OrderBook::CheckPrice(Price price) const {
  if (!price.is_positive()) return RejectReason::kInvalidPrice;
  if (!OnTick(price.raw())) return RejectReason::kPriceNotOnTick;
  if (config_.band_high.is_positive() && (price < config_.band_low || price > config_.band_high)) {
    return RejectReason::kPriceOutsideBand;
  }
  return RejectReason::kNone;
}

RejectReason OrderBook::Check(const OrderRequest& r, Timestamp now) const {
  if (!r.id.valid()) return RejectReason::kUnknownOrderId;
  if (LookupSlot(r.id) != nullptr) return RejectReason::kDuplicateOrderId;
  if (r.side != Side::kBuy && r.side != Side::kSell) return RejectReason::kUnsupportedOrderType;
  if (r.type != OrderType::kLimit && r.type != OrderType::kMarket) return RejectReason::kUnsupportedOrderType;
  switch (r.tif) {
    case TimeInForce::kDay:
    case TimeInForce::kGtc:
    case TimeInForce::kIoc:
    case TimeInForce::kFok:
      break;
    case TimeInForce::kGtd:
      if (r.expire_time <= now) return RejectReason::kInvalidExpireTime;
      break;
    default:
      return RejectReason::kUnsupportedTimeInForce;
  }
  if (!r.quantity.is_positive()) return RejectReason::kInvalidQuantity;
  if (!WholeLots(r.quantity.raw())) return RejectReason::kQuantityNotLotMultiple;
  if (r.type == OrderType::kLimit) {
    if (RejectReason p = CheckPrice(r.price); p != RejectReason::kNone) return p;
  } else {
    if (r.protection_price.raw() < 0) return RejectReason::kInvalidPrice;
    if (r.protection_price.is_positive() && !OnTick(r.protection_price.raw())) {
      return RejectReason::kPriceNotOnTick;
    }
    if (r.tif != TimeInForce::kIoc && r.tif != TimeInForce::kFok && r.tif != TimeInForce::kDay) {
      return RejectReason::kUnsupportedTimeInForce;
    }
  }
  switch (phase_) {
    case Phase::kContinuous:
      break;
    case Phase::kPreOpen:
    case Phase::kOpeningAuction:
    case Phase::kVolatilityAuction:
    case Phase::kClosingAuction:
      // Call phases collect limit orders that can wait for the uncross.
      if (r.type == OrderType::kMarket || r.tif == TimeInForce::kIoc || r.tif == TimeInForce::kFok) {
        return RejectReason::kNotAllowedInPhase;
      }
      break;
    case Phase::kClosed:
    case Phase::kHalted:
      return RejectReason::kInstrumentNotTrading;
  }
  const bool rests = r.type == OrderType::kLimit && r.tif != TimeInForce::kIoc && r.tif != TimeInForce::kFok;
  if (rests && live_orders_ >= config_.max_orders) return RejectReason::kBookFull;
  if (r.type == OrderType::kLimit && !WindowCanHold(Ticks(r.price.raw()))) {
    return RejectReason::kArithmeticOverflow;
  }
  return RejectReason::kNone;
}

// ---------------------------------------------------------------------------------------------
// Continuous matching.

bool OrderBook::VolatilityBreach(Price price, Timestamp now) const {
  if (config_.volatility_bps <= 0 || !dynamic_reference_.is_positive()) return false;
  (void)now;
  const Int128 diff = price.raw() > dynamic_reference_.raw() ? price.raw() - dynamic_reference_.raw()
                                                             : dynamic_reference_.raw() - price.raw();
  return diff * 10000 > static_cast<Int128>(dynamic_reference_.raw()) * config_.volatility_bps;
}

void OrderBook::RecordTrade(Price price, Timestamp now) {
  last_trade_ = price;
  if (config_.volatility_window_ns <= 0 || now - dynamic_reference_time_ >= config_.volatility_window_ns ||
      !dynamic_reference_.is_positive()) {
    dynamic_reference_ = price;
    dynamic_reference_time_ = now;
  }
}

Quantity OrderBook::AvailableFor(const Order& incoming, Price limit, bool unlimited) const {
  const Side other = Opposite(incoming.side);
  const SideLevels& s = LevelsOf(other);
  int64_t total = 0;
  const bool skip_own = incoming.stp != SelfTradePrevention::kNone;
  for (int64_t i = s.best; i >= 0; i = NextWorse(other, i)) {
    const Price p = PriceAt(i);
    if (!unlimited && (incoming.side == Side::kBuy ? p > limit : p < limit)) break;
    if (VolatilityBreach(p, 0)) break;
    const LevelSlot& level = s.levels[static_cast<size_t>(i)];
    if (!skip_own) {
      total += level.quantity;
    } else {
      // Own orders are cancelled (kCancelResting) or stop the matching (otherwise).
      for (uint32_t n = level.head; n != kNil; n = links_[n].next) {
        if (pool_[n].order.member != incoming.member) {
          total += pool_[n].order.leaves.raw();
        } else if (incoming.stp != SelfTradePrevention::kCancelResting) {
          return Quantity::FromRaw(total);
        }
      }
    }
    if (total >= incoming.leaves.raw()) break;
  }
  return Quantity::FromRaw(total);
}

OrderBook::MatchStop OrderBook::Match(Order& incoming, Price limit, bool unlimited, Timestamp now) {
  const Side other = Opposite(incoming.side);
  SideLevels& s = LevelsOf(other);
  while (incoming.leaves.is_positive() && s.best >= 0) {
    const int64_t index = s.best;
    const Price price = PriceAt(index);
    if (!unlimited && (incoming.side == Side::kBuy ? price > limit : price < limit)) break;
    if (VolatilityBreach(price, now)) return MatchStop::kVolatility;
    LevelSlot& level = s.levels[static_cast<size_t>(index)];
    const uint32_t slot = level.head;
    Node& resting = pool_[slot];
    if (incoming.stp != SelfTradePrevention::kNone && resting.order.member == incoming.member) {
      const SelfTradePrevention stp = incoming.stp;
      if (stp == SelfTradePrevention::kCancelResting || stp == SelfTradePrevention::kCancelBoth) {
        const Order cancelled = resting.order;
        RemoveResting(slot);
        orders_.OnCancelled(cancelled, CancelReason::kSelfTrade);
      }
      if (stp == SelfTradePrevention::kCancelIncoming || stp == SelfTradePrevention::kCancelBoth) {
        return MatchStop::kSelfTrade;
      }
      continue;
    }
    const int64_t fill = std::min(incoming.leaves.raw(), resting.order.leaves.raw());
    incoming.leaves = Quantity::FromRaw(incoming.leaves.raw() - fill);
    incoming.filled = Quantity::FromRaw(incoming.filled.raw() + fill);
    resting.order.leaves = Quantity::FromRaw(resting.order.leaves.raw() - fill);
    resting.order.filled = Quantity::FromRaw(resting.order.filled.raw() + fill);
    level.quantity -= fill;
    RecordTrade(price, now);
    if (resting.order.leaves.is_zero()) {
      // The level's total already dropped by the fill; Unlink subtracts the (zero) leaves.
      RemoveResting(slot);
      orders_.OnTrade(incoming, resting.order, price, Quantity::FromRaw(fill), false);
    } else {
      LevelChanged(other, index, false);
      orders_.OnTrade(incoming, resting.order, price, Quantity::FromRaw(fill), false);
    }
  }
  return MatchStop::kNone;
}

void OrderBook::Rest(const Order& order) {
  const uint32_t slot = AllocNode();
  Node& node = pool_[slot];
  node.order = order;
  InsertId(order.id, slot);
  ++live_orders_;
  LinkBack(slot);
  if (order.tif == TimeInForce::kGtd) {
    expiries_.emplace_back(order.expire_time, order.id);
    std::push_heap(expiries_.begin(), expiries_.end(), std::greater<>());
  }
}

void OrderBook::FinishIncoming(Order& incoming, MatchStop stop, Timestamp now) {
  if (stop == MatchStop::kVolatility) {
    EnterPhase(Phase::kVolatilityAuction);
    vi_end_ = now + std::max<int64_t>(config_.volatility_auction_ns, 1);
  }
  if (incoming.leaves.is_zero()) return;
  if (stop == MatchStop::kSelfTrade) {
    orders_.OnCancelled(incoming, CancelReason::kSelfTrade);
    return;
  }
  if (incoming.type == OrderType::kMarket || incoming.tif == TimeInForce::kIoc ||
      incoming.tif == TimeInForce::kFok) {
    orders_.OnCancelled(incoming, CancelReason::kUnfilledIoc);
    return;
  }
  Rest(incoming);
}

void OrderBook::Add(const OrderRequest& r, Timestamp now) {
  AdvanceTime(now);
  const RejectReason reason = Check(r, now);
  if (reason != RejectReason::kNone) {
    orders_.OnRejected(r, reason);
    return;
  }
  if (r.type == OrderType::kLimit) EnsureWindow(Ticks(r.price.raw()));
  Order incoming;
  incoming.id = r.id;
  incoming.member = r.member;
  incoming.side = r.side;
  incoming.type = r.type;
  incoming.tif = r.tif;
  incoming.stp = r.stp;
  incoming.quantity = r.quantity;
  incoming.leaves = r.quantity;
  incoming.expire_time = r.tif == TimeInForce::kGtd ? r.expire_time : 0;
  bool unlimited = false;
  if (r.type == OrderType::kLimit) {
    incoming.price = r.price;
  } else if (r.protection_price.is_positive()) {
    incoming.price = r.protection_price;
  } else if (config_.band_high.is_positive()) {
    incoming.price = r.side == Side::kBuy ? config_.band_high : config_.band_low;
  } else {
    unlimited = true;
    incoming.price = Price();
  }
  orders_.OnAccepted(incoming);

  if (IsCallPhase(phase_)) {
    Rest(incoming);
    AfterCommand();
    return;
  }
  if (r.tif == TimeInForce::kFok && AvailableFor(incoming, incoming.price, unlimited) < incoming.leaves) {
    orders_.OnCancelled(incoming, CancelReason::kUnfilledFok);
    AfterCommand();
    return;
  }
  const MatchStop stop = Match(incoming, incoming.price, unlimited, now);
  FinishIncoming(incoming, stop, now);
  AfterCommand();
}

void OrderBook::Cancel(OrderId id, Timestamp now) {
  AdvanceTime(now);
  const size_t entry = id.valid() ? FindEntry(id) : kNoEntry;
  if (entry == kNoEntry) {
    orders_.OnCancelRejected(id, RejectReason::kUnknownOrderId);
    return;
  }
  const uint32_t s = ids_[entry].slot;
  RemoveResting(s, entry);
  orders_.OnCancelled(pool_[s].order, CancelReason::kRequested);
  AfterCommand();
}

RejectReason OrderBook::CheckReplace(OrderId id, Price price, Quantity leaves) const {
  const uint32_t* slot = id.valid() ? LookupSlot(id) : nullptr;
  if (slot == nullptr) return RejectReason::kUnknownOrderId;
  return CheckReplaceOf(pool_[*slot], price, leaves);
}

RejectReason OrderBook::CheckReplaceOf(const Node& node, Price price, Quantity leaves) const {
  if (phase_ == Phase::kClosed || phase_ == Phase::kHalted) return RejectReason::kInstrumentNotTrading;
  if (!leaves.is_positive()) return RejectReason::kInvalidQuantity;
  if (!WholeLots(leaves.raw())) return RejectReason::kQuantityNotLotMultiple;
  if (node.order.type == OrderType::kMarket) return RejectReason::kUnsupportedOrderType;
  return CheckPrice(price);
}

void OrderBook::Replace(OrderId id, Price price, Quantity leaves, Timestamp now) {
  AdvanceTime(now);
  const uint32_t* found = id.valid() ? LookupSlot(id) : nullptr;
  if (found == nullptr) {
    orders_.OnReplaceRejected(id, RejectReason::kUnknownOrderId);
    return;
  }
  const uint32_t slot = *found;
  Node& node = pool_[slot];
  if (RejectReason r = CheckReplaceOf(node, price, leaves); r != RejectReason::kNone) {
    orders_.OnReplaceRejected(id, r);
    return;
  }
  const Price old_price = node.order.price;
  const Quantity old_leaves = node.order.leaves;
  if (price == old_price && leaves <= old_leaves) {
    // Keeps its place in the queue.
    const int64_t cut = old_leaves.raw() - leaves.raw();
    if (cut > 0) {
      SideLevels& s = LevelsOf(node.order.side);
      const int64_t index = IndexOf(price);
      s.levels[static_cast<size_t>(index)].quantity -= cut;
      node.order.leaves = leaves;
      node.order.quantity = Quantity::FromRaw(node.order.filled.raw() + leaves.raw());
      LevelChanged(node.order.side, index, false);
    }
    orders_.OnReplaced(node.order, old_price, old_leaves, false);
    AfterCommand();
    return;
  }
  // Loses priority: out of the book, re-entered as if new (same id and fill history).
  EnsureWindow(Ticks(price.raw()));
  Order order = pool_[slot].order;
  RemoveResting(slot);
  order.price = price;
  order.leaves = leaves;
  order.quantity = Quantity::FromRaw(order.filled.raw() + leaves.raw());
  orders_.OnReplaced(order, old_price, old_leaves, true);
  if (IsCallPhase(phase_)) {
    Rest(order);
    AfterCommand();
    return;
  }
  const MatchStop stop = Match(order, order.price, false, now);
  FinishIncoming(order, stop, now);
  AfterCommand();
}

uint32_t OrderBook::MassCancel(const MassCancelFilter& filter, Timestamp now) {
  AdvanceTime(now);
  uint32_t count = 0;
  for (Side side : {Side::kBuy, Side::kSell}) {
    if (!filter.any_side && filter.side != side) continue;
    SideLevels& s = LevelsOf(side);
    for (int64_t i = s.best; i >= 0;) {
      const int64_t next = NextWorse(side, i);
      for (uint32_t n = s.levels[static_cast<size_t>(i)].head; n != kNil;) {
        const uint32_t after = links_[n].next;
        if (!filter.member.valid() || pool_[n].order.member == filter.member) {
          const Order order = pool_[n].order;
          RemoveResting(n);
          orders_.OnCancelled(order, CancelReason::kMassCancel);
          ++count;
        }
        n = after;
      }
      i = next;
    }
  }
  AfterCommand();
  return count;
}

// ---------------------------------------------------------------------------------------------
// Phases, auctions and time.

void OrderBook::EnterPhase(Phase phase) {
  const Phase from = phase_;
  phase_ = phase;
  if (market_data_ != nullptr && from != phase) market_data_->OnPhase(from, phase);
}

OrderBook::Indication OrderBook::Indicative() const {
  Indication best;
  if (bids_.best < 0 || asks_.best < 0 || bids_.best < asks_.best) return best;
  // Candidate prices are the level prices in [best ask, best bid] on either side, visited in
  // ascending order. At candidate p: bid volume = bids priced >= p, ask volume = asks <= p.
  const int64_t lo = asks_.best;
  const int64_t hi = bids_.best;
  int64_t bid_volume = 0;  // bids priced >= the current candidate
  for (int64_t i = hi; i >= lo; i = NextBelow(bids_, i)) bid_volume += bids_.levels[static_cast<size_t>(i)].quantity;
  int64_t ask_volume = 0;
  const Price reference = last_trade_.is_positive() ? last_trade_ : config_.reference_price;
  int64_t bi = NextAbove(bids_, lo - 1);
  int64_t ai = lo;
  // The reference price is a candidate too when it lies inside the range (and on a tick), so
  // a flat stretch of equal volume and imbalance resolves to it.
  int64_t ri = -1;
  if (reference.is_positive() && OnTick(reference.raw())) {
    const int64_t r = IndexOf(reference);
    if (r >= lo && r <= hi) ri = r;
  }
  for (;;) {
    int64_t p = -1;
    if (bi >= 0 && bi <= hi) p = bi;
    if (ai >= 0 && ai <= hi && (p < 0 || ai < p)) p = ai;
    if (ri >= 0 && (p < 0 || ri < p)) p = ri;
    if (p < 0) break;
    if (ri == p) ri = -1;
    while (ai >= 0 && ai <= p) {
      ask_volume += asks_.levels[static_cast<size_t>(ai)].quantity;
      ai = NextAbove(asks_, ai);
    }
    const int64_t volume = std::min(bid_volume, ask_volume);
    const int64_t imbalance = bid_volume > ask_volume ? bid_volume - ask_volume : ask_volume - bid_volume;
    const Price price = PriceAt(p);
    bool better = volume > best.volume.raw() ||
                  (volume == best.volume.raw() && imbalance < best.imbalance.raw());
    if (volume == best.volume.raw() && imbalance == best.imbalance.raw() && reference.is_positive()) {
      // Closer to the reference price wins; at equal distance the lower price stays (last rule).
      better = std::abs(price.raw() - reference.raw()) < std::abs(best.price.raw() - reference.raw());
    }
    if (better && volume > 0) {
      best.price = price;
      best.volume = Quantity::FromRaw(volume);
      best.imbalance = Quantity::FromRaw(imbalance);
      best.imbalance_side = bid_volume >= ask_volume ? Side::kBuy : Side::kSell;
    }
    while (bi >= 0 && bi <= p) {
      bid_volume -= bids_.levels[static_cast<size_t>(bi)].quantity;
      bi = NextAbove(bids_, bi);
    }
  }
  return best;
}

void OrderBook::Uncross(Timestamp now) {
  const Indication ind = Indicative();
  if (!ind.volume.is_positive()) return;
  const int64_t p = IndexOf(ind.price);
  while (bids_.best >= p && asks_.best >= 0 && asks_.best <= p) {
    const uint32_t b = bids_.levels[static_cast<size_t>(bids_.best)].head;
    const uint32_t a = asks_.levels[static_cast<size_t>(asks_.best)].head;
    Node& bid = pool_[b];
    Node& ask = pool_[a];
    const int64_t fill = std::min(bid.order.leaves.raw(), ask.order.leaves.raw());
    for (Node* n : {&bid, &ask}) {
      n->order.leaves = Quantity::FromRaw(n->order.leaves.raw() - fill);
      n->order.filled = Quantity::FromRaw(n->order.filled.raw() + fill);
      LevelsOf(n->order.side).levels[static_cast<size_t>(IndexOf(n->order.price))].quantity -= fill;
    }
    const Order bid_after = bid.order;
    const Order ask_after = ask.order;
    RecordTrade(ind.price, now);
    if (bid_after.leaves.is_zero()) {
      RemoveResting(b);
    } else {
      LevelChanged(Side::kBuy, IndexOf(bid_after.price), false);
    }
    if (ask_after.leaves.is_zero()) {
      RemoveResting(a);
    } else {
      LevelChanged(Side::kSell, IndexOf(ask_after.price), false);
    }
    orders_.OnTrade(bid_after, ask_after, ind.price, Quantity::FromRaw(fill), true);
  }
  // The uncross price becomes the dynamic reference for the volatility range.
  dynamic_reference_ = ind.price;
}

void OrderBook::ExpireDay() {
  for (Side side : {Side::kBuy, Side::kSell}) {
    SideLevels& s = LevelsOf(side);
    for (int64_t i = s.best; i >= 0;) {
      const int64_t next = NextWorse(side, i);
      for (uint32_t n = s.levels[static_cast<size_t>(i)].head; n != kNil;) {
        const uint32_t after = links_[n].next;
        if (pool_[n].order.tif == TimeInForce::kDay) {
          const Order order = pool_[n].order;
          RemoveResting(n);
          orders_.OnCancelled(order, CancelReason::kExpired);
        }
        n = after;
      }
      i = next;
    }
  }
}

void OrderBook::ExpireDue(Timestamp now) {
  while (!expiries_.empty() && expiries_.front().first <= now) {
    std::pop_heap(expiries_.begin(), expiries_.end(), std::greater<>());
    const OrderId id = expiries_.back().second;
    expiries_.pop_back();
    const uint32_t* slot = LookupSlot(id);
    if (slot == nullptr) continue;  // already gone
    const uint32_t s = *slot;
    if (pool_[s].order.tif != TimeInForce::kGtd || pool_[s].order.expire_time > now) continue;
    const Order order = pool_[s].order;
    RemoveResting(s);
    orders_.OnCancelled(order, CancelReason::kExpired);
  }
}

void OrderBook::AdvanceTime(Timestamp now) {
  if (!expiries_.empty() && expiries_.front().first <= now) {
    ExpireDue(now);
    AfterCommand();
  }
  if (phase_ == Phase::kVolatilityAuction && vi_end_ != 0 && now >= vi_end_) {
    vi_end_ = 0;
    Uncross(now);
    EnterPhase(Phase::kContinuous);
    AfterCommand();
  }
}

RejectReason OrderBook::SetPhase(Phase phase, Timestamp now) {
  AdvanceTime(now);
  if (phase == phase_) return RejectReason::kNone;
  if (phase == Phase::kHalted) return Halt(now);
  if (phase_ == Phase::kHalted) return RejectReason::kNotAllowedInPhase;  // Resume() first
  const Phase from = phase_;
  if (phase == Phase::kContinuous || phase == Phase::kClosed) {
    if (IsCallPhase(from)) Uncross(now);
  }
  if (phase == Phase::kVolatilityAuction) vi_end_ = now + std::max<int64_t>(config_.volatility_auction_ns, 1);
  EnterPhase(phase);
  if (phase == Phase::kClosed) ExpireDay();
  AfterCommand();
  return RejectReason::kNone;
}

RejectReason OrderBook::Halt(Timestamp now) {
  AdvanceTime(now);
  if (phase_ == Phase::kHalted) return RejectReason::kNotAllowedInPhase;
  halted_from_ = phase_;
  EnterPhase(Phase::kHalted);
  AfterCommand();
  return RejectReason::kNone;
}

RejectReason OrderBook::Resume(Timestamp now) {
  AdvanceTime(now);
  if (phase_ != Phase::kHalted) return RejectReason::kNotAllowedInPhase;
  EnterPhase(halted_from_);
  AfterCommand();
  return RejectReason::kNone;
}

// ---------------------------------------------------------------------------------------------
// Queries.

const Order* OrderBook::Find(OrderId id) const {
  const uint32_t* slot = id.valid() ? LookupSlot(id) : nullptr;
  return slot == nullptr ? nullptr : &pool_[*slot].order;
}

void OrderBook::ForEachOrder(const std::function<void(const Order&)>& visit) const {
  for (Side side : {Side::kBuy, Side::kSell}) {
    const SideLevels& s = LevelsOf(side);
    for (int64_t i = s.best; i >= 0; i = NextWorse(side, i)) {
      for (uint32_t n = s.levels[static_cast<size_t>(i)].head; n != kNil; n = links_[n].next) {
        visit(pool_[n].order);
      }
    }
  }
}

Price OrderBook::last_trade_price() const { return last_trade_; }

size_t OrderBook::memory_bytes() const {
  size_t bytes = pool_.capacity() * sizeof(Node) + links_.capacity() * sizeof(Link) + ids_.capacity() * sizeof(IdEntry) +
                 expiries_.capacity() * sizeof(expiries_[0]);
  for (const SideLevels* s : {&bids_, &asks_}) {
    bytes += s->levels.capacity() * sizeof(LevelSlot) + s->bits.capacity() * 8 + s->summary.capacity() * 8;
  }
  return bytes;
}

bool OrderBook::CheckInvariants(std::string* problem) const {
  auto fail = [&](const std::string& what) {
    if (problem != nullptr) *problem = what;
    return false;
  };
  uint32_t counted = 0;
  for (Side side : {Side::kBuy, Side::kSell}) {
    const SideLevels& s = LevelsOf(side);
    int64_t expected_best = -1;
    for (int64_t i = 0; i < static_cast<int64_t>(s.levels.size()); ++i) {
      const LevelSlot& l = s.levels[static_cast<size_t>(i)];
      const bool bit = (s.bits[static_cast<size_t>(i) >> 6] >> (i & 63)) & 1;
      if (bit != (l.orders > 0)) return fail("bitmap disagrees with level at index " + std::to_string(i));
      if (l.orders == 0) {
        if (l.quantity != 0 || l.head != kNil) return fail("empty level holds quantity");
        continue;
      }
      if (expected_best < 0 || Better(side, i, expected_best)) expected_best = i;
      int64_t total = 0;
      uint32_t n = 0;
      uint32_t prev = kNil;
      for (uint32_t slot = l.head; slot != kNil; slot = links_[slot].next) {
        const Order& o = pool_[slot].order;
        if (links_[slot].prev != prev) return fail("broken prev link");
        if (o.side != side || IndexOf(o.price) != i) return fail("order on the wrong level");
        if (!o.leaves.is_positive() || o.leaves.raw() + o.filled.raw() != o.quantity.raw()) {
          return fail("order " + std::to_string(o.id.value()) + " has inconsistent quantities");
        }
        const uint32_t* found = LookupSlot(o.id);
        if (found == nullptr || *found != slot) return fail("id table does not find a resting order");
        total += o.leaves.raw();
        ++n;
        prev = slot;
      }
      if (l.tail != prev) return fail("broken tail link");
      if (total != l.quantity || n != l.orders) return fail("level totals differ from its orders");
      counted += n;
      const size_t w = static_cast<size_t>(i) >> 6;
      if (!((s.summary[w >> 6] >> (w & 63)) & 1)) return fail("summary bitmap misses a word");
    }
    if (s.best != expected_best) return fail("best level index is stale");
  }
  if (counted != live_orders_) return fail("live order count differs from the book");
  if (phase_ == Phase::kContinuous && bids_.best >= 0 && asks_.best >= 0 && bids_.best >= asks_.best) {
    return fail("book is crossed in continuous trading");
  }
  return true;
}

}  // namespace dazong::matching
