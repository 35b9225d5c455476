// ByteWriter / ByteReader: the binary layout of every record the exchange persists (journal,
// trades, ledger). Little-endian fixed-width integers, every field written explicitly (no
// struct dumps), strings length-prefixed. The reader never trusts its input: reading past the
// end, or an out-of-range enum, clears ok() and yields zero values; the caller then reports
// DataLoss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/short_string.h"

namespace dazong {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  template <typename T>
  void Int(T value) {
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
  // A string of any length: u32 length, then the bytes.
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

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  template <typename T>
  T Int() {
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

}  // namespace dazong
