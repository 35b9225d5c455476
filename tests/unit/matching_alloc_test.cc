// Zero allocations per operation in steady state: this binary replaces the global
// operator new/delete with counting versions, builds a book pre-sized like production (pool
// from the expected depth, level window from the price band), warms it up with the
// benchmark workload (bench/workload.h: adds, cancels, aggressive IOCs and replaces), then
// counts allocations over 100,000 further operations with depth events on. The count must
// be zero.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "dazong/matching/order_book.h"
#include "apply_op.h"
#include "workload.h"

namespace {

std::atomic<uint64_t> g_allocations{0};

void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) std::abort();
  return p;
}

void* CountedAlignedAlloc(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(align);
  const std::size_t rounded = (size + a - 1) / a * a;
  void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded);
  if (p == nullptr) std::abort();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return CountedAlloc(size); }
void* operator new(std::size_t size, std::align_val_t a) { return CountedAlignedAlloc(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return CountedAlignedAlloc(size, a); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedAlignedAlloc(size, a);
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedAlignedAlloc(size, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace dazong::matching {
namespace {

// Counts what happened without allocating.
class CountingListener final : public NullOrderListener {
 public:
  uint64_t trades = 0;
  uint64_t rejects = 0;
  void OnTrade(const Order&, const Order&, Price, Quantity, bool) override { ++trades; }
  void OnRejected(const OrderRequest&, RejectReason) override { ++rejects; }
  void OnCancelRejected(OrderId, RejectReason) override { ++rejects; }
  void OnReplaceRejected(OrderId, RejectReason) override { ++rejects; }
};

class CountingMarketData final : public NullMarketDataListener {
 public:
  uint64_t depth_events = 0;
  void OnDepth(Side, uint32_t, const Level&) override { ++depth_events; }
};


TEST(MatchingAllocTest, NoAllocationPerOperationInSteadyState) {
  constexpr uint64_t kWarmOps = 100000;
  constexpr uint64_t kMeasuredOps = 100000;
  bench::WorkloadParams params;
  params.seed = 7;
  params.resting = 5000;
  params.ops = kWarmOps + kMeasuredOps;
  params.mix = bench::Mix{40, 35, 10, 15, false};
  bench::WorkloadStats stats;
  const std::vector<bench::Op> ops = bench::GenerateWorkload(params, &stats);
  ASSERT_EQ(ops.size(), params.resting + params.ops);

  BookConfig config;
  config.window_low = Price::FromRaw(stats.min_price);   // production: the price band
  config.window_high = Price::FromRaw(stats.max_price);
  config.max_orders = 2 * params.resting;
  config.depth_levels = 5;
  CountingListener listener;
  CountingMarketData market_data;
  OrderBook book(config, listener, &market_data);

  Timestamp now = 0;
  const size_t measured_from = ops.size() - kMeasuredOps;
  for (size_t i = 0; i < measured_from; ++i) bench::ApplyOp(book, ops[i], ++now);
  const uint64_t trades_before = listener.trades;
  const uint64_t depth_before = market_data.depth_events;

  g_allocations.store(0, std::memory_order_relaxed);
  for (size_t i = measured_from; i < ops.size(); ++i) bench::ApplyOp(book, ops[i], ++now);
  const uint64_t allocations = g_allocations.load(std::memory_order_relaxed);

  EXPECT_EQ(allocations, 0u) << "allocations during " << kMeasuredOps << " operations";
  // The operations did real work, and the workload model agrees with the engine.
  EXPECT_GT(listener.trades - trades_before, 1000u);
  EXPECT_GT(market_data.depth_events - depth_before, 10000u);
  EXPECT_EQ(listener.rejects, 0u);
  EXPECT_GT(book.order_count(), params.resting / 2);
  std::string problem;
  EXPECT_TRUE(book.CheckInvariants(&problem)) << problem;
}

// The counter itself works (guards against a replacement that is not linked in).
TEST(MatchingAllocTest, CounterSeesAllocations) {
  static std::vector<int>* volatile sink = nullptr;  // escapes, so the pair is not elided
  g_allocations.store(0, std::memory_order_relaxed);
  sink = new std::vector<int>(100);
  const uint64_t seen = g_allocations.load(std::memory_order_relaxed);
  delete sink;
  EXPECT_GE(seen, 2u);
}

}  // namespace
}  // namespace dazong::matching
