#include "dazong/index/recompute_csv.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "text.h"

namespace dazong::index {
namespace {

// One line of a text as ParseTradesCsv sees it, from `p` (advanced to the next line): split
// at '\n', one trailing '\r' removed. False when the line is blank after trimming (skipped).
bool NextLine(const char*& p, const char* end, std::string_view& line) {
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  const char* stop = nl == nullptr ? end : nl;
  line = std::string_view(p, static_cast<size_t>(stop - p));
  p = nl == nullptr ? end : nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty() && line.front() != ' ' && line.front() != '\t' && line.front() != '\r') {
    return true;  // not blank (fast check)
  }
  return !text::Trim(line).empty();
}

// Symbol or member code -> id: open addressing over FNV-1a, first entry wins (as
// FindInstrument / FindMemberByCode).
class LongCodeTable {
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

// The same map, faster for codes of up to 16 bytes (every symbol and member code in practice):
// such a code is two little-endian words (zero-padded) and its length, looked up by a
// multiplicative hash (the product's high bits) and compared as words. Longer codes go to the
// FNV-1a table. First entry wins in both.
class CodeTable {
 public:
  void Add(std::string_view key, uint32_t id) {
    if (key.size() > 16) {
      long_.Add(key, id);
      return;
    }
    if (slots_.empty()) Resize(16);
    if ((count_ + 1) * 4 > slots_.size()) Resize(slots_.size() * 2);
    Insert(Slot{Word(key.data(), key.size()),
                key.size() > 8 ? Word(key.data() + 8, key.size() - 8) : 0,
                static_cast<uint32_t>(key.size()), id});
  }
  // `key` lies in a text ending at `text_end` (8 bytes past the key may be read when inside it).
  bool Find(std::string_view key, const char* text_end, uint32_t& id) const {
    const size_t n = key.size();
    if (n > 16) return long_.Find(key, id);
    if (slots_.empty()) return false;
    uint64_t a, b = 0;
    if (text_end - key.data() >= 16) {
      a = Load(key.data(), n >= 8 ? 8 : n);
      if (n > 8) b = Load(key.data() + 8, n - 8);
    } else {
      a = Word(key.data(), n);
      if (n > 8) b = Word(key.data() + 8, n - 8);
    }
    size_t i = Index(a, b, n);
    while (slots_[i].len != kFree) {
      const Slot& s = slots_[i];
      if (s.a == a && s.b == b && s.len == n) {
        id = s.id;
        return true;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
    return false;
  }
  bool Find(std::string_view key, uint32_t& id) const {
    return Find(key, key.data() + key.size(), id);
  }

 private:
  static constexpr uint32_t kFree = 0xFFFFFFFF;
  struct Slot {
    uint64_t a = 0;
    uint64_t b = 0;
    uint32_t len = kFree;
    uint32_t id = 0;
  };
  // The first min(n, 8) bytes at p as a little-endian word, the rest zero (reads only them).
  static uint64_t Word(const char* p, size_t n) {
    uint64_t w = 0;
    for (size_t i = 0; i < n && i < 8; ++i) w |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return w;
  }
  // The same from an 8-byte load (p + 8 must be readable), n in [0, 8].
  static uint64_t Load(const char* p, size_t n) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return n >= 8 ? w : w & ((uint64_t{1} << (8 * n)) - 1);
  }
  size_t Index(uint64_t a, uint64_t b, size_t n) const {
    const uint64_t h = (a ^ (b * 0xC2B2AE3D27D4EB4Full) ^ n) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(h >> shift_);
  }
  void Insert(const Slot& slot) {
    size_t i = Index(slot.a, slot.b, slot.len);
    while (slots_[i].len != kFree) {
      const Slot& s = slots_[i];
      if (s.a == slot.a && s.b == slot.b && s.len == slot.len) return;  // the first one wins
      i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = slot;
    ++count_;
  }
  void Resize(size_t n) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(n, Slot{});
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
    count_ = 0;
    for (const Slot& s : old) {  // in table order: an equal key cannot be in it twice
      if (s.len != kFree) Insert(s);
    }
  }
  std::vector<Slot> slots_;
  unsigned shift_ = 60;
  size_t count_ = 0;
  LongCodeTable long_;
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

  // The line that starts at `p`, in a text ending at `end`, when it has the common form: true
  // with what Parse gives for it (the line: up to the next '\n', one trailing '\r' removed),
  // and `next` = the start of the following line. False (the caller takes the line the
  // general way) for any other line. One scan, no separate search for the line's end, digits
  // eight at a time.
  bool ParseLineAt(const char* p, const char* end, IndexTrade& t, const char*& next) const {
    uint64_t id, time, whole, quantity;
    constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
    size_t n = DigitRun(p, end, id);
    if (n == 0 || n > 19 || id == 0 || p + n == end || p[n] != ',') return false;
    p += n + 1;
    n = DigitRun(p, end, time);
    if (n == 0 || n > 19 || time > kMax || p + n == end || p[n] != ',') return false;
    p += n + 1;
    std::string_view symbol, buyer, seller;
    if (!Field(p, end, symbol)) return false;
    // Price: <1-15 digits>[.<1-2 digits>]
    n = DigitRun(p, end, whole);
    if (n == 0 || n > 15 || p + n == end) return false;
    p += n;
    uint64_t cents = 0;
    if (*p == '.') {
      ++p;
      if (p == end || static_cast<unsigned>(*p - '0') > 9) return false;
      cents = static_cast<uint64_t>(*p++ - '0') * 10;
      if (p != end && static_cast<unsigned>(*p - '0') <= 9) cents += static_cast<uint64_t>(*p++ - '0');
    }
    if (p == end || *p != ',') return false;
    ++p;
    n = DigitRun(p, end, quantity);
    if (n == 0 || n > 19 || quantity == 0 || quantity > static_cast<uint64_t>(kMaxCsvTradeQuantity) || p + n == end ||
        p[n] != ',') {
      return false;
    }
    p += n + 1;
    if (!Field(p, end, buyer)) return false;
    // The seller: the rest of the line (no comma).
    const char* start = p;
    while (p != end && *p != ',' && *p != '\n') ++p;
    if (p != end && *p == ',') return false;
    next = p == end ? end : p + 1;
    if (p != start && p[-1] == '\r') --p;
    seller = std::string_view(start, static_cast<size_t>(p - start));
    t.trade_id = id;
    t.time = static_cast<Timestamp>(time);
    t.price = static_cast<int64_t>(whole * 100 + cents);
    t.quantity = static_cast<int64_t>(quantity);
    return t.price > 0 && instruments_.Find(symbol, end, t.instrument) &&
           members_.Find(buyer, end, t.buyer) && members_.Find(seller, end, t.seller);
  }

 private:
  // A field ended by ',' within the line (not by '\n' or the end): `v`, and p past the comma.
  static bool Field(const char*& p, const char* end, std::string_view& v) {
    const char* start = p;
    while (p != end && *p != ',' && *p != '\n') ++p;
    if (p == end || *p != ',') return false;
    v = std::string_view(start, static_cast<size_t>(p - start));
    ++p;
    return true;
  }
  // The run of ASCII digits at p (before `end`): its length (20 when longer than 19) and, for
  // at most 19 digits, its value in `v`. Eight digits at a time while 8 bytes can be read.
  static size_t DigitRun(const char* p, const char* end, uint64_t& v) {
    static constexpr uint64_t kPow10[9] = {1,       10,       100,       1000,      10000,
                                           100000,  1000000,  10000000,  100000000};
    size_t n = 0;
    v = 0;
    while (end - (p + n) >= 8) {
      uint64_t w;
      std::memcpy(&w, p + n, 8);
      if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
      // The high bit of each byte that is not '0'..'9' (exact up to the first such byte).
      const uint64_t non_digit =
          ((w + 0x4646464646464646ull) | (w - 0x3030303030303030ull)) & 0x8080808080808080ull;
      const size_t k = non_digit == 0 ? 8 : static_cast<size_t>(std::countr_zero(non_digit)) / 8;
      if (k == 0) return n;
      if (k < 8) {  // the k digits as the last of eight, after (8 - k) '0's
        const unsigned shift = static_cast<unsigned>(8 * (8 - k));
        w = (w << shift) | (0x3030303030303030ull >> (64 - shift));
      }
      v = v * kPow10[k] + Eight(w);
      n += k;
      if (n > 19) return 20;
      if (k < 8) return n;
    }
    for (; p + n != end && static_cast<unsigned>(p[n] - '0') <= 9; ++n) {
      if (n == 19) return 20;
      v = v * 10 + static_cast<uint64_t>(p[n] - '0');
    }
    return n;
  }
  // Eight ASCII digits (the first in the low byte) as a number.
  static uint64_t Eight(uint64_t w) {
    w -= 0x3030303030303030ull;
    w = w * 10 + (w >> 8);
    return (((w & 0x000000FF000000FFull) * 0x000F424000000064ull) +
            (((w >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >> 32;
  }

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
    if (!Digits(p, end, ',', quantity) || quantity == 0 || quantity > static_cast<uint64_t>(kMaxCsvTradeQuantity) ||
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
    if (!text::ToInt(f[4], &t.quantity) || t.quantity <= 0 || t.quantity > kMaxCsvTradeQuantity) return false;
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
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  bool first = header_allowed;
  IndexTrade t;
  std::string_view line;
  while (p != end) {
    const char* next;
    if (parser.ParseLineAt(p, end, t, next)) {  // the common form, in one scan
      p = next;
      if (saw_line != nullptr) *saw_line = true;
      first = false;
    } else {
      // Any other line: blank lines skipped, a header allowed first.
      if (!NextLine(p, end, line)) continue;
      if (saw_line != nullptr) *saw_line = true;
      if (first && line.starts_with("trade_id")) {
        first = false;
        continue;
      }
      first = false;
      if (!parser.Parse(line, t)) return false;
    }
    if (t.time < previous) return false;
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

// Where the engine reserved each instrument's trade store for a day (written on the
// calculation thread through EngineOptions::on_store_reserved, read by the parser thread),
// so that the parser thread can fault the store's pages in (the kernel zeroes them) just
// ahead of the calculation, which then finds them ready. Only a hint: the pages' contents
// are not touched (MADV_POPULATE_WRITE), and a stale range is harmless.
class StoreHints {
 public:
  static constexpr uint32_t kInstruments = 64;  // instrument ids above are not prefaulted

  void Set(uint32_t instrument, LocalDay day, void* data, size_t bytes, size_t per_trade) {
    if (instrument >= kInstruments) return;
    Slot& s = slots_[instrument];
    s.day.store(0, std::memory_order_relaxed);  // a seqlock: 0 while the fields change
    std::atomic_thread_fence(std::memory_order_release);
    s.data.store(reinterpret_cast<uintptr_t>(data), std::memory_order_relaxed);
    s.bytes.store(bytes, std::memory_order_relaxed);
    s.per_trade.store(per_trade, std::memory_order_relaxed);
    s.day.store(static_cast<int64_t>(day) + 1, std::memory_order_release);
  }

  // The parser thread's side: `parsed[i]` trades of instrument i parsed so far on `day`.
  class Prefaulter {
   public:
    explicit Prefaulter(StoreHints& hints) : hints_(hints) {}
    void Count(const IndexTrade& t) {
      if (t.time >= next_midnight_) {
        day_ = LocalDayOf(t.time);
        next_midnight_ = UtcOfLocal(day_ + 1, 0);
        parsed_.fill(0);
      }
      if (t.instrument < kInstruments) ++parsed_[t.instrument];
    }
    // Faults in each store up to `kAhead` trades past what has been parsed, at most kChunk
    // bytes a call and store.
    void Run() {
      for (uint32_t i = 0; i < kInstruments; ++i) {
        if (parsed_[i] == 0) continue;
        Slot& s = hints_.slots_[i];
        const int64_t d1 = s.day.load(std::memory_order_acquire);
        const uintptr_t data = s.data.load(std::memory_order_relaxed);
        const size_t bytes = s.bytes.load(std::memory_order_relaxed);
        const size_t per_trade = s.per_trade.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (d1 != static_cast<int64_t>(day_) + 1 || s.day.load(std::memory_order_relaxed) != d1) continue;
        if (data != store_[i]) {  // a new store
          store_[i] = data;
          done_[i] = 0;
        }
        const size_t want = std::min(bytes, (parsed_[i] + kAhead) * per_trade);
        if (want <= done_[i]) continue;
        const size_t until = std::min(want, done_[i] + kChunk);
        const uintptr_t from = (data + done_[i]) & ~uintptr_t{4095};
        const uintptr_t to = (data + until + 4095) & ~uintptr_t{4095};
        madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
        done_[i] = until;
      }
    }

   private:
    static constexpr size_t kAhead = 1 << 16;
    static constexpr size_t kChunk = size_t{4} << 20;
    StoreHints& hints_;
    LocalDay day_ = 0;
    Timestamp next_midnight_ = INT64_MIN;
    std::array<size_t, kInstruments> parsed_{};
    std::array<uintptr_t, kInstruments> store_{};
    std::array<size_t, kInstruments> done_{};
  };

 private:
  struct Slot {
    std::atomic<int64_t> day{0};  // LocalDay + 1; 0: none or changing
    std::atomic<uintptr_t> data{0};
    std::atomic<size_t> bytes{0};
    std::atomic<size_t> per_trade{0};
  };
  std::array<Slot, kInstruments> slots_;
};

// Parses `text` on its own thread into `ring`, ahead of the consumer (and, with `hints`,
// faults in the engine's trade stores ahead of it). The destructor stops it (cancel, then
// drain to its last batch) if the consumer did not read to the end.
class ParserThread {
 public:
  ParserThread(std::string_view text, const TradeLineParser& parser, TradeRing& ring,
               StoreHints* hints)
      : ring_(ring), thread_([text, &parser, &ring, hints] {
          std::optional<StoreHints::Prefaulter> prefault;
          if (hints != nullptr) prefault.emplace(*hints);
          TradeRing::Batch* b = &ring.Claim();
          const size_t size = ring.batch_trades();
          const bool ok = ForEachSortedTrade(text, parser, /*header_allowed=*/true,
                                             [&](const IndexTrade& t) {
                                               b->trades[b->n++] = t;
                                               if (prefault) prefault->Count(t);
                                               if (b->n < size) return true;
                                               ring.Publish();
                                               if (prefault) prefault->Run();
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
  StoreHints hints;
  if (parallel && tuning.prefault) {
    options.on_store_reserved = [&hints](uint32_t instrument, LocalDay day, void* data,
                                         size_t bytes, size_t per_trade) {
      hints.Set(instrument, day, data, bytes, per_trade);
    };
  }
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
    ParserThread parsing(trades_csv, parser, ring, tuning.prefault ? &hints : nullptr);
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
