// SpillQueue: the gateway's per-session outbound queue. A bounded lock-free MPSC ring that
// never blocks a producer and never loses an item: when the ring is full, items go to a
// mutex-protected spill list (the only case that allocates) and Push() returns false, so the
// producer can act on the overflow (the gateway disconnects a slow consumer). The consumer
// drains the ring first, then the spill, in order.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>

#include "dazong/common/mpsc_queue.h"

namespace dazong::fix_gateway {

template <typename T>
class SpillQueue {
 public:
  explicit SpillQueue(size_t capacity) : queue_(capacity) {}

  bool Push(const T& item) {
    if (!spilling_.load(std::memory_order_acquire) && queue_.TryPush(item)) return true;
    std::lock_guard lock(mu_);
    if (!spilling_.load(std::memory_order_relaxed) && queue_.TryPush(item)) return true;
    spilling_.store(true, std::memory_order_release);
    spill_.push_back(item);
    return false;
  }

  // Consumer: next item, or false when there is none now.
  bool Pop(T& out) {
    if (queue_.TryPop(out)) return true;
    if (taken_.empty() && spilling_.load(std::memory_order_acquire)) {
      std::lock_guard lock(mu_);
      taken_.swap(spill_);
      if (taken_.empty()) spilling_.store(false, std::memory_order_release);
    }
    if (taken_.empty()) return false;
    out = std::move(taken_.front());
    taken_.pop_front();
    return true;
  }

  void Wait() {
    if (!taken_.empty() || spilling_.load(std::memory_order_acquire)) return;
    queue_.WaitNonEmpty();
  }
  void Interrupt() { queue_.Interrupt(); }
  bool interrupted() const { return queue_.interrupted(); }
  size_t capacity() const { return queue_.capacity(); }

 private:
  BoundedMpscQueue<T> queue_;
  std::atomic<bool> spilling_{false};
  std::mutex mu_;
  std::deque<T> spill_;
  std::deque<T> taken_;  // consumer only
};

}  // namespace dazong::fix_gateway
