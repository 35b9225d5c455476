// ByteWriter / ByteReader: the binary layout of every record the exchange persists (journal,
// trades, ledger). Integers little-endian fixed-width (ByteWriter) or as varints
// (BasicByteWriter<IntLayout::kVarint>), every field written explicitly (no struct dumps),
// strings length-prefixed. The reader never trusts its input: reading past the
// end, or an out-of-range enum, clears ok() and yields zero values; the caller then reports
// DataLoss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/short_string.h"

namespace dazong {

// How integers wider than a byte are laid out: little-endian in sizeof(T) bytes, or as LEB128
// varints (signed values zigzag-encoded), so that small ids, counts and amounts take one to
// three bytes. Single bytes are always one byte.
enum class IntLayout { kFixedWidth, kVarint };

template <IntLayout kLayout>
class BasicByteWriter {
 public:
  explicit BasicByteWriter(std::string& out) : out_(out) {}

  template <typename T>
  void Int(T value) {
    static_assert(std::is_integral_v<T>);
    if constexpr (kLayout == IntLayout::kVarint && sizeof(T) > 1) {
      Varint(value);
    } else {
      Fixed(value);
    }
  }
  // Little-endian in sizeof(T) bytes, whatever the layout (e.g. times, where a nanosecond
  // clock would take 9 bytes as a varint).
  template <typename T>
  void Fixed(T value) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(value);
    char bytes[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) {
      bytes[i] = static_cast<char>(u & 0xff);
      if constexpr (sizeof(T) > 1) u = static_cast<U>(u >> 8);
    }
    out_.append(bytes, sizeof(T));  // one append: the loop above compiles to a store
  }
  // LEB128, signed values zigzag-encoded, whatever the layout.
  template <typename T>
  void Varint(T value) {
    static_assert(std::is_integral_v<T>);
    uint64_t u;
    if constexpr (std::is_signed_v<T>) {
      const int64_t v = value;
      u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    } else {
      u = value;
    }
    if (u < 0x80) {  // most values (lengths, small ids, enums): one byte, no copy call
      out_.push_back(static_cast<char>(u));
      return;
    }
    char bytes[10];
    size_t n = 0;
    while (u >= 0x80) {
      bytes[n++] = static_cast<char>((u & 0x7f) | 0x80);
      u >>= 7;
    }
    bytes[n++] = static_cast<char>(u);
    out_.append(bytes, n);
  }
  template <typename E>
  void Enum(E e) {
    Int(static_cast<std::underlying_type_t<E>>(e));
  }
  template <typename Tag>
  void Amt(Amount<Tag> a) {
    Int<int64_t>(a.raw());
  }
  template <typename Tag, typename Rep>
  void Ident(Id<Tag, Rep> id) {
    Int<Rep>(id.value());
  }
  // A string of any length: its length as Int<uint32_t>, then the bytes.
  void Str(std::string_view s) {
    Int<uint32_t>(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  // A ShortString: u8 length, then the bytes.
  template <size_t N>
  void Short(const ShortString<N>& s) {
    Int<uint8_t>(static_cast<uint8_t>(s.size()));
    out_.append(s.view());
  }
  // Bytes with no length prefix (fixed-size fields such as hashes).
  void Raw(std::string_view bytes) { out_.append(bytes); }

 private:
  std::string& out_;
};

template <IntLayout kLayout>
class BasicByteReader {
 public:
  explicit BasicByteReader(std::string_view in) : in_(in) {}

  template <typename T>
  T Int() {
    static_assert(std::is_integral_v<T>);
    if constexpr (kLayout == IntLayout::kVarint && sizeof(T) > 1) {
      return Varint<T>();
    } else {
      return Fixed<T>();
    }
  }
  template <typename T>
  T Fixed() {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    if (!ok_ || in_.size() < sizeof(T)) {
      ok_ = false;
      return T{};
    }
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      u = static_cast<U>(u | (static_cast<U>(static_cast<uint8_t>(in_[i])) << (8 * i)));
    }
    in_.remove_prefix(sizeof(T));
    return static_cast<T>(u);
  }
  // A LEB128 varint; fails on a truncated or over-long encoding and on a value out of T's range.
  template <typename T>
  T Varint() {
    static_assert(std::is_integral_v<T>);
    uint64_t u = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (!ok_ || in_.empty() || shift > 63) {
        ok_ = false;
        return T{};
      }
      const auto byte = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      u |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if constexpr (std::is_signed_v<T>) {
      const int64_t v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        ok_ = false;
        return T{};
      }
      return static_cast<T>(v);
    } else {
      if (u > std::numeric_limits<T>::max()) {
        ok_ = false;
        return T{};
      }
      return static_cast<T>(u);
    }
  }
  // Reads an enum and checks lo <= value <= hi.
  template <typename E>
  E Enum(E lo, E hi) {
    using U = std::underlying_type_t<E>;
    const U v = Int<U>();
    if (v < static_cast<U>(lo) || v > static_cast<U>(hi)) ok_ = false;
    return static_cast<E>(v);
  }
  template <typename A>
  A Amt() {
    return A::FromRaw(Int<int64_t>());
  }
  template <typename I>
  I Ident() {
    return I(Int<typename I::rep_type>());
  }
  std::string Str() {
    const uint32_t len = Int<uint32_t>();
    return std::string(Raw(len));
  }
  template <size_t N>
  ShortString<N> Short() {
    const uint8_t len = Int<uint8_t>();
    ShortString<N> s;
    if (len > N) {
      ok_ = false;
      return s;
    }
    s.Assign(Raw(len));
    return s;
  }
  // The next `n` bytes ("" and !ok() when fewer remain).
  std::string_view Raw(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string_view bytes = in_.substr(0, n);
    in_.remove_prefix(n);
    return bytes;
  }
  void Fail() { ok_ = false; }
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

using ByteWriter = BasicByteWriter<IntLayout::kFixedWidth>;
using ByteReader = BasicByteReader<IntLayout::kFixedWidth>;

}  // namespace dazong
