// BoundedMpscQueue: capacity, FIFO order, many producers, consumer wake-up and interrupt.
#include "dazong/common/mpsc_queue.h"

#include <gtest/gtest.h>

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
