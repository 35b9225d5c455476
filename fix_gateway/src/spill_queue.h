// SpillQueue: the gateway's per-session outbound queue. A bounded lock-free MPSC ring that
// never blocks a producer and never loses an item: when the ring is full, items go to a
// mutex-protected spill list (the only case that allocates) and Push() returns false, so the
// producer can act on the overflow (the gateway disconnects a slow consumer). The consumer
// drains the ring first, then the spill, in order.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>

#include "dazong/common/mpsc_queue.h"

namespace dazong::fix_gateway {

template <typename T>
class SpillQueue {
 public:
  explicit SpillQueue(size_t capacity) : queue_(capacity) {}

  // With `wake` false a sleeping consumer is not woken until WakeConsumer() (or a later
  // push that wakes).
  bool Push(const T& item, bool wake = true) {
    // Counted while in progress: the consumer takes the spill only when no push is under way
    // (see Pop).
    pushing_.fetch_add(1, std::memory_order_seq_cst);
    const bool ok = PushCounted(item, wake);
    pushing_.fetch_sub(1, std::memory_order_release);
    return ok;
  }
  void WakeConsumer() { queue_.WakeConsumer(); }

  // Consumer: next item, or false when there is none now.
  bool Pop(T& out) {
    if (queue_.TryPop(out)) return true;
    // The ring can look empty while a producer has claimed its head slot but not yet filled
    // it, with that producer's or others' later items behind it, and even later ones in the
    // spill. Taking the spill then would reorder one producer's items: wait for the push.
    if (taken_.empty() && pushing_.load(std::memory_order_seq_cst) != 0) return false;
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
  bool PushCounted(const T& item, bool wake) {
    if (!spilling_.load(std::memory_order_acquire) && queue_.TryPush(item, wake)) return true;
    std::lock_guard lock(mu_);
    if (!spilling_.load(std::memory_order_relaxed) && queue_.TryPush(item, wake)) return true;
    spilling_.store(true, std::memory_order_release);
    spill_.push_back(item);
    return false;
  }

  BoundedMpscQueue<T> queue_;
  std::atomic<uint32_t> pushing_{0};  // Push() calls in progress
  std::atomic<bool> spilling_{false};
  std::mutex mu_;
  std::deque<T> spill_;
  std::deque<T> taken_;  // consumer only
};

}  // namespace dazong::fix_gateway
