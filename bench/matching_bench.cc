// matching_bench: Google Benchmark figures for the matching core (issue 3's targets).
//
//   BM_Mix/resting:N/hinted:H
//                      the 45/45/10 steady-state workload (bench/workload.h) holding about N
//                      resting orders; one iteration = a fresh book, the warm-up (N adds,
//                      untimed), then 1,000,000 timed operations. items_per_second = ops/s;
//                      bytes_per_resting_order = memory_bytes() / N (pool sized N * 5/4).
//                      hinted:1 issues OrderBook::PrefetchId/PrefetchOrder for the cancels one
//                      and two operations ahead, as dazong-replay does (hinted:0: plain calls).
//   BM_Cancel/<N>      cancel latency: a book of N resting orders (the workload's warm-up);
//                      each iteration cancels a random 10% of them (timed), then re-adds
//                      them with fresh ids at the same prices (untimed).
//                      items_per_second = cancels/s; ns_per_cancel is its inverse.
//   BM_AddsDepth/<L>   the adds-only workload (alternating sides over +-10 ticks), 500,000
//                      adds per iteration into a fresh book, with depth_levels = L and a
//                      MarketDataListener that counts the events (L = 0: no depth events).
//
// Every op stream is generated once, outside the timed loop. Timing is Google Benchmark's
// default (per-thread CPU time), single thread.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "dazong/matching/order_book.h"
#include "apply_op.h"
#include "workload.h"

namespace dazong::matching {
namespace {

class CountingListener final : public NullOrderListener {
 public:
  uint64_t trades = 0;
  uint64_t rejects = 0;
  void OnTrade(const Order&, const Order&, Price, Quantity, bool) override { ++trades; }
  void OnRejected(const OrderRequest&, RejectReason) override { ++rejects; }
  void OnCancelRejected(OrderId, RejectReason) override { ++rejects; }
  void OnReplaceRejected(OrderId, RejectReason) override { ++rejects; }
};

class CountingMarketData final : public MarketDataListener {
 public:
  uint64_t bbo = 0;
  uint64_t depth = 0;
  int64_t checksum = 0;  // consumes the payload so it cannot be optimized away
  void OnBbo(const Bbo& b) override {
    ++bbo;
    checksum += b.bid_price.raw() ^ b.ask_quantity.raw();
  }
  void OnDepth(Side, uint32_t rank, const Level& level) override {
    ++depth;
    checksum += level.quantity.raw() + rank;
  }
  void OnPhase(Phase, Phase) override {}
  void OnIndicative(Price, Quantity, Quantity, Side) override {}
};


struct Workload {
  std::vector<bench::Op> ops;
  bench::WorkloadStats stats;
};

// Generated once per parameter set.
const Workload& SteadyWorkload(uint32_t resting, uint64_t ops) {
  static std::map<std::pair<uint32_t, uint64_t>, Workload> cache;
  Workload& w = cache[{resting, ops}];
  if (w.ops.empty()) {
    bench::WorkloadParams p;
    p.seed = 1;
    p.resting = resting;
    p.ops = ops;
    w.ops = bench::GenerateWorkload(p, &w.stats);
  }
  return w;
}

BookConfig ConfigFor(const bench::WorkloadStats& stats, uint32_t max_orders, uint32_t depth) {
  BookConfig c;
  c.window_low = Price::FromRaw(stats.min_price);
  c.window_high = Price::FromRaw(stats.max_price);
  c.max_orders = max_orders;
  c.depth_levels = depth;
  return c;
}

void BM_Mix(benchmark::State& state) {
  const uint32_t resting = static_cast<uint32_t>(state.range(0));
  const bool hinted = state.range(1) != 0;
  constexpr uint64_t kOps = 1000000;
  const Workload& w = SteadyWorkload(resting, kOps);
  const uint32_t max_orders = std::max<uint32_t>(1024, resting + resting / 4);
  const size_t warm = w.stats.warmup_ops;
  CountingListener listener;
  size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto book = std::make_unique<OrderBook>(ConfigFor(w.stats, max_orders, 0), listener, nullptr);
    Timestamp now = 0;
    for (size_t i = 0; i < warm; ++i) bench::ApplyOp(*book, w.ops[i], ++now);
    state.ResumeTiming();
    if (hinted) {
      for (size_t i = warm; i < w.ops.size(); ++i) {
        bench::HintAhead(*book, w.ops, i);
        bench::ApplyOp(*book, w.ops[i], ++now);
      }
    } else {
      for (size_t i = warm; i < w.ops.size(); ++i) bench::ApplyOp(*book, w.ops[i], ++now);
    }
    benchmark::DoNotOptimize(book->order_count());
    state.PauseTiming();
    bytes = book->memory_bytes();
    book.reset();
    state.ResumeTiming();
  }
  if (listener.rejects != 0) state.SkipWithError("the engine rejected workload operations");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kOps));
  state.counters["bytes_per_resting_order"] = static_cast<double>(bytes) / resting;
  state.counters["trades_per_op"] =
      static_cast<double>(listener.trades) / static_cast<double>(state.iterations() * kOps);
}
BENCHMARK(BM_Mix)
    ->ArgNames({"resting", "hinted"})
    ->Args({5000, 0})
    ->Args({5000, 1})
    ->Args({50000, 0})
    ->Args({50000, 1})
    ->Unit(benchmark::kMillisecond);

void BM_Cancel(benchmark::State& state) {
  const uint32_t resting = static_cast<uint32_t>(state.range(0));
  const Workload& w = SteadyWorkload(resting, 0);  // the warm-up only: N passive adds
  const uint32_t max_orders = std::max<uint32_t>(1024, resting + resting / 4);
  CountingListener listener;
  OrderBook book(ConfigFor(w.stats, max_orders, 0), listener, nullptr);
  std::vector<bench::Op> live(w.ops.begin(), w.ops.end());
  Timestamp now = 0;
  for (const bench::Op& op : live) bench::ApplyOp(book, op, ++now);
  uint64_t next_id = live.size() + 1;
  bench::Rng rng(42);
  const size_t batch = resting / 10;
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t i = 0; i < batch; ++i) std::swap(live[i], live[i + rng.Below(live.size() - i)]);
    state.ResumeTiming();
    for (size_t i = 0; i < batch; ++i) book.Cancel(OrderId(live[i].id), ++now);
    state.PauseTiming();
    for (size_t i = 0; i < batch; ++i) {
      live[i].id = next_id++;
      bench::ApplyOp(book, live[i], ++now);
    }
    state.ResumeTiming();
  }
  if (listener.rejects != 0) state.SkipWithError("cancel or re-add rejected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_Cancel)->Arg(5000)->Arg(50000);

void BM_AddsDepth(benchmark::State& state) {
  const uint32_t depth = static_cast<uint32_t>(state.range(0));
  constexpr uint32_t kAdds = 500000;
  static Workload w;
  if (w.ops.empty()) {
    bench::WorkloadParams p;
    p.seed = 1;
    p.ops = kAdds;
    p.mix.adds_only = true;
    w.ops = bench::GenerateWorkload(p, &w.stats);
  }
  CountingListener listener;
  CountingMarketData md;
  for (auto _ : state) {
    state.PauseTiming();
    auto book = std::make_unique<OrderBook>(ConfigFor(w.stats, kAdds, depth), listener, &md);
    state.ResumeTiming();
    Timestamp now = 0;
    for (const bench::Op& op : w.ops) bench::ApplyOp(*book, op, ++now);
    benchmark::DoNotOptimize(md.checksum);
    state.PauseTiming();
    book.reset();
    state.ResumeTiming();
  }
  if (listener.rejects != 0) state.SkipWithError("the engine rejected adds");
  const double adds = static_cast<double>(state.iterations()) * kAdds;
  state.SetItemsProcessed(static_cast<int64_t>(adds));
  state.counters["depth_events_per_add"] = static_cast<double>(md.depth) / adds;
  state.counters["bbo_events_per_add"] = static_cast<double>(md.bbo) / adds;
}
BENCHMARK(BM_AddsDepth)->Arg(5)->Arg(0)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dazong::matching

BENCHMARK_MAIN();
