// Integer amounts for prices, quantities and money.
//
// Price    : fen (0.01 CNY) per price unit of the instrument (e.g. per tonne).
// Quantity : the commodity's base unit (e.g. kg).
// Money    : fen.
//
// Each is a distinct type over int64_t so that a price cannot be added to a quantity by
// mistake. Arithmetic is checked: an overflow is an error value, never a wrap. The only
// rounding in the system is Notional()'s, which rounds half to even (banker's rounding),
// as docs/architecture.md documents.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dazong {

// A 128-bit signed integer for intermediate products (GCC/Clang extension).
__extension__ typedef __int128 Int128;

template <typename Tag>
class Amount {
 public:
  constexpr Amount() = default;
  static constexpr Amount FromRaw(int64_t raw) { return Amount(raw); }
  constexpr int64_t raw() const { return raw_; }

  constexpr bool is_positive() const { return raw_ > 0; }
  constexpr bool is_zero() const { return raw_ == 0; }
  constexpr bool is_negative() const { return raw_ < 0; }

  friend constexpr auto operator<=>(Amount, Amount) = default;

 private:
  constexpr explicit Amount(int64_t raw) : raw_(raw) {}
  int64_t raw_ = 0;
};

struct PriceTag {};
struct QuantityTag {};
struct MoneyTag {};
using Price = Amount<PriceTag>;
using Quantity = Amount<QuantityTag>;
using Money = Amount<MoneyTag>;

// Checked arithmetic on same-typed amounts. Returns OutOfRange on overflow.
template <typename Tag>
absl::StatusOr<Amount<Tag>> CheckedAdd(Amount<Tag> a, Amount<Tag> b);
template <typename Tag>
absl::StatusOr<Amount<Tag>> CheckedSub(Amount<Tag> a, Amount<Tag> b);
// Multiplies an amount by a plain integer factor (e.g. lots × lot size).
template <typename Tag>
absl::StatusOr<Amount<Tag>> CheckedMul(Amount<Tag> a, int64_t factor);

// Divides num by den (den > 0) rounding half to even. The result must fit int64_t.
absl::StatusOr<int64_t> DivRoundHalfEven(Int128 num, int64_t den);

// The value of `quantity` base units at `price` per price unit, where one price unit is
// `base_units_per_price_unit` base units (1000 for a price per tonne and a quantity in kg):
// price × quantity / base_units_per_price_unit with a 128-bit intermediate, rounded half to
// even to the fen. Errors: base_units_per_price_unit <= 0, or a result that does not fit.
absl::StatusOr<Money> Notional(Price price, Quantity quantity,
                               int64_t base_units_per_price_unit);

// Parses a decimal with at most `scale` fractional digits into an integer of that scale:
// ParseDecimal("4012.5", 2) == 401250. Rejects signs other than a leading '-', exponents,
// empty input, more fractional digits than `scale`, and values that overflow.
absl::StatusOr<int64_t> ParseDecimal(std::string_view text, int scale);
// Formats an integer of `scale` as a decimal with exactly `scale` fractional digits.
std::string FormatDecimal(int64_t value, int scale);

// Prices are written in yuan with two decimals ("4012.50"), quantities and money as integers
// of their unit (money in fen).
absl::StatusOr<Price> ParsePrice(std::string_view yuan);
std::string FormatPrice(Price price);
absl::StatusOr<Quantity> ParseQuantity(std::string_view base_units);

}  // namespace dazong
