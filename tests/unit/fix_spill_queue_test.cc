// The gateway's outbound queue: bounded, never blocks a producer, never loses or reorders an
// item from one producer, reports the overflow.
#include "spill_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dazong::fix_gateway {
namespace {

TEST(SpillQueueTest, OverflowSpillsInOrderAndReportsIt) {
  SpillQueue<int> q(4);
  int overflows = 0;
  for (int i = 0; i < 10; ++i) overflows += q.Push(i) ? 0 : 1;
  EXPECT_EQ(overflows, 6);
  // Once spilling, later pushes spill too, so order is kept.
  int out = -1;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(q.Pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(q.Pop(out));
  // Drained: the ring is used again.
  EXPECT_TRUE(q.Push(42));
  ASSERT_TRUE(q.Pop(out));
  EXPECT_EQ(out, 42);
}

TEST(SpillQueueTest, ConcurrentProducersLoseNothing) {
  SpillQueue<int> q(16);
  constexpr int kPerProducer = 20000;
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) q.Push(p * kPerProducer + i);
    });
  }
  std::vector<int> last(3, -1);
  int received = 0;
  int value = 0;
  while (received < 3 * kPerProducer) {
    if (!q.Pop(value)) {
      std::this_thread::yield();
      continue;
    }
    const int producer = value / kPerProducer;
    // Each producer's items arrive in order (its pushes either all go to the ring before it
    // sees the spill flag, or follow the spill).
    EXPECT_GT(value, last[producer]);
    last[producer] = value;
    ++received;
  }
  for (auto& t : producers) t.join();
  EXPECT_FALSE(q.Pop(value));
}

// The gateway queues market data without waking its thread, then wakes it after the members'
// senders: a sleeping consumer gets every item, in order, including items that spilled.
TEST(SpillQueueTest, DeferredWakeReachesASleepingConsumerThroughTheSpill) {
  SpillQueue<int> q(4);
  std::atomic<int> received{0};
  std::thread consumer([&] {
    int expected = 0;
    int value = 0;
    while (expected < 10) {
      q.Wait();
      while (q.Pop(value)) {
        ASSERT_EQ(value, expected);
        ++expected;
      }
    }
    received.store(expected);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it fall asleep
  for (int i = 0; i < 10; ++i) q.Push(i, /*wake=*/false);      // 4 in the ring, 6 spilled
  q.WakeConsumer();
  consumer.join();
  EXPECT_EQ(received.load(), 10);
}

}  // namespace
}  // namespace dazong::fix_gateway
