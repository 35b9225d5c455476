#include "dazong/index/engine.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "big_allocator.h"
#include "dazong/index/sha256.h"
#include "text.h"

namespace dazong::index {

namespace {

// A monotone queue of trade positions (the window's running minimum or maximum): a vector
// with a moving head instead of a std::deque, compacted when the head passes half of it.
class PositionQueue {
 public:
  bool empty() const { return head_ == v_.size(); }
  size_t front() const { return v_[head_]; }
  size_t back() const { return v_.back(); }
  void pop_front() { ++head_; }
  void pop_back() { v_.pop_back(); }
  void push_back(size_t pos) {
    if (head_ >= 1024 && head_ * 2 >= v_.size()) {
      v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    v_.push_back(pos);
  }
  void clear() {
    v_.clear();
    head_ = 0;
  }

 private:
  std::vector<size_t> v_;
  size_t head_ = 0;
};

// The day's trades of one instrument in arrival (time, trade id) order. While every trade
// fits, a trade takes 24 bytes instead of IndexTrade's 48 (the time; the trade id as an offset
// from the day's first id; price and quantity in 32 bits; the members in 16 bits): the kernel
// zeroes half as much memory for a day of millions of trades, and the window's reads touch half
// as many cache lines. The first trade that does not fit moves the day to full IndexTrades
// (a copy, once). Reads give back exactly the IndexTrade that was stored.
class TradeStore {
 public:
  void reserve(size_t n) {
    if (wide_) {
      wide_trades_.reserve(n);
    } else {
      narrow_.reserve(n);
    }
  }
  bool empty() const { return size() == 0; }
  size_t size() const { return wide_ ? wide_trades_.size() : narrow_.size(); }
  // The reserved memory (for prefault hints).
  void* data() { return wide_ ? static_cast<void*>(wide_trades_.data()) : narrow_.data(); }
  size_t capacity() const { return wide_ ? wide_trades_.capacity() : narrow_.capacity(); }
  size_t bytes_per_trade() const { return wide_ ? sizeof(IndexTrade) : sizeof(Narrow); }

  void push_back(const IndexTrade& t) {
    if (!wide_) {
      if (narrow_.empty()) {
        instrument_ = t.instrument;
        base_id_ = t.trade_id;
      }
      if (Fits(t)) {
        narrow_.push_back(Narrow{t.time, static_cast<uint32_t>(t.trade_id - base_id_),
                                 static_cast<int32_t>(t.price), static_cast<int32_t>(t.quantity),
                                 static_cast<uint16_t>(t.buyer), static_cast<uint16_t>(t.seller)});
        return;
      }
      Widen();
    }
    wide_trades_.push_back(t);
  }

  IndexTrade operator[](size_t i) const {
    if (wide_) return wide_trades_[i];
    const Narrow& n = narrow_[i];
    return IndexTrade{base_id_ + n.id_offset, n.time,     instrument_, n.price,
                      n.quantity,             n.buyer,    n.seller};
  }
  Timestamp time(size_t i) const { return wide_ ? wide_trades_[i].time : narrow_[i].time; }
  int64_t price(size_t i) const { return wide_ ? wide_trades_[i].price : narrow_[i].price; }
  uint64_t trade_id(size_t i) const {
    return wide_ ? wide_trades_[i].trade_id : base_id_ + narrow_[i].id_offset;
  }

  // Trades [from, to) as IndexTrades: the wide array itself, or widened into `scratch`.
  std::span<const IndexTrade> Span(size_t from, size_t to, std::vector<IndexTrade>& scratch) const {
    if (wide_) return std::span<const IndexTrade>(wide_trades_.data() + from, to - from);
    scratch.clear();
    for (size_t i = from; i < to; ++i) scratch.push_back((*this)[i]);
    return scratch;
  }

 private:
  struct Narrow {
    Timestamp time;
    uint32_t id_offset;
    int32_t price;
    int32_t quantity;
    uint16_t buyer;
    uint16_t seller;
  };
  static_assert(sizeof(Narrow) == 24);

  bool Fits(const IndexTrade& t) const {
    return t.instrument == instrument_ && t.trade_id >= base_id_ &&
           t.trade_id - base_id_ <= UINT32_MAX && t.price >= INT32_MIN && t.price <= INT32_MAX &&
           t.quantity >= INT32_MIN && t.quantity <= INT32_MAX && t.buyer <= UINT16_MAX &&
           t.seller <= UINT16_MAX;
  }
  void Widen() {
    wide_trades_.reserve(std::max(narrow_.capacity(), narrow_.size() + 1));
    for (size_t i = 0; i < narrow_.size(); ++i) wide_trades_.push_back((*this)[i]);
    narrow_ = {};
    wide_ = true;
  }

  bool wide_ = false;
  uint32_t instrument_ = 0;
  uint64_t base_id_ = 0;
  std::vector<Narrow, BigAllocator<Narrow>> narrow_;
  std::vector<IndexTrade, BigAllocator<IndexTrade>> wide_trades_;
};

}  // namespace

struct IndexEngine::InstrumentDay {
  LocalDay day = 0;
  TradeStore trades;           // time (and trade id) order
  std::vector<uint8_t> busted;  // one per trade
};

struct IndexEngine::InstrumentState {
  uint32_t id = 0;
  InstrumentDay today;
  std::deque<InstrumentDay> past;  // newest last
  std::optional<Bbo> bbo;          // the latest book state
  std::vector<IndexState*> singles;  // the single indices over this instrument
};

// What a published fixing needs kept to be corrected later.
struct IndexEngine::FixingMemo {
  IndexRecord record;                // the record currently in force for the date
  std::optional<int64_t> previous;   // the previous fixing it was computed with
  std::optional<Bbo> bbo;            // the close book state it was computed with
  CompositeAnchor anchor_before;     // composite: the chain state it was computed from
  std::optional<int64_t> prev_composite;
};

struct IndexEngine::IndexState {
  std::string id;
  bool composite = false;
  uint32_t instrument = 0;  // single
  std::vector<IndexState*> constituents;  // composite: the single index of each instrument
  uint64_t seq = 0;
  std::optional<int64_t> previous;  // the last fixing value
  LocalDay previous_day = 0;
  bool fixed_today = false;
  CompositeAnchor anchor;
  std::map<LocalDay, FixingMemo> fixings;  // retained days

  // The rolling intraday window over the instrument's trades of the day.
  size_t begin = 0;
  size_t end = 0;
  std::vector<uint8_t> eligible;  // per trade of the day, as added to the window
  Int128 pv = 0;
  int64_t volume = 0;
  int64_t count = 0;
  int64_t buyers = 0;
  int64_t sellers = 0;
  std::vector<int64_t> buy_n, sell_n, member_volume;
  PositionQueue min_q, max_q;
  // The member with the largest member_volume (lowest id on ties), kept as volumes change;
  // recomputed by a scan only after the top member's volume decreased.
  uint32_t top_id = 0;
  int64_t top_volume = 0;
  bool top_dirty = false;
  // Related-party pairs of the day's parameters as a matrix over member ids < related_dim.
  std::vector<uint8_t> related;
  uint32_t related_dim = 0;
  int64_t excluded_in_window = 0;
  bool last_nonempty = false;
  Timestamp next_grid = 0;
  // Cached for the current day.
  const IndexParameters* params = nullptr;
  Timestamp fixing_time = 0;
  InstrumentState* inst = nullptr;  // single
  std::string trade_prefix;         // "T-<id>-"
  std::string grid_prefix;          // "G-<id>-"
  std::string hash_suffix;          // "-<first 16 hex digits of the parameter hash>"
  IndexRecord direct;               // the intraday record reused with a direct sink
};

namespace {

void AddMember(std::vector<int64_t>& v, uint32_t m) {
  if (v.size() <= m) v.resize(m + 1, 0);
}

// RuleExclusion(*s.params, t, busted), with the related-party look-up in the index state's
// cached matrix (S is IndexEngine::IndexState).
template <typename S>
Exclusion Rule(const S& s, const IndexTrade& t, bool busted) {
  if (busted) return Exclusion::kBusted;
  if (t.buyer == t.seller) return Exclusion::kSelfTrade;
  if (t.buyer < s.related_dim && t.seller < s.related_dim) {
    if (s.related[static_cast<size_t>(t.buyer) * s.related_dim + t.seller] != 0) {
      return Exclusion::kRelatedParty;
    }
  } else if (s.related_dim == 0 && s.params->Related(t.buyer, t.seller)) {
    return Exclusion::kRelatedParty;  // too many members for the matrix
  }
  return Exclusion::kNone;
}

// member_volume[m] += q (q > 0), keeping the top member.
template <typename S>
void AddVolume(S& s, uint32_t m, int64_t q) {
  const int64_t v = (s.member_volume[m] += q);
  if (!s.top_dirty && (m == s.top_id || v > s.top_volume || (v == s.top_volume && m < s.top_id))) {
    s.top_id = m;
    s.top_volume = v;
  }
}

// member_volume[m] -= q (q > 0): only a decrease of the top member can change it.
template <typename S>
void RemoveVolume(S& s, uint32_t m, int64_t q) {
  s.member_volume[m] -= q;
  if (m == s.top_id) s.top_dirty = true;
}

template <typename S>
void RefreshTop(S& s) {
  if (!s.top_dirty) return;
  s.top_id = 0;
  s.top_volume = 0;
  for (size_t m = 0; m < s.member_volume.size(); ++m) {
    if (s.member_volume[m] > s.top_volume) {
      s.top_volume = s.member_volume[m];
      s.top_id = static_cast<uint32_t>(m);
    }
  }
  s.top_dirty = false;
}

// round_half_even(num / den) for den > 0, as DivRoundHalfEven, with 64-bit arithmetic when
// num is non-negative and fits (the intraday path's common case).
int64_t DivHalfEven(Int128 num, int64_t den) {
  if (den > 0 && num >= 0 && num <= static_cast<Int128>(INT64_MAX)) {
    const uint64_t n = static_cast<uint64_t>(num), d = static_cast<uint64_t>(den);
    uint64_t q = n / d;
    const uint64_t r = n % d;
    if (2 * r > d || (2 * r == d && (q & 1) != 0)) ++q;
    return static_cast<int64_t>(q);
  }
  return DivRoundHalfEven(num, den).value_or(0);
}

// VwapValue(pv, volume).value_or(0), exactly, without 128-bit division in the common case:
// floor(pv × 10^4 / v) = floor(pv / v) × 10^4 + floor((pv mod v) × 10^4 / v), and the
// remainder of the whole division is that of the second term.
int64_t FastVwap(Int128 pv, int64_t volume) {
  if (volume > 0 && volume <= INT64_MAX / kFenToValue && pv >= 0 &&
      pv <= static_cast<Int128>(INT64_MAX)) {
    const uint64_t n = static_cast<uint64_t>(pv), d = static_cast<uint64_t>(volume);
    constexpr uint64_t kMaxQ1 = static_cast<uint64_t>((INT64_MAX - kFenToValue) / kFenToValue);
#if defined(__x86_64__)
    __extension__ typedef unsigned __int128 U128;
    // The same quotient and remainder from one 128/64-bit division of n × 10^4 (the high
    // word is below d, so the quotient fits): floor(n / d) <= kMaxQ1 iff n < (kMaxQ1 + 1) d.
    if (static_cast<U128>(kMaxQ1 + 1) * d > n) {
      const U128 p = static_cast<U128>(n) * static_cast<uint64_t>(kFenToValue);
      uint64_t q, r;
      __asm__("divq %4"
              : "=a"(q), "=d"(r)
              : "a"(static_cast<uint64_t>(p)), "d"(static_cast<uint64_t>(p >> 64)), "rm"(d)
              : "cc");
      if (2 * r > d || (2 * r == d && (q & 1) != 0)) ++q;
      return static_cast<int64_t>(q);
    }
#else
    const uint64_t q1 = n / d;
    const uint64_t t = (n % d) * static_cast<uint64_t>(kFenToValue);
    if (q1 <= kMaxQ1) {
      uint64_t q = q1 * static_cast<uint64_t>(kFenToValue) + t / d;
      const uint64_t r = t % d;
      if (2 * r > d || (2 * r == d && (q & 1) != 0)) ++q;
      return static_cast<int64_t>(q);
    }
#endif
  }
  return VwapValue(pv, volume).value_or(0);
}

std::string JoinInts(const std::vector<int64_t>& v) { return absl::StrJoin(v, ","); }

std::vector<int64_t> SplitInts(std::string_view text) {
  std::vector<int64_t> out;
  if (text.empty() || text == "-") return out;
  for (std::string_view part : text::Split(text, ',')) {
    int64_t v = 0;
    if (text::ToInt(part, &v)) out.push_back(v);
  }
  return out;
}

}  // namespace

std::string FixingCalcId(const IndexRecord& r) {
  Sha256Builder h;
  h.Add(std::string_view("dazong-index-calc/1"))
      .Add(std::string_view(r.index_id))
      .Add(static_cast<int64_t>(r.kind))
      .Add(static_cast<int64_t>(r.date))
      .Add(r.as_of)
      .Add(std::string_view(r.params_hash))
      .Add(static_cast<int64_t>(r.has_value))
      .Add(r.value)
      .Add(static_cast<int64_t>(r.status))
      .Add(static_cast<int64_t>(r.level))
      .Add(static_cast<uint64_t>(r.used.size()));
  for (uint64_t id : r.used) h.Add(id);
  h.Add(static_cast<uint64_t>(r.excluded.size()));
  for (const ExcludedTrade& e : r.excluded) h.Add(e.trade_id).Add(static_cast<int64_t>(e.reason));
  h.Add(std::string_view(r.inputs)).Add(std::string_view(r.missed));
  h.Add(std::string_view(r.supersedes)).Add(std::string_view(r.reason));
  return h.Hex();
}

IndexEngine::IndexEngine(const Methodology& methodology, EngineOptions options)
    : methodology_(methodology), options_(options) {
  for (const std::string& id : methodology.index_ids()) {
    const IndexParameters& p = methodology.Versions(id).front();
    auto state = std::make_unique<IndexState>();
    state->id = id;
    state->composite = p.kind == IndexKind::kComposite;
    if (!state->composite) {
      state->instrument = p.instrument_ids[0];
      if (instruments_.count(state->instrument) == 0) {
        auto inst = std::make_unique<InstrumentState>();
        inst->id = state->instrument;
        instruments_[state->instrument] = inst.get();
        instrument_storage_.push_back(std::move(inst));
      }
    }
    by_id_[id] = state.get();
    order_.push_back(state.get());
    index_storage_.push_back(std::move(state));
  }
  for (IndexState* s : order_) {
    if (s->composite) continue;
    s->inst = instruments_.at(s->instrument);
    if (by_instrument_.size() <= s->instrument) by_instrument_.resize(s->instrument + 1, nullptr);
    by_instrument_[s->instrument] = s->inst;
    s->inst->singles.push_back(s);
  }
  for (IndexState* s : order_) {
    if (!s->composite) continue;
    for (uint32_t instrument : methodology.Versions(s->id).front().instrument_ids) {
      for (IndexState* single : order_) {
        if (!single->composite && single->instrument == instrument) {
          s->constituents.push_back(single);
          break;
        }
      }
    }
  }
}

IndexEngine::~IndexEngine() = default;

void IndexEngine::AnnounceStore(InstrumentState& inst) {
  TradeStore& t = inst.today.trades;
  if (!options_.on_store_reserved || t.capacity() == 0) return;
  options_.on_store_reserved(inst.id, inst.today.day, t.data(), t.capacity() * t.bytes_per_trade(),
                             t.bytes_per_trade());
}

void IndexEngine::Start(Timestamp t) {
  started_ = true;
  day_ = LocalDayOf(t);
  watermark_ = t;
  PrepareDay();
  for (IndexState* s : order_) {
    const int64_t interval = s->params->intraday_interval_seconds * kNanosPerSecond;
    const Timestamp day_start = UtcOfLocal(day_, 0);
    s->next_grid = day_start + ((t - day_start) / interval + 1) * interval;
    s->fixed_today = s->fixing_time < t;  // too late for today's fixing
  }
  for (auto& [id, inst] : instruments_) {
    inst->today.day = day_;
    inst->today.trades.reserve(options_.reserve_trades);
    inst->today.busted.reserve(options_.reserve_trades);
    AnnounceStore(*inst);
  }
  if (options_.intraday_records) {
    for (IndexState* s : order_) s->eligible.reserve(options_.reserve_trades);
  }
  ComputeNextBoundary();
}

void IndexEngine::PrepareDay() {
  for (IndexState* s : order_) {
    s->params = &methodology_.ForDate(s->id, day_);
    s->trade_prefix = absl::StrCat("T-", s->id, "-");
    s->grid_prefix = absl::StrCat("G-", s->id, "-");
    s->hash_suffix = absl::StrCat("-", s->params->hash.substr(0, 16));
    s->related.clear();
    s->related_dim = 0;
    uint32_t dim = 1;
    for (const auto& [a, b] : s->params->related_pairs) dim = std::max(dim, std::max(a, b) + 1);
    if (dim <= 2048) {
      s->related_dim = dim;
      s->related.assign(static_cast<size_t>(dim) * dim, 0);
      for (const auto& [a, b] : s->params->related_pairs) {
        s->related[static_cast<size_t>(a) * dim + b] = 1;
        s->related[static_cast<size_t>(b) * dim + a] = 1;
      }
    }
  }
  for (IndexState* s : order_) s->fixing_time = FixingTime(*s);
}

Timestamp IndexEngine::FixingTime(const IndexState& s) const {
  const IndexParameters& p = methodology_.ForDate(s.id, day_);
  Timestamp t = UtcOfLocal(day_, p.window_end);
  for (const IndexState* c : s.constituents) t = std::max(t, FixingTime(*c));
  return t;
}

void IndexEngine::ComputeNextBoundary() {
  Timestamp best = UtcOfLocal(day_ + 1, 0);
  for (const IndexState* s : order_) {
    if (!s->fixed_today) best = std::min(best, s->fixing_time);
    if (!s->composite && options_.intraday_records) best = std::min(best, s->next_grid);
  }
  next_boundary_ = best;
}

void IndexEngine::Advance(Timestamp t, std::vector<IndexRecord>& out) {
  if (!started_) return;
  if (t < watermark_) {
    ++late_;
    return;
  }
  if (t < next_boundary_) {
    watermark_ = t;
    return;
  }
  for (;;) {
    Timestamp best = UtcOfLocal(day_ + 1, 0);
    int type = 2;  // 0 grid, 1 fixing, 2 midnight
    IndexState* which = nullptr;
    for (IndexState* s : order_) {
      if (!s->fixed_today) {
        const Timestamp f = s->fixing_time;
        if (f < best || (f == best && type > 1)) {
          best = f;
          type = 1;
          which = s;
        }
      }
      if (!s->composite && options_.intraday_records &&
          (s->next_grid < best || (s->next_grid == best && type > 0))) {
        best = s->next_grid;
        type = 0;
        which = s;
      }
    }
    if (best > t) break;
    watermark_ = best;
    if (type == 0) {
      ProcessGrid(*which, out);
    } else if (type == 1) {
      if (which->composite) {
        ProcessComposite(*which, out);
      } else {
        ProcessFixing(*which, out);
      }
      which->fixed_today = true;
    } else {
      RollDay();
    }
  }
  watermark_ = t;
  ComputeNextBoundary();
}

void IndexEngine::OnTime(Timestamp watermark, std::vector<IndexRecord>& out) {
  Advance(watermark, out);
}

void IndexEngine::OnBbo(const Bbo& bbo, std::vector<IndexRecord>& out) {
  Advance(bbo.time, out);
  auto it = instruments_.find(bbo.instrument);
  if (it != instruments_.end()) it->second->bbo = bbo;
}

void IndexEngine::OnTrade(const IndexTrade& trade, std::vector<IndexRecord>& out) {
  if (!started_) Start(trade.time);
  Advance(trade.time, out);
  InstrumentState* inst =
      trade.instrument < by_instrument_.size() ? by_instrument_[trade.instrument] : nullptr;
  if (inst == nullptr) return;  // not an index instrument
  InstrumentDay& day = inst->today;
  day.trades.push_back(trade);
  day.busted.push_back(0);
  const size_t pos = day.trades.size() - 1;
  if (!options_.intraday_records) return;  // the window only feeds intraday values
  for (IndexState* s : inst->singles) {
    const Timestamp from = trade.time - s->params->intraday_window_seconds * kNanosPerSecond;
    Evict(*s, from, /*inclusive=*/true);
    AddToWindow(*s, pos);
    EmitIntraday(*s, trade.time, from, trade.time, /*grid=*/false, trade.trade_id, out);
    s->last_nonempty = s->count > 0;
  }
}

void IndexEngine::Evict(IndexState& s, Timestamp bound, bool inclusive) {
  const InstrumentDay& day = s.inst->today;
  while (s.begin < s.end &&
         (inclusive ? day.trades.time(s.begin) <= bound : day.trades.time(s.begin) < bound)) {
    const IndexTrade t = day.trades[s.begin];
    if (s.eligible[s.begin]) {
      s.pv -= static_cast<Int128>(t.price) * t.quantity;
      s.volume -= t.quantity;
      --s.count;
      if (--s.buy_n[t.buyer] == 0) --s.buyers;
      if (--s.sell_n[t.seller] == 0) --s.sellers;
      RemoveVolume(s, t.buyer, t.quantity);
      RemoveVolume(s, t.seller, t.quantity);
    } else {
      --s.excluded_in_window;
    }
    ++s.begin;
  }
  while (!s.min_q.empty() && s.min_q.front() < s.begin) s.min_q.pop_front();
  while (!s.max_q.empty() && s.max_q.front() < s.begin) s.max_q.pop_front();
}

void IndexEngine::AddToWindow(IndexState& s, size_t pos) {
  const InstrumentDay& day = s.inst->today;
  const IndexTrade t = day.trades[pos];
  const bool ok = Rule(s, t, day.busted[pos] != 0) == Exclusion::kNone;
  if (s.eligible.size() == pos) {  // the usual case: the day's next trade
    s.eligible.push_back(ok ? 1 : 0);
  } else {
    if (s.eligible.size() < pos) s.eligible.resize(pos + 1, 0);
    s.eligible[pos] = ok ? 1 : 0;
  }
  s.end = pos + 1;
  if (!ok) {
    ++s.excluded_in_window;
    return;
  }
  s.pv += static_cast<Int128>(t.price) * t.quantity;
  s.volume += t.quantity;
  ++s.count;
  AddMember(s.buy_n, t.buyer);
  AddMember(s.sell_n, t.seller);
  AddMember(s.member_volume, std::max(t.buyer, t.seller));
  if (s.buy_n[t.buyer]++ == 0) ++s.buyers;
  if (s.sell_n[t.seller]++ == 0) ++s.sellers;
  AddVolume(s, t.buyer, t.quantity);
  AddVolume(s, t.seller, t.quantity);
  while (!s.min_q.empty() && day.trades.price(s.min_q.back()) >= t.price) s.min_q.pop_back();
  s.min_q.push_back(pos);
  while (!s.max_q.empty() && day.trades.price(s.max_q.back()) <= t.price) s.max_q.pop_back();
  s.max_q.push_back(pos);
}

void IndexEngine::RebuildExtremes(IndexState& s) {
  const InstrumentDay& day = s.inst->today;
  s.min_q.clear();
  s.max_q.clear();
  for (size_t i = s.begin; i < s.end; ++i) {
    if (!s.eligible[i]) continue;
    const int64_t price = day.trades.price(i);
    while (!s.min_q.empty() && day.trades.price(s.min_q.back()) >= price) s.min_q.pop_back();
    s.min_q.push_back(i);
    while (!s.max_q.empty() && day.trades.price(s.max_q.back()) <= price) s.max_q.pop_back();
    s.max_q.push_back(i);
  }
}

namespace {
// to = from, without a call when `to` already has from's length (a reused record).
void AssignText(std::string& to, const std::string& from) {
  if (to.size() == from.size()) {
    if (!from.empty()) std::memcpy(to.data(), from.data(), from.size());
  } else {
    to = from;
  }
}
}  // namespace

void IndexEngine::Identify(IndexState& s, const IndexParameters& p, IndexRecord& r) {
  AssignText(r.index_id, s.id);
  AssignText(r.methodology_version, p.methodology_version);
  AssignText(r.params_hash, p.hash);
  r.seq = ++s.seq;
}

void IndexEngine::FlushDirect(std::vector<IndexRecord>& out) {
  for (IndexRecord& r : out) {
    (*direct_sink_)(std::move(r));
    Recycle(r);
  }
  out.clear();
}

// IndexRecord's size (x86-64, libstdc++), so that a field added to it is also reset below
// (the reused record).
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(IndexRecord) == 464, "reset the new field in EmitIntraday");
#endif

void IndexEngine::EmitIntraday(IndexState& s, Timestamp as_of, Timestamp from, Timestamp to,
                               bool grid, uint64_t trade_id, std::vector<IndexRecord>& out) {
  const IndexParameters& p = *s.params;
  const InstrumentDay& day = s.inst->today;
  const bool direct = direct_sink_ != nullptr;
  if (direct && !out.empty()) FlushDirect(out);  // the records made before this one go first
  IndexRecord& r = direct ? s.direct : out.emplace_back();
  if (direct) {
    // Every field as a new record has it, then set below as for a new record (the strings and
    // vectors keep their buffers).
    // (index_id, methodology_version, params_hash: Identify; calc_id: below.)
    r.has_value = false;
    r.value = 0;
    r.level = kLevelNone;
    r.price_low = r.price_high = 0;
    r.top_member = 0;
    r.top_share_bps = 0;
    r.used.clear();
    r.excluded.clear();
    r.missed.clear();
    r.inputs.clear();
    r.supersedes.clear();
    r.reason.clear();
    r.alerts.clear();
  } else {
    // Reuse the buffers of records the caller is done with (Recycle).
    if (!spare_ids_.empty()) {
      r.calc_id.swap(spare_ids_.back());
      spare_ids_.pop_back();
      r.calc_id.clear();
    }
    if (!spare_hashes_.empty()) {
      r.params_hash.swap(spare_hashes_.back());
      spare_hashes_.pop_back();
      r.params_hash.clear();
    }
  }
  r.kind = RecordKind::kIntraday;
  r.date = day_;
  r.as_of = as_of;
  r.window_from = from;
  r.window_to = to;
  r.trade_count = s.count;
  r.volume = s.volume;
  r.buyers = s.buyers;
  r.sellers = s.sellers;
  if (s.count > 0) {
    r.has_value = true;
    r.value = FastVwap(s.pv, s.volume);
    r.level = kLevelWindow;
    r.price_low = day.trades.price(s.min_q.front());
    r.price_high = day.trades.price(s.max_q.front());
    RefreshTop(s);
    r.top_member = s.top_id;
    r.top_share_bps = DivHalfEven(static_cast<Int128>(s.top_volume) * 10000, s.volume);
  }
  // "window:" and the thresholds missed, comma-separated (none: "").
  const auto miss = [&r](std::string_view name) {
    r.missed.append(r.missed.empty() ? "window:" : ",");
    r.missed.append(name);
  };
  if (s.count < p.min_trades) miss("min_trades");
  if (s.volume < p.min_volume || s.volume == 0) miss("min_volume");
  if (s.buyers < p.min_buyers) miss("min_buyers");
  if (s.sellers < p.min_sellers) miss("min_sellers");
  r.status = r.missed.empty() ? Status::kIndicative : Status::kInsufficient;
  if (!grid && trade_id != 0) {
    // Only the triggering trade is new since the index's previous intraday record; the
    // window's earlier exclusions were listed by the records of their own trades.
    const size_t last = s.end - 1;
    if (!s.eligible[last]) {
      r.excluded.push_back(ExcludedTrade{
          day.trades.trade_id(last), RuleExclusion(p, day.trades[last], day.busted[last] != 0)});
    }
  }
  Identify(s, p, r);
  // "G-<id>-<as_of>-<hash16>" or "T-<id>-<trade id>-<hash16>".
  const std::string& prefix = grid ? s.grid_prefix : s.trade_prefix;
  char digits[24];
  const auto res = grid ? std::to_chars(digits, digits + sizeof digits, as_of)
                        : std::to_chars(digits, digits + sizeof digits, trade_id);
  const size_t n = static_cast<size_t>(res.ptr - digits);
  r.calc_id.resize(prefix.size() + n + s.hash_suffix.size());  // (kept length when reused)
  char* out_id = r.calc_id.data();
  std::memcpy(out_id, prefix.data(), prefix.size());
  std::memcpy(out_id + prefix.size(), digits, n);
  std::memcpy(out_id + prefix.size() + n, s.hash_suffix.data(), s.hash_suffix.size());
  if (direct) (*direct_sink_)(std::move(r));
}

void IndexEngine::ProcessGrid(IndexState& s, std::vector<IndexRecord>& out) {
  const IndexParameters& p = methodology_.ForDate(s.id, day_);
  const Timestamp g = s.next_grid;
  const Timestamp from = g - p.intraday_window_seconds * kNanosPerSecond;
  Evict(s, from, /*inclusive=*/false);
  if (s.count > 0 || s.last_nonempty) {
    EmitIntraday(s, g, from, g, /*grid=*/true, 0, out);
    s.last_nonempty = s.count > 0;
  }
  s.next_grid = g + p.intraday_interval_seconds * kNanosPerSecond;
}

IndexRecord& IndexEngine::AppendFixing(const IndexParameters& p, const InstrumentDay* d, LocalDay day,
                                       const FixingMemo& memo, RecordKind kind,
                                       std::vector<IndexRecord>& out) {
  const Timestamp end = UtcOfLocal(day, p.window_end);
  size_t n = d == nullptr ? 0 : d->trades.size();
  while (n > 0 && d->trades.time(n - 1) >= end) --n;
  // RuleExclusion(p, trade, busted) for the trades [first, n) into rule[i - first], the
  // related pairs as a matrix (for the window's trades first; the session's only when needed).
  std::vector<Exclusion> rule;
  uint32_t dim = 1;
  for (const auto& [a, b] : p.related_pairs) dim = std::max(dim, std::max(a, b) + 1);
  std::vector<uint8_t> related;
  if (dim <= 2048) {
    related.assign(static_cast<size_t>(dim) * dim, 0);
    for (const auto& [a, b] : p.related_pairs) {
      related[static_cast<size_t>(a) * dim + b] = 1;
      related[static_cast<size_t>(b) * dim + a] = 1;
    }
  }
  const auto rules = [&](size_t first) {
    rule.assign(n - first, Exclusion::kNone);
    if (dim <= 2048) {
      for (size_t i = first; i < n; ++i) {
        const IndexTrade t = d->trades[i];
        Exclusion e = Exclusion::kNone;
        if (d->busted[i] != 0) {
          e = Exclusion::kBusted;
        } else if (t.buyer == t.seller) {
          e = Exclusion::kSelfTrade;
        } else if (t.buyer < dim && t.seller < dim &&
                   related[static_cast<size_t>(t.buyer) * dim + t.seller] != 0) {
          e = Exclusion::kRelatedParty;
        }
        rule[i - first] = e;
      }
    } else {
      for (size_t i = first; i < n; ++i) {
        rule[i - first] = RuleExclusion(p, d->trades[i], d->busted[i] != 0);
      }
    }
  };
  FixingInput in;
  in.window_from = UtcOfLocal(day, p.window_start);
  in.window_to = end;
  in.close_bbo = memo.bbo;
  in.previous = memo.previous;
  // ComputeFixing reads the trades before the window only when the window falls short (the
  // session fallback). So it is given the window's trades first (the same record when the
  // window is sufficient, without widening a whole session of narrow trades), and the whole
  // session only when the window fell short.
  size_t from = 0, hi = n;  // from: the first trade at or after window_from
  while (from < hi) {
    const size_t mid = from + (hi - from) / 2;
    if (d->trades.time(mid) < in.window_from) {
      from = mid + 1;
    } else {
      hi = mid;
    }
  }
  IndexRecord& r = out.emplace_back();
  const auto compute = [&](size_t first) {
    if (d != nullptr) in.session = d->trades.Span(first, n, fixing_scratch_);
    rules(first);
    in.rule = std::span<const Exclusion>(rule);
    r = IndexRecord{};
    ComputeFixing(p, in, r);
  };
  compute(from);
  if (from > 0 && r.level != kLevelWindow) compute(0);
  r.kind = kind;
  r.date = day;
  r.as_of = end;
  return r;
}

void IndexEngine::ProcessFixing(IndexState& s, std::vector<IndexRecord>& out) {
  const IndexParameters& p = methodology_.ForDate(s.id, day_);
  if (p.weekdays_only && Weekday(day_) >= 6) return;
  InstrumentState& inst = *instruments_.at(s.instrument);
  const Timestamp end = UtcOfLocal(day_, p.window_end);
  FixingMemo memo;
  memo.previous = s.previous;
  if (inst.bbo.has_value() && inst.bbo->time < end) memo.bbo = inst.bbo;
  IndexRecord& r = AppendFixing(p, &inst.today, day_, memo, RecordKind::kFixing, out);
  Identify(s, p, r);
  r.calc_id = FixingCalcId(r);
  if (r.has_value) {
    s.previous = r.value;
    s.previous_day = day_;
  }
  memo.record = r;
  s.fixings[day_] = std::move(memo);
  while (static_cast<int>(s.fixings.size()) > options_.retain_days) s.fixings.erase(s.fixings.begin());
}

void IndexEngine::ProcessComposite(IndexState& s, std::vector<IndexRecord>& out) {
  const IndexParameters& p = methodology_.ForDate(s.id, day_);
  if (p.weekdays_only && Weekday(day_) >= 6) return;
  if (day_ < p.base_date) return;
  std::vector<ConstituentValue> values;
  for (size_t i = 0; i < s.constituents.size(); ++i) {
    ConstituentValue& v = values.emplace_back();
    v.symbol = p.instruments[i];
    auto it = s.constituents[i]->fixings.find(day_);
    if (it == s.constituents[i]->fixings.end()) continue;
    const IndexRecord& c = it->second.record;
    v.has_value = c.has_value;
    v.value = c.value;
    v.level = c.level;
    v.calc_id = c.calc_id;
    v.trade_count = c.trade_count;
    v.volume = c.volume;
  }
  FixingMemo memo;
  memo.anchor_before = s.anchor;
  memo.prev_composite = s.previous;
  IndexRecord& r = out.emplace_back();
  ComputeComposite(p, day_, values, s.anchor, r);
  AddFixingAlerts(p, s.previous, r);
  r.kind = RecordKind::kFixing;
  r.date = day_;
  r.as_of = FixingTime(s);
  Identify(s, p, r);
  r.calc_id = FixingCalcId(r);
  if (r.has_value) {
    s.previous = r.value;
    s.previous_day = day_;
  }
  memo.record = r;
  s.fixings[day_] = std::move(memo);
  while (static_cast<int>(s.fixings.size()) > options_.retain_days) s.fixings.erase(s.fixings.begin());
}

void IndexEngine::RollDay() {
  for (auto& [id, inst] : instruments_) {
    if (!inst->today.trades.empty()) inst->past.push_back(std::move(inst->today));
    while (static_cast<int>(inst->past.size()) > options_.retain_days) inst->past.pop_front();
    inst->today = InstrumentDay{};
    inst->today.day = day_ + 1;
    inst->today.trades.reserve(options_.reserve_trades);
    inst->today.busted.reserve(options_.reserve_trades);
    AnnounceStore(*inst);
  }
  ++day_;
  PrepareDay();
  for (IndexState* s : order_) {
    s->fixed_today = false;
    s->begin = s->end = 0;
    s->eligible.clear();
    s->pv = 0;
    s->volume = s->count = s->buyers = s->sellers = 0;
    s->buy_n.clear();
    s->sell_n.clear();
    s->member_volume.clear();
    s->top_id = 0;
    s->top_volume = 0;
    s->top_dirty = false;
    s->min_q.clear();
    s->max_q.clear();
    s->excluded_in_window = 0;
    s->last_nonempty = false;
  }
  checkpoint_ = std::make_pair(day_, SaveState());
}

IndexEngine::InstrumentDay* IndexEngine::FindDay(uint32_t instrument, LocalDay day) {
  auto it = instruments_.find(instrument);
  if (it == instruments_.end()) return nullptr;
  if (it->second->today.day == day) return &it->second->today;
  for (InstrumentDay& d : it->second->past) {
    if (d.day == day) return &d;
  }
  return nullptr;
}

absl::Status IndexEngine::OnBust(uint64_t trade_id, Timestamp time, const std::string& reason,
                                 std::vector<IndexRecord>& out) {
  Advance(time, out);
  for (auto& [instrument_id, inst] : instruments_) {
    std::vector<InstrumentDay*> days;
    for (InstrumentDay& d : inst->past) days.push_back(&d);
    days.push_back(&inst->today);
    for (InstrumentDay* d : days) {
      size_t lo = 0, hi = d->trades.size();  // the first trade with id >= trade_id
      while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (d->trades.trade_id(mid) < trade_id) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo == d->trades.size() || d->trades.trade_id(lo) != trade_id) continue;
      const size_t pos = lo;
      if (d->busted[pos]) return absl::OkStatus();
      d->busted[pos] = 1;
      const LocalDay day = d->day;
      const IndexTrade trade = d->trades[pos];
      for (IndexState* s : order_) {
        if (s->composite || s->instrument != instrument_id) continue;
        if (day == day_ && pos >= s->begin && pos < s->end && pos < s->eligible.size() &&
            s->eligible[pos]) {
          // Take it out of the running window.
          s->eligible[pos] = 0;
          s->pv -= static_cast<Int128>(trade.price) * trade.quantity;
          s->volume -= trade.quantity;
          --s->count;
          if (--s->buy_n[trade.buyer] == 0) --s->buyers;
          if (--s->sell_n[trade.seller] == 0) --s->sellers;
          RemoveVolume(*s, trade.buyer, trade.quantity);
          RemoveVolume(*s, trade.seller, trade.quantity);
          ++s->excluded_in_window;
          RebuildExtremes(*s);
        }
        auto memo = s->fixings.find(day);
        if (memo != s->fixings.end() && trade.time < memo->second.record.window_to) {
          CorrectSingle(*s, day, time,
                        absl::StrCat("BUSTED_TRADE:", trade_id, reason.empty() ? "" : ":", reason),
                        out);
        }
      }
      CorrectComposites(instrument_id, day, time,
                        absl::StrCat("CONSTITUENT_CORRECTED:BUSTED_TRADE:", trade_id), out);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("trade ", trade_id, " is not retained by the index engine"));
}

absl::Status IndexEngine::CorrectFixing(const std::string& index_id, LocalDay day, Timestamp time,
                                        const std::string& reason, std::vector<IndexRecord>& out) {
  Advance(time, out);
  auto it = by_id_.find(index_id);
  if (it == by_id_.end()) return absl::NotFoundError(absl::StrCat("no index ", index_id));
  IndexState& s = *it->second;
  if (s.composite) return absl::InvalidArgumentError("correct a composite through its constituents");
  if (s.fixings.count(day) == 0 || FindDay(s.instrument, day) == nullptr) {
    return absl::NotFoundError(absl::StrCat("no retained fixing of ", index_id, " on ", FormatDate(day)));
  }
  CorrectSingle(s, day, time, absl::StrCat("METHODOLOGY:", reason), out);
  CorrectComposites(s.instrument, day, time, absl::StrCat("CONSTITUENT_CORRECTED:", index_id), out);
  return absl::OkStatus();
}

void IndexEngine::CorrectSingle(IndexState& s, LocalDay day, Timestamp /*time*/,
                                const std::string& reason, std::vector<IndexRecord>& out) {
  FixingMemo& memo = s.fixings.at(day);
  InstrumentDay* d = FindDay(s.instrument, day);
  const IndexParameters& p = methodology_.ForDate(s.id, day);
  IndexRecord& r = AppendFixing(p, d, day, memo, RecordKind::kCorrection, out);
  r.supersedes = memo.record.calc_id;
  r.reason = reason;
  Identify(s, p, r);
  r.calc_id = FixingCalcId(r);
  if (day == s.previous_day && r.has_value) s.previous = r.value;
  memo.record = r;
}

void IndexEngine::CorrectComposites(uint32_t instrument, LocalDay day, Timestamp /*time*/,
                                    const std::string& reason, std::vector<IndexRecord>& out) {
  for (IndexState* s : order_) {
    if (!s->composite) continue;
    bool uses = false;
    for (IndexState* c : s->constituents) uses = uses || c->instrument == instrument;
    auto memo_it = s->fixings.find(day);
    if (!uses || memo_it == s->fixings.end()) continue;
    FixingMemo& memo = memo_it->second;
    const IndexParameters& p = methodology_.ForDate(s->id, day);
    std::vector<ConstituentValue> values;
    for (size_t i = 0; i < s->constituents.size(); ++i) {
      ConstituentValue& v = values.emplace_back();
      v.symbol = p.instruments[i];
      auto it = s->constituents[i]->fixings.find(day);
      if (it == s->constituents[i]->fixings.end()) continue;
      const IndexRecord& c = it->second.record;
      v.has_value = c.has_value;
      v.value = c.value;
      v.level = c.level;
      v.calc_id = c.calc_id;
      v.trade_count = c.trade_count;
      v.volume = c.volume;
    }
    // Recomputed from the chain state it was first computed from; the live chain (anchors
    // already set from published values) is not restated.
    CompositeAnchor anchor = memo.anchor_before;
    IndexRecord& r = out.emplace_back();
    ComputeComposite(p, day, values, anchor, r);
    AddFixingAlerts(p, memo.prev_composite, r);
    r.kind = RecordKind::kCorrection;
    r.date = day;
    r.as_of = memo.record.as_of;
    r.supersedes = memo.record.calc_id;
    r.reason = reason;
    Identify(*s, p, r);
    r.calc_id = FixingCalcId(r);
    if (day == s->previous_day && r.has_value) s->previous = r.value;
    memo.record = r;
  }
}

void IndexEngine::Recycle(IndexRecord& record) {
  constexpr size_t kKeep = 64;
  if (record.calc_id.capacity() > 15 && spare_ids_.size() < kKeep) {
    spare_ids_.push_back(std::move(record.calc_id));
  }
  if (record.params_hash.capacity() > 15 && spare_hashes_.size() < kKeep) {
    spare_hashes_.push_back(std::move(record.params_hash));
  }
}

std::optional<std::pair<LocalDay, std::string>> IndexEngine::TakeCheckpoint() {
  auto c = std::move(checkpoint_);
  checkpoint_.reset();
  return c;
}

// Text, one item per line: "day D", "index ID seq prev_has prev prev_day anchor_set anchor_date
// anchor_level prices weights", "bbo INSTRUMENT time bid ask".
std::string IndexEngine::SaveState() const {
  std::string out = absl::StrCat("dazong-index-state/1\nday ", day_, "\n");
  for (const IndexState* s : order_) {
    absl::StrAppend(&out, "index ", s->id, " ", s->seq, " ", s->previous.has_value() ? 1 : 0, " ",
                    s->previous.value_or(0), " ", s->previous_day, " ", s->anchor.set ? 1 : 0, " ",
                    s->anchor.date, " ", s->anchor.level, " ",
                    s->anchor.prices.empty() ? "-" : JoinInts(s->anchor.prices), " ",
                    s->anchor.weights.empty() ? "-" : JoinInts(s->anchor.weights), "\n");
  }
  for (const auto& [id, inst] : instruments_) {
    if (inst->bbo.has_value()) {
      absl::StrAppend(&out, "bbo ", id, " ", inst->bbo->time, " ", inst->bbo->bid, " ",
                      inst->bbo->ask, "\n");
    }
  }
  return out;
}

absl::Status IndexEngine::LoadState(std::string_view state) {
  std::vector<std::string_view> lines;
  for (std::string_view l : text::Split(state, '\n')) {
    if (!l.empty()) lines.push_back(l);
  }
  if (lines.empty() || lines[0] != "dazong-index-state/1") {
    return absl::DataLossError("not an index engine state");
  }
  const auto bad = [] { return absl::DataLossError("corrupt index engine state"); };
  bool have_day = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> f = text::Split(lines[i], ' ');
    if (f[0] == "day" && f.size() == 2) {
      int64_t day;
      if (!text::ToInt(f[1], &day)) return bad();
      Start(UtcOfLocal(static_cast<LocalDay>(day), 0));
      have_day = true;
    } else if (f[0] == "index" && f.size() == 11 && have_day) {
      auto it = by_id_.find(std::string(f[1]));
      if (it == by_id_.end()) continue;  // an index no longer configured
      IndexState& s = *it->second;
      int64_t seq, has, prev, prev_day, set, date, level;
      if (!text::ToInt(f[2], &seq) || !text::ToInt(f[3], &has) ||
          !text::ToInt(f[4], &prev) || !text::ToInt(f[5], &prev_day) ||
          !text::ToInt(f[6], &set) || !text::ToInt(f[7], &date) ||
          !text::ToInt(f[8], &level)) {
        return bad();
      }
      s.seq = static_cast<uint64_t>(seq);
      if (has) s.previous = prev;
      s.previous_day = static_cast<LocalDay>(prev_day);
      s.anchor.set = set != 0;
      s.anchor.date = static_cast<LocalDay>(date);
      s.anchor.level = level;
      s.anchor.prices = SplitInts(f[9]);
      s.anchor.weights = SplitInts(f[10]);
    } else if (f[0] == "bbo" && f.size() == 5) {
      int64_t id, time, bid, ask;
      if (!text::ToInt(f[1], &id) || !text::ToInt(f[2], &time) ||
          !text::ToInt(f[3], &bid) || !text::ToInt(f[4], &ask)) {
        return bad();
      }
      auto it = instruments_.find(static_cast<uint32_t>(id));
      if (it != instruments_.end()) {
        it->second->bbo = Bbo{static_cast<uint32_t>(id), time, bid, ask};
      }
    } else {
      return bad();
    }
  }
  if (!have_day) return bad();
  return absl::OkStatus();
}

absl::Status Recompute(const Methodology& methodology, const std::vector<RecomputeInput>& inputs,
                       Timestamp until, EngineOptions options, std::vector<IndexRecord>& out) {
  return Recompute(methodology, inputs, until, options,
                   [&](IndexRecord&& r) { out.push_back(std::move(r)); });
}

Recomputer::Recomputer(const Methodology& methodology, EngineOptions options,
                       const std::function<void(IndexRecord&&)>& sink)
    : engine_(methodology, options), sink_(sink) {
  engine_.direct_sink_ = &sink_;
}

void Recomputer::Flush() {
  for (IndexRecord& r : out_) {
    sink_(std::move(r));
    engine_.Recycle(r);  // what the sink left in it
  }
  out_.clear();
}

void Recomputer::Trade(const IndexTrade& trade) {
  engine_.OnTrade(trade, out_);
  last_ = trade.time;
  if (!out_.empty()) Flush();
}

void Recomputer::Quote(const Bbo& bbo) {
  engine_.OnBbo(bbo, out_);
  last_ = bbo.time;
  Flush();
}

absl::Status Recomputer::Bust(uint64_t trade_id, Timestamp time, const std::string& reason) {
  absl::Status s = engine_.OnBust(trade_id, time, reason, out_);
  if (!s.ok()) return s;
  last_ = time;
  Flush();
  return absl::OkStatus();
}

absl::Status Recomputer::Input(const RecomputeInput& in) {
  switch (in.type) {
    case RecomputeInput::Type::kTrade:
      Trade(in.trade);
      return absl::OkStatus();
    case RecomputeInput::Type::kQuote:
      Quote(in.bbo);
      return absl::OkStatus();
    case RecomputeInput::Type::kBust:
      return Bust(in.trade.trade_id, in.trade.time, in.reason);
  }
  return absl::OkStatus();
}

void Recomputer::Finish(Timestamp until) {
  if (until == 0) until = UtcOfLocal(LocalDayOf(last_) + 1, 0);
  engine_.OnTime(until, out_);
  Flush();
}

namespace {

size_t MostTradesPerInstrumentDay(const std::vector<RecomputeInput>& inputs) {
  std::vector<size_t> per_instrument;
  LocalDay day = 0;
  Timestamp next_midnight = INT64_MIN;
  size_t most = 0;
  for (const RecomputeInput& in : inputs) {
    if (in.type != RecomputeInput::Type::kTrade) continue;
    if (in.trade.time >= next_midnight) {  // inputs are in time order
      day = LocalDayOf(in.trade.time);
      next_midnight = UtcOfLocal(day + 1, 0);
      per_instrument.assign(per_instrument.size(), 0);
    }
    if (per_instrument.size() <= in.trade.instrument) per_instrument.resize(in.trade.instrument + 1, 0);
    most = std::max(most, ++per_instrument[in.trade.instrument]);
  }
  return most;
}

}  // namespace

absl::Status Recompute(const Methodology& methodology, const std::vector<RecomputeInput>& inputs,
                       Timestamp until, EngineOptions options,
                       const std::function<void(IndexRecord&&)>& sink) {
  // Size each instrument's day once: the largest (instrument, day) trade count.
  options.reserve_trades = std::max(options.reserve_trades, MostTradesPerInstrumentDay(inputs));
  Recomputer r(methodology, options, sink);
  for (const RecomputeInput& in : inputs) {
    absl::Status s = r.Input(in);
    if (!s.ok()) return s;
  }
  r.Finish(until);
  return absl::OkStatus();
}

}  // namespace dazong::index
