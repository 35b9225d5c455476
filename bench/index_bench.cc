// Index calculation benchmarks (Google Benchmark). The headline figure is the recompute of a
// full day of 10 million trades (docs/benchmarks.md, "Index"):
//   index_bench --benchmark_filter=Recompute --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "dazong/index/calc.h"
#include "dazong/index/engine.h"
#include "dazong/index/recompute_csv.h"

namespace {

using namespace dazong;
using namespace dazong::index;

ExchangeConfig BenchConfig() {
  ExchangeConfig config;
  config.name = "bench";
  const char* symbols[] = {"RB", "CU", "SM"};
  for (uint32_t i = 0; i < 3; ++i) {
    InstrumentConfig c;
    c.id = InstrumentId(i + 1);
    c.symbol = symbols[i];
    c.base_units_per_price_unit = 1000;
    config.instruments.push_back(c);
  }
  for (uint32_t i = 1; i <= 40; ++i) {
    MemberConfig m;
    m.id = MemberId(i);
    m.code = "M" + std::to_string(i);
    config.members.push_back(m);
  }
  config.members[0].related_members = {"M2"};
  for (const char* symbol : symbols) {
    IndexConfig index;
    index.id = std::string("DZ-") + symbol;
    index.kind = IndexKind::kSingle;
    index.instruments = {symbol};
    index.fixing_window_start = "14:30";
    index.fixing_window_end = "15:00";
    index.min_trades = 3;
    index.min_volume = Quantity::FromRaw(100000);
    index.min_distinct_buyers = 2;
    index.min_distinct_sellers = 2;
    index.outlier_k_milli = 3000;
    config.indices.push_back(index);
  }
  IndexConfig bulk;
  bulk.id = "DZ-BULK";
  bulk.kind = IndexKind::kComposite;
  bulk.instruments = {"RB", "CU", "SM"};
  bulk.weights = {4000, 3500, 2500};
  bulk.fixing_window_start = "14:30";
  bulk.fixing_window_end = "15:00";
  bulk.min_trades = 3;
  bulk.min_distinct_buyers = 2;
  bulk.min_distinct_sellers = 2;
  bulk.base_date = "2026-01-05";
  config.indices.push_back(bulk);
  return config;
}

// `n` trades spread evenly over 09:00-15:00 local on 2026-01-05, three instruments, 40 members.
const std::vector<RecomputeInput>& Day(size_t n) {
  static std::vector<RecomputeInput> inputs;
  if (inputs.size() == n) return inputs;
  inputs.clear();
  inputs.reserve(n);
  std::mt19937_64 rng(42);
  const Timestamp start = *ParseTime("2026-01-05 09:00:00");
  const int64_t span = 6 * 3600 * kNanosPerSecond;
  const int64_t base[] = {365000, 6850000, 320000};
  for (size_t i = 0; i < n; ++i) {
    RecomputeInput in;
    IndexTrade& t = in.trade;
    t.trade_id = i + 1;
    t.time = start + static_cast<int64_t>(static_cast<Int128>(span) * static_cast<int64_t>(i) /
                                          static_cast<int64_t>(n));
    t.instrument = static_cast<uint32_t>(1 + i % 3);
    t.price = base[i % 3] + static_cast<int64_t>(rng() % 2001) - 1000;
    t.quantity = 1000 * static_cast<int64_t>(1 + rng() % 50);
    t.buyer = static_cast<uint32_t>(1 + rng() % 40);
    t.seller = static_cast<uint32_t>(1 + rng() % 40);
    inputs.push_back(in);
  }
  return inputs;
}

void BM_RecomputeDay(benchmark::State& state, bool intraday) {
  const ExchangeConfig config = BenchConfig();
  const Methodology m = *Methodology::Build(config);
  const std::vector<RecomputeInput>& inputs = Day(static_cast<size_t>(state.range(0)));
  size_t records = 0;
  for (auto _ : state) {
    EngineOptions options;
    options.intraday_records = intraday;
    size_t n = 0;
    benchmark::DoNotOptimize(
        Recompute(m, inputs, 0, options, [&](IndexRecord&& r) { n += r.seq > 0 ? 1 : 0; }));
    records = n;
  }
  state.counters["records"] = static_cast<double>(records);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_RecomputeFixings(benchmark::State& state) { BM_RecomputeDay(state, false); }
void BM_RecomputeWithIntraday(benchmark::State& state) { BM_RecomputeDay(state, true); }

// The same day as a trades CSV file (what `dazong-index export-trades` writes: ns times, yuan
// prices, member codes), made once per run in /tmp.
std::string DayCsvFile(const ExchangeConfig& config, size_t n) {
  const std::string path = "/tmp/dazong-index-bench-" + std::to_string(n) + "-" +
                           std::to_string(getpid()) + ".csv";
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return "";
  std::fputs("trade_id,time,instrument,price,quantity,buyer,seller\n", f);
  for (const RecomputeInput& in : Day(n)) {
    const std::string line = TradeCsvLine(in.trade, config);
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
  }
  std::fclose(f);
  return path;
}

// `dazong-index recompute` without the printing: map the file, check it, parse and compute
// (RecomputeTradesCsv); `materialized`: the same file the way the command did it before
// (ParseTradesCsv, SortInputs, Recompute), for a same-run comparison.
// `one_thread`: RecomputeTradesCsv without its second thread (CsvRecomputeTuning::parallel);
// `no_prefault`: with it, but without its prefaulting of the engine's trade stores.
void BM_RecomputeCsv(benchmark::State& state, bool intraday, bool materialized = false,
                     bool one_thread = false, bool no_prefault = false) {
  const ExchangeConfig config = BenchConfig();
  const Methodology m = *Methodology::Build(config);
  const std::string path = DayCsvFile(config, static_cast<size_t>(state.range(0)));
  size_t records = 0;
  for (auto _ : state) {
    const int fd = open(path.c_str(), O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    const size_t size = static_cast<size_t>(st.st_size);
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    EngineOptions options;
    options.intraday_records = intraday;
    size_t n = 0;
    const std::string_view text(static_cast<const char*>(p), size);
    const auto sink = [&](IndexRecord&& r) { n += r.seq > 0 ? 1 : 0; };
    absl::Status s;
    if (materialized) {  // what dazong-index recompute did before: parse all, sort, recompute
      absl::StatusOr<std::vector<RecomputeInput>> inputs = ParseTradesCsv(text, config);
      s = inputs.status();
      if (s.ok()) {
        SortInputs(*inputs);
        s = Recompute(m, *inputs, 0, options, sink);
      }
    } else {
      s = RecomputeTradesCsv(m, config, text, {}, 0, options, sink,
                             CsvRecomputeTuning{.parallel = !one_thread, .prefault = !no_prefault});
    }
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    munmap(p, size);
    records = n;
  }
  std::remove(path.c_str());
  state.counters["records"] = static_cast<double>(records);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_RecomputeCsvFixings(benchmark::State& state) { BM_RecomputeCsv(state, false); }
void BM_RecomputeCsvWithIntraday(benchmark::State& state) { BM_RecomputeCsv(state, true); }
void BM_RecomputeCsvFixingsMaterialized(benchmark::State& state) { BM_RecomputeCsv(state, false, true); }
void BM_RecomputeCsvFixingsOneThread(benchmark::State& state) { BM_RecomputeCsv(state, false, false, true); }
void BM_RecomputeCsvWithIntradayOneThread(benchmark::State& state) { BM_RecomputeCsv(state, true, false, true); }
void BM_RecomputeCsvWithIntradayNoPrefault(benchmark::State& state) { BM_RecomputeCsv(state, true, false, false, true); }

// One fixing over a session of N trades (exclusions, two MAD passes, statistics, calc id).
void BM_EvaluateSet(benchmark::State& state) {
  const ExchangeConfig config = BenchConfig();
  const Methodology m = *Methodology::Build(config);
  const IndexParameters& p = m.ForDate("DZ-RB", 0);
  std::vector<IndexTrade> trades;
  for (const RecomputeInput& in : Day(static_cast<size_t>(state.range(0)))) trades.push_back(in.trade);
  std::vector<Exclusion> rule(trades.size());
  for (size_t i = 0; i < trades.size(); ++i) rule[i] = RuleExclusion(p, trades[i], false);
  for (auto _ : state) benchmark::DoNotOptimize(EvaluateSet(p, trades, rule));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_RecomputeFixings)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeWithIntraday)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeCsvFixings)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeCsvWithIntraday)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeCsvFixingsMaterialized)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeCsvFixingsOneThread)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeCsvWithIntradayOneThread)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_RecomputeCsvWithIntradayNoPrefault)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_EvaluateSet)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
