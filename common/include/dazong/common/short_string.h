// ShortString<N>: a fixed-capacity, allocation-free string for identifiers carried in commands
// and events (ClOrdIDs, symbols). Assign() refuses text longer than N.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace dazong {

template <size_t N>
class ShortString {
  static_assert(N < 256);

 public:
  static constexpr size_t kCapacity = N;
  constexpr ShortString() = default;

  // Returns false (and leaves the string empty) when `text` is longer than N.
  bool Assign(std::string_view text) {
    if (text.size() > N) {
      size_ = 0;
      return false;
    }
    if (!text.empty()) std::memcpy(data_, text.data(), text.size());
    size_ = static_cast<uint8_t>(text.size());
    return true;
  }
  static ShortString FromView(std::string_view text) {
    ShortString s;
    s.Assign(text);
    return s;
  }

  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  friend bool operator==(const ShortString& a, const ShortString& b) { return a.view() == b.view(); }

  template <typename H>
  friend H AbslHashValue(H h, const ShortString& s) {
    return H::combine(std::move(h), s.view());
  }

 private:
  char data_[N] = {};
  uint8_t size_ = 0;
};

// A member's client order id (FIX ClOrdID, tag 11). At most 32 characters.
using ClOrdId = ShortString<32>;

}  // namespace dazong
