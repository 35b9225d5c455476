// BoundedMpscQueue<T>: a fixed-capacity, lock-free queue for many producers and one consumer
// (Vyukov's bounded queue). Gateways push commands, the sequencer pops them. No allocation
// after construction. TryPush fails when the queue is full, so a producer decides what a
// full queue means (reject, or back off) and the consumer is never blocked by a producer.
//
// The consumer may sleep in WaitNonEmpty(); producers wake it with a futex only when it is
// actually sleeping, and only one of them per sleep, so the steady state makes no syscalls.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "dazong/common/futex.h"

namespace dazong {

template <typename T>
class BoundedMpscQueue {
 public:
  // `capacity` is rounded up to a power of two.
  explicit BoundedMpscQueue(size_t capacity) {
    size_t n = 2;
    while (n < capacity) n <<= 1;
    mask_ = n - 1;
    cells_ = std::make_unique<Cell[]>(n);
    for (size_t i = 0; i < n; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  BoundedMpscQueue(const BoundedMpscQueue&) = delete;
  BoundedMpscQueue& operator=(const BoundedMpscQueue&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Any thread. Returns false when full. With `wake` false the consumer, if asleep, is not
  // woken: the producer calls WakeConsumer() later (to wake more urgent consumers first).
  bool TryPush(T value, bool wake = true) {
    size_t pos = tail_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos & mask_];
      const size_t seq = cell->sequence.load(std::memory_order_acquire);
      const intptr_t diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
    cell->value = std::move(value);
    cell->sequence.store(pos + 1, std::memory_order_release);
    if (wake) WakeConsumer();
    return true;
  }

  // Any thread: wakes the consumer if it sleeps (after pushes made with `wake` false).
  // Only the first producer to find the consumer asleep makes the system call: the others,
  // until the consumer has run again, see the flag already cleared.
  void WakeConsumer() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_relaxed) && sleeping_.exchange(false, std::memory_order_acq_rel)) {
      wake_.fetch_add(1, std::memory_order_acq_rel);
      FutexWakeOne(wake_);
    }
  }

  // Consumer thread only. Returns false when empty.
  bool TryPop(T& out) {
    Cell& cell = cells_[head_ & mask_];
    const size_t seq = cell.sequence.load(std::memory_order_acquire);
    if (static_cast<intptr_t>(seq) - static_cast<intptr_t>(head_ + 1) < 0) return false;
    out = std::move(cell.value);
    cell.sequence.store(head_ + mask_ + 1, std::memory_order_release);
    ++head_;
    return true;
  }

  // Consumer thread only: whether a TryPop now would fail.
  bool Empty() const { return !NonEmpty(); }

  // Consumer thread only. Spins briefly, then sleeps until a push or Interrupt().
  void WaitNonEmpty() {
    for (int i = 0; i < 2000; ++i) {
      if (NonEmpty() || interrupted_.load(std::memory_order_acquire)) return;
    }
    const uint32_t ticket = wake_.load(std::memory_order_acquire);
    sleeping_.store(true, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    while (!NonEmpty() && !interrupted_.load(std::memory_order_acquire) &&
           wake_.load(std::memory_order_acquire) == ticket) {
      FutexWait(wake_, ticket);
    }
    sleeping_.store(false, std::memory_order_relaxed);
  }

  // Any thread: makes WaitNonEmpty() return (for shutdown).
  void Interrupt() {
    interrupted_.store(true, std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_acq_rel);
    FutexWakeAll(wake_);
  }
  bool interrupted() const { return interrupted_.load(std::memory_order_acquire); }

 private:
  struct Cell {
    std::atomic<size_t> sequence;
    T value;
  };

  bool NonEmpty() const {
    const size_t seq = cells_[head_ & mask_].sequence.load(std::memory_order_acquire);
    return seq == head_ + 1;
  }

  std::unique_ptr<Cell[]> cells_;
  size_t mask_ = 0;
  alignas(64) std::atomic<size_t> tail_{0};
  alignas(64) size_t head_ = 0;
  alignas(64) std::atomic<uint32_t> wake_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> interrupted_{false};
};

}  // namespace dazong
