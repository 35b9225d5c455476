// BoundedMpscQueue: capacity, FIFO order, many producers, consumer wake-up and interrupt.
#include "dazong/common/mpsc_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace dazong {
namespace {

TEST(MpscQueueTest, RoundsCapacityUpAndRefusesWhenFull) {
  BoundedMpscQueue<int> q(5);
  EXPECT_EQ(q.capacity(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(q.TryPush(i));
  EXPECT_FALSE(q.TryPush(99));
  int v = -1;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(q.TryPop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(q.TryPop(v));
  EXPECT_TRUE(q.TryPush(8));  // reusable after wrap-around
}

TEST(MpscQueueTest, ManyProducersLoseNothingAndKeepEachProducersOrder) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 20000;
  BoundedMpscQueue<std::pair<int, int>> q(1024);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        while (!q.TryPush({p, i})) std::this_thread::yield();
      }
    });
  }
  std::vector<int> next(kProducers, 0);
  int received = 0;
  std::pair<int, int> item;
  while (received < kProducers * kPerProducer) {
    q.WaitNonEmpty();
    while (q.TryPop(item)) {
      ASSERT_EQ(item.second, next[item.first]);
      ++next[item.first];
      ++received;
    }
  }
  for (auto& t : producers) t.join();
  for (int n : next) EXPECT_EQ(n, kPerProducer);
}

// Pushes that defer the wake-up (a producer waking more urgent consumers first) lose nothing:
// the consumer, asleep or about to sleep, gets every item once WakeConsumer() is called.
TEST(MpscQueueTest, DeferredWakeDeliversEverythingAfterWakeConsumer) {
  BoundedMpscQueue<int> q(64);
  constexpr int kRounds = 2000;
  std::atomic<int> received{0};
  std::thread consumer([&] {
    int v = 0;
    int expected = 0;
    while (expected < kRounds * 3) {
      q.WaitNonEmpty();
      while (q.TryPop(v)) {
        ASSERT_EQ(v, expected);
        ++expected;
        received.store(expected);
      }
    }
  });
  for (int r = 0; r < kRounds; ++r) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.TryPush(r * 3 + i, /*wake=*/false));
    q.WakeConsumer();
    // The next round only after this one arrived, so that the consumer often sleeps between.
    while (received.load() < (r + 1) * 3) std::this_thread::yield();
  }
  consumer.join();
  EXPECT_EQ(received.load(), kRounds * 3);
}

TEST(MpscQueueTest, InterruptWakesASleepingConsumer) {
  BoundedMpscQueue<int> q(8);
  std::thread consumer([&] { q.WaitNonEmpty(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.Interrupt();
  consumer.join();
  EXPECT_TRUE(q.interrupted());
}

}  // namespace
}  // namespace dazong
