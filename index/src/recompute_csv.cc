#include "dazong/index/recompute_csv.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

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

// Visits the file's trades in order, skipping a leading header line. Returns false at the
// first line that does not parse or is earlier than the one before, or when `visit` does.
template <typename Visit>
bool ForEachSortedTrade(std::string_view trades_csv, const TradeLineParser& parser, Visit&& visit) {
  Timestamp previous = INT64_MIN;
  LineReader lines(trades_csv);
  std::string_view line;
  bool first = true;
  IndexTrade t;
  while (lines.Next(line)) {
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

}  // namespace

absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink) {
  const TradeLineParser parser(config);
  const auto materialized = [&] {
    return MaterializedRecompute(methodology, config, trades_csv, std::move(others), until,
                                 options, sink);
  };
  // Fixings only: one pass, holding the (few) records until the whole file has been read, so
  // a malformed or unsorted file can still go the materialized way with nothing emitted.
  // With intraday records (one per trade): a checking pass first, then the calculation,
  // emitting as it goes.
  const bool one_pass = !options.intraday_records;
  if (!one_pass) {
    // Pass 1: every line parses, the trades are in time order, and the largest
    // (instrument, day) trade count (the engine's reserve, as Recompute computes it).
    size_t most = 0;
    std::vector<size_t> per_instrument;
    Timestamp next_midnight = INT64_MIN;
    const bool sorted = ForEachSortedTrade(trades_csv, parser, [&](const IndexTrade& t) {
      if (t.time >= next_midnight) {
        next_midnight = UtcOfLocal(LocalDayOf(t.time) + 1, 0);
        per_instrument.assign(per_instrument.size(), 0);
      }
      if (per_instrument.size() <= t.instrument) per_instrument.resize(t.instrument + 1, 0);
      most = std::max(most, ++per_instrument[t.instrument]);
      return true;
    });
    if (!sorted) return materialized();
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
  const bool sorted = ForEachSortedTrade(trades_csv, parser, [&](const IndexTrade& t) {
    while (next_other < others.size() && InputTime(others[next_other]) < t.time) {
      input_error = r.Input(others[next_other++]);
      if (!input_error.ok()) return false;
    }
    r.Trade(t);
    return true;
  });
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
