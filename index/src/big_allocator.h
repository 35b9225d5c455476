// BigAllocator: a std::allocator that backs large arrays (>= 32 MiB) with anonymous mappings
// advised for transparent huge pages, so filling a day of millions of trades costs a few
// hundred page faults instead of a hundred thousand. Smaller arrays use operator new.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace dazong::index {

template <typename T>
struct BigAllocator {
  using value_type = T;
  static constexpr size_t kThreshold = size_t{32} << 20;

  BigAllocator() = default;
  template <typename U>
  BigAllocator(const BigAllocator<U>&) {}  // NOLINT: allocator rebinding

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kThreshold) return static_cast<T*>(::operator new(bytes));
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kThreshold) {
      ::operator delete(p);
    } else {
      munmap(p, bytes);
    }
  }
  template <typename U>
  bool operator==(const BigAllocator<U>&) const { return true; }
};

}  // namespace dazong::index
