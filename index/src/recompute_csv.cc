#include "dazong/index/recompute_csv.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "text.h"

namespace dazong::index {
namespace {

// The lines of `text` as ParseTradesCsv sees them: split at '\n', one trailing '\r' removed,
// lines that are blank after trimming skipped.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}
  bool Next(std::string_view& line) {
    while (p_ != nullptr) {
      const char* nl = static_cast<const char*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
      const char* stop = nl == nullptr ? end_ : nl;
      line = std::string_view(p_, static_cast<size_t>(stop - p_));
      p_ = nl == nullptr ? nullptr : nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && line.front() != ' ' && line.front() != '\t' && line.front() != '\r') {
        return true;  // not blank (fast check)
      }
      if (!text::Trim(line).empty()) return true;
    }
    return false;
  }

 private:
  const char* p_;
  const char* end_;
};

// Symbol or member code -> id: open addressing over FNV-1a, first entry wins (as
// FindInstrument / FindMemberByCode).
class CodeTable {
 public:
  void Add(std::string_view key, uint32_t id) {
    if (keys_.empty()) Resize(16);
    if ((count_ + 1) * 2 > keys_.size()) Resize(keys_.size() * 2);
    size_t i = Hash(key) & (keys_.size() - 1);
    while (used_[i]) {
      if (keys_[i] == key) return;  // the first one wins
      i = (i + 1) & (keys_.size() - 1);
    }
    used_[i] = 1;
    keys_[i] = key;
    ids_[i] = id;
    ++count_;
  }
  bool Find(std::string_view key, uint32_t& id) const {
    if (keys_.empty()) return false;
    size_t i = Hash(key) & (keys_.size() - 1);
    while (used_[i]) {
      if (Equal(keys_[i], key)) {
        id = ids_[i];
        return true;
      }
      i = (i + 1) & (keys_.size() - 1);
    }
    return false;
  }

 private:
  static bool Equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  static size_t Hash(std::string_view key) {
    uint64_t h = 1469598103934665603ull;
    for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  void Resize(size_t n) {
    std::vector<std::string_view> keys = std::move(keys_);
    std::vector<uint32_t> ids = std::move(ids_);
    std::vector<uint8_t> used = std::move(used_);
    keys_.assign(n, {});
    ids_.assign(n, 0);
    used_.assign(n, 0);
    count_ = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (used[i]) Add(keys[i], ids[i]);
    }
  }
  std::vector<std::string_view> keys_;
  std::vector<uint32_t> ids_;
  std::vector<uint8_t> used_;
  size_t count_ = 0;
};

// Parses the trade lines of a trades CSV exactly as ParseTradesCsv does (the same trades, and
// false where ParseTradesCsv would fail): a fast scanner for the common form
// ("<digits>,<digits>,<symbol>,<digits>[.<1-2 digits>],<digits>,<code>,<code>"), the general
// parsers for anything else.
class TradeLineParser {
 public:
  explicit TradeLineParser(const ExchangeConfig& config) {
    for (const InstrumentConfig& i : config.instruments) instruments_.Add(i.symbol, i.id.value());
    for (const MemberConfig& m : config.members) members_.Add(m.code, m.id.value());
  }

  bool Parse(std::string_view line, IndexTrade& t) const {
    return Fast(line, t) || General(line, t);
  }

 private:
  // 1 to 19 digits (a value below 10^19, which fits) then `stop` (or the end for stop == 0);
  // false otherwise.
  static bool Digits(const char*& p, const char* end, char stop, uint64_t& v) {
    const char* start = p;
    v = 0;
    while (p < end && static_cast<unsigned>(*p - '0') <= 9) v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    if (p == start || p - start > 19) return false;
    if (stop == 0) return p == end;
    if (p == end || *p != stop) return false;
    ++p;
    return true;
  }
  static bool Token(const char*& p, const char* end, char stop, std::string_view& v) {
    const char* start = p;
    while (p < end && *p != ',') ++p;
    v = std::string_view(start, static_cast<size_t>(p - start));
    if (stop == 0) return p == end;
    if (p == end) return false;
    ++p;
    return true;
  }

  bool Fast(std::string_view line, IndexTrade& t) const {
    const char* p = line.data();
    const char* end = p + line.size();
    uint64_t id, time, whole, quantity;
    std::string_view symbol, buyer, seller;
    constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
    if (!Digits(p, end, ',', id) || id == 0 || !Digits(p, end, ',', time) || time > kMax ||
        !Token(p, end, ',', symbol)) {
      return false;
    }
    // Price: <1-15 digits>[.<1-2 digits>]
    const char* start = p;
    whole = 0;
    while (p < end && static_cast<unsigned>(*p - '0') <= 9) whole = whole * 10 + static_cast<uint64_t>(*p++ - '0');
    if (p == start || p - start > 15 || p == end) return false;
    uint64_t cents = 0;
    if (*p == '.') {
      ++p;
      const char* frac = p;
      while (p < end && static_cast<unsigned>(*p - '0') <= 9) cents = cents * 10 + static_cast<uint64_t>(*p++ - '0');
      if (p == frac || p - frac > 2) return false;
      if (p - frac == 1) cents *= 10;
    }
    if (p == end || *p != ',') return false;
    ++p;
    if (!Digits(p, end, ',', quantity) || quantity == 0 || quantity > kMax ||
        !Token(p, end, ',', buyer) ||
        !Token(p, end, 0, seller)) {
      return false;
    }
    t.trade_id = id;
    t.time = static_cast<Timestamp>(time);
    t.price = static_cast<int64_t>(whole * 100 + cents);
    t.quantity = static_cast<int64_t>(quantity);
    return t.price > 0 && instruments_.Find(symbol, t.instrument) && members_.Find(buyer, t.buyer) &&
           members_.Find(seller, t.seller);
  }

  bool General(std::string_view line, IndexTrade& t) const {
    const std::vector<std::string_view> f = text::Split(line, ',');
    if (f.size() != 7) return false;
    if (!text::ToInt(f[0], &t.trade_id) || t.trade_id == 0) return false;
    absl::StatusOr<Timestamp> time = ParseTime(f[1]);
    if (!time.ok()) return false;
    t.time = *time;
    if (!instruments_.Find(f[2], t.instrument)) return false;
    absl::StatusOr<Price> price = ParsePrice(f[3]);
    if (!price.ok() || !price->is_positive()) return false;
    t.price = price->raw();
    if (!text::ToInt(f[4], &t.quantity) || t.quantity <= 0) return false;
    return members_.Find(f[5], t.buyer) && members_.Find(f[6], t.seller);
  }

  CodeTable instruments_;
  CodeTable members_;
};

// The old way: parse everything, sort, recompute.
absl::Status MaterializedRecompute(const Methodology& methodology, const ExchangeConfig& config,
                                   std::string_view trades_csv, std::vector<RecomputeInput> others,
                                   Timestamp until, EngineOptions options,
                                   const std::function<void(IndexRecord&&)>& sink) {
  absl::StatusOr<std::vector<RecomputeInput>> inputs = ParseTradesCsv(trades_csv, config);
  if (!inputs.ok()) return inputs.status();
  inputs->insert(inputs->end(), std::make_move_iterator(others.begin()),
                 std::make_move_iterator(others.end()));
  SortInputs(*inputs);
  return Recompute(methodology, *inputs, until, options, sink);
}

Timestamp InputTime(const RecomputeInput& in) {
  return in.type == RecomputeInput::Type::kQuote ? in.bbo.time : in.trade.time;
}

// Visits the trades of `text` (whole lines) in order, skipping a leading header line when
// `header_allowed` (the text starts the file). Returns false at the first line that does not
// parse or is earlier than the one before, or when `visit` does. `saw_line`: whether the text
// held any non-blank line (a header included).
template <typename Visit>
bool ForEachSortedTrade(std::string_view text, const TradeLineParser& parser, bool header_allowed,
                        Visit&& visit, bool* saw_line = nullptr) {
  Timestamp previous = INT64_MIN;
  LineReader lines(text);
  std::string_view line;
  bool first = header_allowed;
  IndexTrade t;
  while (lines.Next(line)) {
    if (saw_line != nullptr) *saw_line = true;
    if (first && line.starts_with("trade_id")) {
      first = false;
      continue;
    }
    first = false;
    if (!parser.Parse(line, t) || t.time < previous) return false;
    previous = t.time;
    if (!visit(t)) return false;
  }
  return true;
}

// What the check of a run of whole lines found: every line parses and the trades are in time
// order (ok), the first and last trade times, and each local day's trade count per instrument,
// in day order.
struct TextCheck {
  bool ok = true;
  bool saw_line = false;
  size_t trades = 0;
  Timestamp first = 0;
  Timestamp last = 0;
  std::vector<std::pair<LocalDay, std::vector<size_t>>> days;
};

TextCheck Check(std::string_view text, const TradeLineParser& parser, bool header_allowed) {
  TextCheck c;
  Timestamp next_midnight = INT64_MIN;
  c.ok = ForEachSortedTrade(
      text, parser, header_allowed,
      [&](const IndexTrade& t) {
        if (c.trades++ == 0) c.first = t.time;
        c.last = t.time;
        if (t.time >= next_midnight) {  // times only grow: a new local day
          const LocalDay day = LocalDayOf(t.time);
          next_midnight = UtcOfLocal(day + 1, 0);
          c.days.emplace_back(day, std::vector<size_t>());
        }
        std::vector<size_t>& counts = c.days.back().second;
        if (counts.size() <= t.instrument) counts.resize(t.instrument + 1, 0);
        ++counts[t.instrument];
        return true;
      },
      &c.saw_line);
  return c;
}

// The check of `a` followed by `b` (the text right after it), as one check of both.
TextCheck Join(TextCheck a, const TextCheck& b) {
  a.ok = a.ok && b.ok && !(a.trades > 0 && b.trades > 0 && b.first < a.last);
  if (!a.ok) return a;
  a.saw_line = a.saw_line || b.saw_line;
  if (a.trades == 0) a.first = b.first;
  if (b.trades > 0) a.last = b.last;
  a.trades += b.trades;
  for (const auto& [day, counts] : b.days) {
    if (!a.days.empty() && a.days.back().first == day) {  // the day spans the split
      std::vector<size_t>& sum = a.days.back().second;
      if (sum.size() < counts.size()) sum.resize(counts.size(), 0);
      for (size_t i = 0; i < counts.size(); ++i) sum[i] += counts[i];
    } else {
      a.days.emplace_back(day, counts);
    }
  }
  return a;
}

// The whole text's check; with `parallel`, the second half (from a line start) is checked on
// another thread at the same time.
TextCheck CheckText(std::string_view text, const TradeLineParser& parser, bool parallel) {
  const size_t nl = parallel ? text.find('\n', text.size() / 2) : std::string_view::npos;
  if (nl == std::string_view::npos) return Check(text, parser, /*header_allowed=*/true);
  const std::string_view head = text.substr(0, nl + 1), tail = text.substr(nl + 1);
  TextCheck second;
  {
    std::jthread other([&] { second = Check(tail, parser, /*header_allowed=*/false); });
    TextCheck first = Check(head, parser, /*header_allowed=*/true);
    other.join();
    // A file whose first half is blank: its first line (perhaps a header) is in the second.
    if (!first.saw_line) return Check(text, parser, /*header_allowed=*/true);
    return Join(std::move(first), second);
  }
}

// Parsed trades handed from a parser thread to the calculation thread in batches, through a
// ring of kSlots batches (one producer, one consumer; memory reused, no allocation per batch).
// A side waits (std::atomic::wait: a short spin, then a futex) only when the ring is full or
// empty. The producer's last batch is marked `last`, and `failed` when a line did not parse or
// was out of order (or the consumer cancelled).
class TradeRing {
 public:
  struct Batch {
    std::vector<IndexTrade> trades;
    size_t n = 0;
    bool last = false;
    bool failed = false;
  };
  static constexpr uint64_t kSlots = 8;

  explicit TradeRing(size_t batch_trades) : batch_trades_(std::max<size_t>(batch_trades, 1)) {
    for (Batch& b : slots_) b.trades.resize(batch_trades_);
  }
  size_t batch_trades() const { return batch_trades_; }

  // Producer: the next batch to fill (emptied), then Publish it.
  Batch& Claim() {
    uint64_t c = consumed_.load(std::memory_order_acquire);
    while (produced_local_ - c >= kSlots) {
      consumed_.wait(c, std::memory_order_acquire);
      c = consumed_.load(std::memory_order_acquire);
    }
    Batch& b = slots_[produced_local_ % kSlots];
    b.n = 0;
    b.last = b.failed = false;
    return b;
  }
  void Publish() {
    produced_.store(++produced_local_, std::memory_order_release);
    produced_.notify_one();
  }
  // Consumer: the oldest published batch, then Pop it.
  const Batch& Front() {
    uint64_t p = produced_.load(std::memory_order_acquire);
    while (p == consumed_local_) {
      produced_.wait(p, std::memory_order_acquire);
      p = produced_.load(std::memory_order_acquire);
    }
    return slots_[consumed_local_ % kSlots];
  }
  void Pop() {
    consumed_.store(++consumed_local_, std::memory_order_release);
    consumed_.notify_one();
  }

  std::atomic<bool> cancel{false};  // set by the consumer: stop parsing

 private:
  const size_t batch_trades_;
  std::array<Batch, kSlots> slots_;
  uint64_t produced_local_ = 0;  // the producer's own copy
  uint64_t consumed_local_ = 0;  // the consumer's own copy
  alignas(64) std::atomic<uint64_t> produced_{0};
  alignas(64) std::atomic<uint64_t> consumed_{0};
};

// Parses `text` on its own thread into `ring`, ahead of the consumer. The destructor stops it
// (cancel, then drain to its last batch) if the consumer did not read to the end.
class ParserThread {
 public:
  ParserThread(std::string_view text, const TradeLineParser& parser, TradeRing& ring)
      : ring_(ring), thread_([text, &parser, &ring] {
          TradeRing::Batch* b = &ring.Claim();
          const size_t size = ring.batch_trades();
          const bool ok = ForEachSortedTrade(text, parser, /*header_allowed=*/true,
                                             [&](const IndexTrade& t) {
                                               b->trades[b->n++] = t;
                                               if (b->n < size) return true;
                                               ring.Publish();
                                               b = &ring.Claim();
                                               return !ring.cancel.load(std::memory_order_relaxed);
                                             });
          b->last = true;
          b->failed = !ok;
          ring.Publish();
        }) {}
  ~ParserThread() {
    if (!done_) {
      ring_.cancel.store(true, std::memory_order_relaxed);
      while (!Next().last) Done();
      Done();
    }
  }
  // The next batch (wait for it), then Done with it.
  const TradeRing::Batch& Next() { return ring_.Front(); }
  void Done() {
    if (ring_.Front().last) done_ = true;
    ring_.Pop();
  }
  void Cancel() { ring_.cancel.store(true, std::memory_order_relaxed); }

 private:
  TradeRing& ring_;
  bool done_ = false;
  std::jthread thread_;
};

}  // namespace

absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink) {
  return RecomputeTradesCsv(methodology, config, trades_csv, std::move(others), until, options,
                            sink, CsvRecomputeTuning{});
}

absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink,
                                const CsvRecomputeTuning& tuning) {
  const TradeLineParser parser(config);
  const auto materialized = [&] {
    return MaterializedRecompute(methodology, config, trades_csv, std::move(others), until,
                                 options, sink);
  };
  const bool parallel = tuning.parallel && trades_csv.size() >= tuning.min_parallel_bytes &&
                        std::thread::hardware_concurrency() >= 2;
  // Fixings only: one pass, holding the (few) records until the whole file has been read, so
  // a malformed or unsorted file can still go the materialized way with nothing emitted.
  // With intraday records (one per trade): a checking pass first, then the calculation,
  // emitting as it goes.
  const bool one_pass = !options.intraday_records;
  if (!one_pass) {
    // Pass 1: every line parses, the trades are in time order, and the largest
    // (instrument, day) trade count (the engine's reserve, as Recompute computes it).
    const TextCheck check = CheckText(trades_csv, parser, parallel);
    if (!check.ok) return materialized();
    size_t most = 0;
    for (const auto& [day, counts] : check.days) {
      for (size_t n : counts) most = std::max(most, n);
    }
    options.reserve_trades = std::max(options.reserve_trades, most);
  } else {
    // A capacity hint only (the day's store is reserved, not touched): at most one trade per
    // 32 bytes of text in practice (an exported line is longer).
    options.reserve_trades =
        std::max(options.reserve_trades, std::min<size_t>(trades_csv.size() / 32, size_t{1} << 26));
  }
  // The calculation. Quotes and busts go before the first trade later than them; at equal
  // times trades come first (SortInputs' order).
  SortInputs(others);
  std::vector<IndexRecord> held;
  const std::function<void(IndexRecord&&)> hold = [&](IndexRecord&& r) { held.push_back(std::move(r)); };
  Recomputer r(methodology, options, one_pass ? hold : sink);
  size_t next_other = 0;
  absl::Status input_error;
  const auto feed = [&](const IndexTrade& t) {
    while (next_other < others.size() && InputTime(others[next_other]) < t.time) {
      input_error = r.Input(others[next_other++]);
      if (!input_error.ok()) return false;
    }
    r.Trade(t);
    return true;
  };
  // `sorted`: every line parsed, in time order, and every input before the last trade applied.
  bool sorted = true;
  if (parallel) {  // the trades parsed on another thread, ahead of the calculation
    TradeRing ring(tuning.batch_trades);
    ParserThread parsing(trades_csv, parser, ring);
    bool stopped = false;
    for (;;) {
      const TradeRing::Batch& b = parsing.Next();
      for (size_t i = 0; i < b.n && !stopped; ++i) {
        if (!feed(b.trades[i])) {
          stopped = true;
          parsing.Cancel();
        }
      }
      const bool last = b.last;
      sorted = !stopped && !b.failed;
      parsing.Done();
      if (last) break;
    }
  } else {
    sorted = ForEachSortedTrade(trades_csv, parser, /*header_allowed=*/true, feed);
  }
  // A bad or unsorted line is only possible in one pass (checked otherwise); in one pass the
  // file may also hold a malformed line after a bad quote or bust, whose error comes first.
  if (!sorted && (one_pass || input_error.ok())) return materialized();
  if (!input_error.ok()) return input_error;
  while (next_other < others.size()) {
    absl::Status s = r.Input(others[next_other++]);
    if (!s.ok()) return s;
  }
  r.Finish(until);
  for (IndexRecord& record : held) sink(std::move(record));
  return absl::OkStatus();
}

}  // namespace dazong::index
