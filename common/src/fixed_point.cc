#include "dazong/common/fixed_point.h"

#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"

namespace dazong {
namespace {

absl::Status Overflow(std::string_view what) {
  return absl::OutOfRangeError(std::string(what) + " overflows a 64-bit integer");
}

}  // namespace

template <typename Tag>
absl::StatusOr<Amount<Tag>> CheckedAdd(Amount<Tag> a, Amount<Tag> b) {
  int64_t out;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) return Overflow("sum");
  return Amount<Tag>::FromRaw(out);
}

template <typename Tag>
absl::StatusOr<Amount<Tag>> CheckedSub(Amount<Tag> a, Amount<Tag> b) {
  int64_t out;
  if (__builtin_sub_overflow(a.raw(), b.raw(), &out)) return Overflow("difference");
  return Amount<Tag>::FromRaw(out);
}

template <typename Tag>
absl::StatusOr<Amount<Tag>> CheckedMul(Amount<Tag> a, int64_t factor) {
  int64_t out;
  if (__builtin_mul_overflow(a.raw(), factor, &out)) return Overflow("product");
  return Amount<Tag>::FromRaw(out);
}

template absl::StatusOr<Price> CheckedAdd(Price, Price);
template absl::StatusOr<Quantity> CheckedAdd(Quantity, Quantity);
template absl::StatusOr<Money> CheckedAdd(Money, Money);
template absl::StatusOr<Price> CheckedSub(Price, Price);
template absl::StatusOr<Quantity> CheckedSub(Quantity, Quantity);
template absl::StatusOr<Money> CheckedSub(Money, Money);
template absl::StatusOr<Price> CheckedMul(Price, int64_t);
template absl::StatusOr<Quantity> CheckedMul(Quantity, int64_t);
template absl::StatusOr<Money> CheckedMul(Money, int64_t);

absl::StatusOr<int64_t> DivRoundHalfEven(Int128 num, int64_t den) {
  if (den <= 0) return absl::InvalidArgumentError("divisor must be positive");
  Int128 q = num / den;  // truncates toward zero
  Int128 r = num % den;  // same sign as num
  Int128 twice_abs_r = (r < 0 ? -r : r) * 2;
  if (twice_abs_r > den || (twice_abs_r == den && (q % 2) != 0)) {
    q += (num < 0) ? -1 : 1;
  }
  if (q > std::numeric_limits<int64_t>::max() || q < std::numeric_limits<int64_t>::min()) {
    return Overflow("quotient");
  }
  return static_cast<int64_t>(q);
}

absl::StatusOr<Money> Notional(Price price, Quantity quantity,
                               int64_t base_units_per_price_unit) {
  if (base_units_per_price_unit <= 0) {
    return absl::InvalidArgumentError("base units per price unit must be positive");
  }
  const Int128 product = static_cast<Int128>(price.raw()) * quantity.raw();
  absl::StatusOr<int64_t> fen = DivRoundHalfEven(product, base_units_per_price_unit);
  if (!fen.ok()) return Overflow("notional");
  return Money::FromRaw(*fen);
}

absl::StatusOr<int64_t> ParseDecimal(std::string_view text, int scale) {
  if (scale < 0 || scale > 18) return absl::InvalidArgumentError("scale must be 0..18");
  const std::string_view original = text;
  auto bad = [&](std::string_view why) {
    std::string message(1, '"');
    message.append(original);
    message.append("\" is not a valid decimal: ");
    message.append(why);
    return absl::InvalidArgumentError(message);
  };
  if (text.empty()) return bad("empty");
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return bad("no digits");
  // The magnitude may reach 2^63 for a negative value: INT64_MIN is representable.
  const Int128 limit =
      negative ? -static_cast<Int128>(std::numeric_limits<int64_t>::min())
               : static_cast<Int128>(std::numeric_limits<int64_t>::max());
  Int128 value = 0;
  int fraction_digits = -1;  // -1: no decimal point seen yet
  bool any_digit = false;
  for (char c : text) {
    if (c == '.') {
      if (fraction_digits >= 0) return bad("more than one decimal point");
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("unexpected character");
    any_digit = true;
    if (fraction_digits >= 0 && ++fraction_digits > scale) {
      return bad(absl::StrCat("more than ", scale, " decimal places"));
    }
    value = value * 10 + (c - '0');
    if (value > limit) return Overflow("value");
  }
  if (!any_digit) return bad("no digits");
  if (fraction_digits == 0) return bad("nothing after the decimal point");
  for (int i = fraction_digits < 0 ? 0 : fraction_digits; i < scale; ++i) {
    value *= 10;
    if (value > limit) return Overflow("value");
  }
  return static_cast<int64_t>(negative ? -value : value);
}

std::string FormatDecimal(int64_t value, int scale) {
  const bool negative = value < 0;
  // Work in unsigned to format INT64_MIN correctly.
  uint64_t magnitude = negative ? (~static_cast<uint64_t>(value) + 1) : static_cast<uint64_t>(value);
  std::string digits = std::to_string(magnitude);
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) {
      digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale), 1, '.');
  }
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

absl::StatusOr<Price> ParsePrice(std::string_view yuan) {
  absl::StatusOr<int64_t> fen = ParseDecimal(yuan, 2);
  if (!fen.ok()) return fen.status();
  return Price::FromRaw(*fen);
}

std::string FormatPrice(Price price) { return FormatDecimal(price.raw(), 2); }

absl::StatusOr<Quantity> ParseQuantity(std::string_view base_units) {
  absl::StatusOr<int64_t> q = ParseDecimal(base_units, 0);
  if (!q.ok()) return q.status();
  return Quantity::FromRaw(*q);
}

}  // namespace dazong
