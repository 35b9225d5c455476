// dazong-replay: applies a replay file (issue 3's format) to one OrderBook.
//
// Format, one operation per line:
//   A,<id>,<B|S>,<price>,<qty>,<GTC|IOC|FOK>   limit order
//   M,<id>,<B|S>,<qty>                         market order, no protection; the rest is cancelled
//   C,<id>                                     cancel
//   R,<id>,<price>,<qty>                       replace; qty is the new remaining quantity
// Ids are positive integers; prices and quantities are integers (tick 1, lot 1). An id that
// was ever accepted is never accepted again; an operation that is rejected (unknown id,
// reused id, zero or negative price or quantity, a malformed line) has no effect and does
// not consume its id. Blank lines and lines starting with '#' are ignored (an extension).
//
// Usage:
//   dazong-replay --trades FILE
//       prints every trade "T,<aggressor>,<resting>,<price>,<qty>" in order, then every
//       resting order "O,<B|S>,<price>,<id>,<remaining>", bids best first, then asks best
//       first, FIFO within a price.
//   dazong-replay [--warmup N] [--runs R] [--depth L] FILE
//       loads and parses the whole file first, then measures the engine only (--depth L:
//       depth events for the top L levels, consumed by a counting MarketDataListener):
//       * throughput: R (default 3) un-instrumented passes, each on a fresh book: the first
//         N operations (the generator's warm-up) are applied untimed, then steady_clock and
//         the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID) are read once before and once
//         after the remaining operations; ops/s per pass by both clocks and the medians are
//         printed (on a shared machine the CPU-time figure excludes time the thread spent
//         descheduled).
//       * latency: one more pass on a fresh book, reading the TSC (lfence; rdtsc before,
//         rdtscp; lfence after) around each operation after the warm-up. Cycles are
//         converted with a TSC frequency calibrated once against steady_clock; the cost of
//         an empty timed interval is measured and printed, and is included in the figures.
//         Percentiles per kind: add (a GTC limit that rested without trading), cancel,
//         aggressive (any order or replace that traded), replace (no trade), other (rejects,
//         IOC/FOK/market that did not trade).
//         Also printed: how many operations of each kind took over 10 µs, and how many of
//         those were slow again in a second identical pass (a slow operation the engine
//         causes repeats; one the machine causes, an interrupt or a hypervisor exit, does not).
//       * memory: OrderBook::memory_bytes() divided by the peak number of resting orders.
//
// Book: tick 1, lot 1, no band, no volatility interruption, continuous phase, the price
// window from the file's minimum and maximum price. max_orders: with --trades, the number
// of adds in the file; when measuring, an untimed sizing pass first finds the peak number
// of resting orders, and the measured books hold 5/4 of it (at least 1024), like a
// production book sized from its expected depth rather than from the day's order count.
#include <time.h>
#include <x86intrin.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <iterator>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dazong/matching/order_book.h"

namespace dazong::matching {
namespace {

enum class Kind : uint8_t { kAdd, kMarket, kCancel, kReplace };

// One parsed line. `slot` is a dense index of the id, for the used-id bitmap.
struct ReplayOp {
  Kind kind = Kind::kAdd;
  Side side = Side::kBuy;
  TimeInForce tif = TimeInForce::kGtc;
  uint32_t slot = 0;
  uint64_t id = 0;
  int64_t price = 0;
  int64_t qty = 0;
};

struct Loaded {
  std::vector<ReplayOp> ops;
  uint32_t distinct_ids = 0;
  uint64_t malformed = 0;
  uint64_t adds = 0;
  int64_t min_price = 0;
  int64_t max_price = 0;
};

// Splits `line` at commas into at most `max` fields; returns the count, or max + 1 if more.
size_t SplitFields(std::string_view line, std::string_view* fields, size_t max) {
  size_t n = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (n == max) return max + 1;
    fields[n++] = line.substr(start, comma == std::string_view::npos ? line.npos : comma - start);
    if (comma == std::string_view::npos) return n;
    start = comma + 1;
  }
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, *out);
  return ec == std::errc() && ptr == last;
}

bool ParseId(std::string_view text, uint64_t* out) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && *out > 0;
}

bool ParseSide(std::string_view text, Side* side) {
  if (text == "B") *side = Side::kBuy;
  else if (text == "S") *side = Side::kSell;
  else return false;
  return true;
}

// Parses one line (without its newline). False if malformed.
bool ParseLine(std::string_view line, ReplayOp* op) {
  std::string_view f[6];
  const size_t n = SplitFields(line, f, 6);
  if (n < 2 || f[0].size() != 1) return false;
  if (!ParseId(f[1], &op->id)) return false;
  switch (f[0][0]) {
    case 'A':
      op->kind = Kind::kAdd;
      if (n != 6 || !ParseSide(f[2], &op->side) || !ParseInt(f[3], &op->price) ||
          !ParseInt(f[4], &op->qty)) {
        return false;
      }
      if (f[5] == "GTC") op->tif = TimeInForce::kGtc;
      else if (f[5] == "IOC") op->tif = TimeInForce::kIoc;
      else if (f[5] == "FOK") op->tif = TimeInForce::kFok;
      else return false;
      return true;
    case 'M':
      op->kind = Kind::kMarket;
      op->tif = TimeInForce::kIoc;
      return n == 4 && ParseSide(f[2], &op->side) && ParseInt(f[3], &op->qty);
    case 'C':
      op->kind = Kind::kCancel;
      return n == 2;
    case 'R':
      op->kind = Kind::kReplace;
      return n == 4 && ParseInt(f[2], &op->price) && ParseInt(f[3], &op->qty);
    default:
      return false;
  }
}

bool LoadFile(const char* path, Loaded* out) {
  FILE* file = std::fopen(path, "rb");
  if (file == nullptr) {
    std::fprintf(stderr, "dazong-replay: cannot open %s: %s\n", path, std::strerror(errno));
    return false;
  }
  std::string text;
  char chunk[1 << 16];
  size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof(chunk), file)) > 0) text.append(chunk, got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    std::fprintf(stderr, "dazong-replay: cannot read %s\n", path);
    return false;
  }

  std::unordered_map<uint64_t, uint32_t> slots;
  bool have_price = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    ReplayOp op;
    if (!ParseLine(line, &op)) {
      ++out->malformed;
      continue;
    }
    const auto [it, inserted] = slots.try_emplace(op.id, static_cast<uint32_t>(slots.size()));
    op.slot = it->second;
    if (op.kind == Kind::kAdd || op.kind == Kind::kMarket) ++out->adds;
    if ((op.kind == Kind::kAdd || op.kind == Kind::kReplace) && op.price > 0) {
      if (!have_price || op.price < out->min_price) out->min_price = op.price;
      if (!have_price || op.price > out->max_price) out->max_price = op.price;
      have_price = true;
    }
    out->ops.push_back(op);
  }
  out->distinct_ids = static_cast<uint32_t>(slots.size());
  if (!have_price) out->min_price = out->max_price = 1;
  return true;
}

// Records what one operation did; optionally prints trades.
class ReplayListener final : public OrderListener {
 public:
  void BeginOp() {
    accepted_ = false;
    rejected_ = false;
    trades_ = 0;
  }
  bool accepted() const { return accepted_; }
  bool rejected() const { return rejected_; }
  uint32_t trades() const { return trades_; }
  void set_print(std::string* out) { print_ = out; }

  void OnAccepted(const Order&) override { accepted_ = true; }
  void OnRejected(const OrderRequest&, RejectReason) override { rejected_ = true; }
  void OnTrade(const Order& aggressor, const Order& resting, Price price, Quantity quantity,
               bool) override {
    ++trades_;
    if (print_ == nullptr) return;
    char line[128];
    const int n = std::snprintf(line, sizeof(line), "T,%llu,%llu,%lld,%lld\n",
                                static_cast<unsigned long long>(aggressor.id.value()),
                                static_cast<unsigned long long>(resting.id.value()),
                                static_cast<long long>(price.raw()),
                                static_cast<long long>(quantity.raw()));
    print_->append(line, static_cast<size_t>(n));
  }
  void OnCancelled(const Order&, CancelReason) override {}
  void OnReplaced(const Order&, Price, Quantity, bool) override {}
  void OnCancelRejected(OrderId, RejectReason) override { rejected_ = true; }
  void OnReplaceRejected(OrderId, RejectReason) override { rejected_ = true; }

 private:
  bool accepted_ = false;
  bool rejected_ = false;
  uint32_t trades_ = 0;
  std::string* print_ = nullptr;
};

// Counts market data events (the depth benchmark's consumer).
class CountingMarketData final : public MarketDataListener {
 public:
  uint64_t events = 0;
  int64_t checksum = 0;
  void OnBbo(const Bbo& bbo) override {
    ++events;
    checksum += bbo.bid_quantity.raw();
  }
  void OnDepth(Side, uint32_t rank, const Level& level) override {
    ++events;
    checksum += level.quantity.raw() + rank;
  }
  void OnPhase(Phase, Phase) override {}
  void OnIndicative(Price, Quantity, Quantity, Side) override {}
};

// Applies replay operations to a book, enforcing "an id ever accepted is never accepted
// again" with a bitmap over the file's dense id slots.
class Replayer {
 public:
  Replayer(const Loaded& loaded, uint32_t max_orders, ReplayListener& listener,
           uint32_t depth = 0, MarketDataListener* market_data = nullptr)
      : listener_(listener),
        used_((loaded.distinct_ids + 63) / 64, 0),
        book_(MakeConfig(loaded, max_orders, depth), listener, market_data) {}

  static BookConfig MakeConfig(const Loaded& loaded, uint32_t max_orders, uint32_t depth) {
    BookConfig config;
    config.tick = Price::FromRaw(1);
    config.lot = Quantity::FromRaw(1);
    config.window_low = Price::FromRaw(loaded.min_price);
    config.window_high = Price::FromRaw(loaded.max_price);
    config.max_orders = max_orders;
    config.depth_levels = depth;
    config.volatility_bps = 0;
    config.initial_phase = Phase::kContinuous;
    return config;
  }

  // True if the op reaches the engine (a reused id never does).
  bool Admit(const ReplayOp& op) const {
    if (op.kind != Kind::kAdd && op.kind != Kind::kMarket) return true;
    return (used_[op.slot >> 6] >> (op.slot & 63) & 1) == 0;
  }
  // Calls the engine; the caller has checked Admit().
  void Engine(const ReplayOp& op, Timestamp now) {
    switch (op.kind) {
      case Kind::kAdd:
      case Kind::kMarket: {
        OrderRequest request;
        request.id = OrderId(op.id);
        request.member = MemberId(1);
        request.side = op.side;
        request.type = op.kind == Kind::kAdd ? OrderType::kLimit : OrderType::kMarket;
        request.tif = op.tif;
        request.price = Price::FromRaw(op.kind == Kind::kAdd ? op.price : 0);
        request.quantity = Quantity::FromRaw(op.qty);
        book_.Add(request, now);
        break;
      }
      case Kind::kCancel:
        book_.Cancel(OrderId(op.id), now);
        break;
      case Kind::kReplace:
        book_.Replace(OrderId(op.id), Price::FromRaw(op.price), Quantity::FromRaw(op.qty), now);
        break;
    }
  }
  // Marks the id used if the engine accepted the order.
  void After(const ReplayOp& op) {
    if ((op.kind == Kind::kAdd || op.kind == Kind::kMarket) && listener_.accepted()) {
      used_[op.slot >> 6] |= uint64_t{1} << (op.slot & 63);
    }
  }
  // Cache hints for the operations about to come, as the sequencer gives them for its group:
  // the id entry two operations ahead, the resting order one ahead (its entry landed by now).
  void Hint(const std::vector<ReplayOp>& ops, size_t i) const {
    if (i + 2 < ops.size() && TouchesResting(ops[i + 2])) book_.PrefetchId(OrderId(ops[i + 2].id));
    if (i + 1 < ops.size() && TouchesResting(ops[i + 1])) book_.PrefetchOrder(OrderId(ops[i + 1].id));
  }
  static bool TouchesResting(const ReplayOp& op) {
    return op.kind == Kind::kCancel || op.kind == Kind::kReplace;
  }
  // The whole operation, untimed parts included.
  void Apply(const ReplayOp& op, Timestamp now) {
    listener_.BeginOp();
    if (!Admit(op)) return;
    Engine(op, now);
    After(op);
  }

  OrderBook& book() { return book_; }

 private:
  ReplayListener& listener_;
  std::vector<uint64_t> used_;
  OrderBook book_;
};

int RunTrades(const Loaded& loaded) {
  ReplayListener listener;
  std::string out;
  listener.set_print(&out);
  const uint32_t max_orders = static_cast<uint32_t>(std::clamp<uint64_t>(loaded.adds, 1, 1u << 26));
  Replayer replayer(loaded, max_orders, listener);
  Timestamp now = 0;
  for (const ReplayOp& op : loaded.ops) replayer.Apply(op, ++now);
  replayer.book().ForEachOrder([&out](const Order& o) {
    char line[128];
    const int n = std::snprintf(line, sizeof(line), "O,%c,%lld,%llu,%lld\n",
                                o.side == Side::kBuy ? 'B' : 'S',
                                static_cast<long long>(o.price.raw()),
                                static_cast<unsigned long long>(o.id.value()),
                                static_cast<long long>(o.leaves.raw()));
    out.append(line, static_cast<size_t>(n));
  });
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// ---- measurement ----

inline uint64_t TscBegin() {
  _mm_lfence();
  return __rdtsc();
}
inline uint64_t TscEnd() {
  unsigned aux = 0;
  const uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// TSC ticks per nanosecond, calibrated against steady_clock over ~200 ms.
double CalibrateTsc() {
  using Clock = std::chrono::steady_clock;
  const auto c0 = Clock::now();
  const uint64_t t0 = TscBegin();
  while (Clock::now() - c0 < std::chrono::milliseconds(200)) {
  }
  const auto c1 = Clock::now();
  const uint64_t t1 = TscEnd();
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count());
  return static_cast<double>(t1 - t0) / ns;
}

enum Category { kCatAdd, kCatCancel, kCatAggressive, kCatReplace, kCatOther, kCategories };
const char* const kCategoryNames[kCategories] = {"add", "cancel", "aggressive", "replace", "other"};

uint64_t Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  if (rank == 0) rank = 1;
  if (rank > sorted.size()) rank = sorted.size();
  return sorted[rank - 1];
}

// Runs every op on a fresh book; returns the peak resting count.
uint32_t SizingPass(const Loaded& loaded) {
  ReplayListener listener;
  const uint32_t max_orders = static_cast<uint32_t>(std::clamp<uint64_t>(loaded.adds, 1, 1u << 26));
  Replayer replayer(loaded, max_orders, listener);
  uint32_t peak = 0;
  Timestamp now = 0;
  for (const ReplayOp& op : loaded.ops) {
    replayer.Apply(op, ++now);
    peak = std::max(peak, replayer.book().order_count());
  }
  return peak;
}

int RunMeasure(const Loaded& loaded, uint64_t warmup, int runs, uint32_t depth, bool prefetch) {
  const size_t total = loaded.ops.size();
  if (warmup > total) warmup = total;
  const uint64_t measured = total - warmup;
  const uint32_t peak = SizingPass(loaded);
  const uint32_t max_orders = std::max<uint32_t>(1024, peak + peak / 4);

  std::printf("ops: %zu loaded (%llu malformed lines skipped), %llu warm-up (untimed), %llu measured\n",
              total, static_cast<unsigned long long>(loaded.malformed),
              static_cast<unsigned long long>(warmup), static_cast<unsigned long long>(measured));
  std::printf("book: max_orders %u (peak resting %u), price window [%lld, %lld]\n", max_orders, peak,
              static_cast<long long>(loaded.min_price), static_cast<long long>(loaded.max_price));

  // Throughput: un-instrumented passes.
  std::vector<double> rates;
  std::vector<double> cpu_rates;
  for (int r = 0; r < runs; ++r) {
    ReplayListener listener;
    CountingMarketData md;
    Replayer replayer(loaded, max_orders, listener, depth, depth > 0 ? &md : nullptr);
    Timestamp now = 0;
    for (size_t i = 0; i < warmup; ++i) replayer.Apply(loaded.ops[i], ++now);
    const int64_t c0 = ThreadCpuNs();
    const auto t0 = std::chrono::steady_clock::now();
    if (prefetch) {
      for (size_t i = warmup; i < total; ++i) {
        replayer.Hint(loaded.ops, i);
        replayer.Apply(loaded.ops[i], ++now);
      }
    } else {
      for (size_t i = warmup; i < total; ++i) replayer.Apply(loaded.ops[i], ++now);
    }
    const auto t1 = std::chrono::steady_clock::now();
    const int64_t c1 = ThreadCpuNs();
    const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    const double cpu_ns = static_cast<double>(c1 - c0);
    const double rate = ns > 0 ? static_cast<double>(measured) * 1e9 / ns : 0;
    const double cpu_rate = cpu_ns > 0 ? static_cast<double>(measured) * 1e9 / cpu_ns : 0;
    rates.push_back(rate);
    cpu_rates.push_back(cpu_rate);
    std::printf("throughput pass %d: wall %.2f M ops/s (%.1f ns/op), thread CPU %.2f M ops/s (%.1f ns/op); "
                "%llu market data events\n",
                r + 1, rate / 1e6, measured > 0 ? ns / static_cast<double>(measured) : 0.0, cpu_rate / 1e6,
                measured > 0 ? cpu_ns / static_cast<double>(measured) : 0.0,
                static_cast<unsigned long long>(md.events));
  }
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  if (!rates.empty()) {
    std::printf("throughput median of %d: wall %.2f M ops/s, thread CPU %.2f M ops/s\n", runs,
                rates[rates.size() / 2] / 1e6, cpu_rates[cpu_rates.size() / 2] / 1e6);
  }

  // Timer: frequency and the cost of an empty interval.
  const double ticks_per_ns = CalibrateTsc();
  std::vector<uint32_t> empty(1 << 20);
  for (uint32_t& e : empty) {
    const uint64_t a = TscBegin();
    const uint64_t b = TscEnd();
    e = static_cast<uint32_t>(b - a);
  }
  std::sort(empty.begin(), empty.end());
  std::printf("timer: TSC %.3f GHz; empty interval min %u, median %llu, p99 %llu ticks (%.1f ns median, included below)\n",
              ticks_per_ns, empty.front(), static_cast<unsigned long long>(Percentile(empty, 0.5)),
              static_cast<unsigned long long>(Percentile(empty, 0.99)),
              static_cast<double>(Percentile(empty, 0.5)) / ticks_per_ns);

  // Latency: one instrumented pass, then a second identical pass that only notes which
  // operations took over 10 µs. An operation the engine makes slow is slow in both passes;
  // one slowed by the machine (an interrupt, the hypervisor) is not.
  const uint32_t slow_ticks = static_cast<uint32_t>(10000.0 * ticks_per_ns);
  std::vector<uint32_t> samples[kCategories];
  for (auto& s : samples) s.reserve(measured);
  uint64_t reused = 0;
  size_t bytes = 0;
  std::vector<size_t> slow[2];
  for (int pass = 0; pass < 2; ++pass) {
    ReplayListener listener;
    CountingMarketData md;
    Replayer replayer(loaded, max_orders, listener, depth, depth > 0 ? &md : nullptr);
    Timestamp now = 0;
    for (size_t i = 0; i < warmup; ++i) replayer.Apply(loaded.ops[i], ++now);
    for (size_t i = warmup; i < total; ++i) {
      const ReplayOp& op = loaded.ops[i];
      listener.BeginOp();
      ++now;
      if (prefetch) replayer.Hint(loaded.ops, i);  // untimed, as in the throughput passes
      if (!replayer.Admit(op)) {
        if (pass == 0) ++reused;
        continue;
      }
      const uint64_t t0 = TscBegin();
      replayer.Engine(op, now);
      const uint64_t t1 = TscEnd();
      replayer.After(op);
      const uint64_t d = t1 - t0;
      const uint32_t ticks = d > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(d);
      if (ticks > slow_ticks) slow[pass].push_back(i);
      if (pass == 1) continue;
      Category c = kCatOther;
      if (listener.rejected()) c = kCatOther;
      else if (listener.trades() > 0) c = kCatAggressive;
      else if (op.kind == Kind::kCancel) c = kCatCancel;
      else if (op.kind == Kind::kReplace) c = kCatReplace;
      else if (op.kind == Kind::kAdd && op.tif == TimeInForce::kGtc) c = kCatAdd;
      samples[c].push_back(ticks);
    }
    if (pass == 0) bytes = replayer.book().memory_bytes();
  }
  std::vector<size_t> slow_both;
  std::set_intersection(slow[0].begin(), slow[0].end(), slow[1].begin(), slow[1].end(),
                        std::back_inserter(slow_both));
  std::printf("latency (ns per operation, TSC around the engine call):\n");
  std::printf("  %-10s %10s %8s %8s %8s %8s %10s %8s\n", "kind", "count", "p50", "p99", "p99.9", "p99.99",
              "max", ">10us");
  for (int c = 0; c < kCategories; ++c) {
    std::vector<uint32_t>& s = samples[c];
    if (s.empty()) continue;
    std::sort(s.begin(), s.end());
    auto ns = [&](double p) { return static_cast<double>(Percentile(s, p)) / ticks_per_ns; };
    const double limit = 10000.0 * ticks_per_ns;
    const size_t over = static_cast<size_t>(
        s.end() - std::upper_bound(s.begin(), s.end(), static_cast<uint32_t>(limit)));
    std::printf("  %-10s %10zu %8.0f %8.0f %8.0f %8.0f %10.0f %8zu\n", kCategoryNames[c], s.size(), ns(0.5),
                ns(0.99), ns(0.999), ns(0.9999), static_cast<double>(s.back()) / ticks_per_ns, over);
  }
  std::printf("operations over 10 us: %zu in this pass, %zu in a second identical pass, %zu the same "
              "operation in both\n",
              slow[0].size(), slow[1].size(), slow_both.size());
  for (size_t k = 0; k < slow_both.size() && k < 5; ++k) {
    const ReplayOp& op = loaded.ops[slow_both[k]];
    std::printf("  slow in both: operation %zu (line kind %c, id %llu)\n", slow_both[k],
                "AMCR"[static_cast<int>(op.kind)], static_cast<unsigned long long>(op.id));
  }
  std::printf("memory: %zu bytes; %.1f bytes per resting order (peak %u resting)\n", bytes,
              peak > 0 ? static_cast<double>(bytes) / peak : 0.0, peak);
  std::printf("rejected by the engine or unfilled: %zu; reused ids refused by the tool: %llu\n",
              samples[kCatOther].size(), static_cast<unsigned long long>(reused));
  return 0;
}

int Usage() {
  std::fprintf(stderr, "usage: dazong-replay --trades FILE\n"
                       "       dazong-replay [--warmup N] [--runs R] [--depth L] [--no-prefetch] FILE\n");
  return 2;
}

int Main(int argc, char** argv) {
  bool trades = false;
  bool prefetch = true;
  uint64_t warmup = 0;
  int64_t runs = 3;
  int64_t depth = 0;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    int64_t value = 0;
    if (arg == "--trades") {
      trades = true;
    } else if (arg == "--no-prefetch") {
      prefetch = false;
    } else if (arg == "--warmup" && i + 1 < argc && ParseInt(argv[i + 1], &value) && value >= 0) {
      warmup = static_cast<uint64_t>(value);
      ++i;
    } else if (arg == "--runs" && i + 1 < argc && ParseInt(argv[i + 1], &value) && value >= 1 &&
               value <= 100) {
      runs = value;
      ++i;
    } else if (arg == "--depth" && i + 1 < argc && ParseInt(argv[i + 1], &value) && value >= 0 &&
               value <= 1000) {
      depth = value;
      ++i;
    } else if (path == nullptr && !arg.empty() && arg[0] != '-') {
      path = argv[i];
    } else {
      return Usage();
    }
  }
  if (path == nullptr) return Usage();
  Loaded loaded;
  if (!LoadFile(path, &loaded)) return 1;
  return trades ? RunTrades(loaded)
                : RunMeasure(loaded, warmup, static_cast<int>(runs), static_cast<uint32_t>(depth), prefetch);
}

}  // namespace
}  // namespace dazong::matching

int main(int argc, char** argv) { return dazong::matching::Main(argc, argv); }
