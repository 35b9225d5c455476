// Typed identifiers: an OrderId cannot be passed where a TradeId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace dazong {

template <typename Tag, typename Rep = uint64_t>
class Id {
 public:
  using rep_type = Rep;
  constexpr Id() = default;
  constexpr explicit Id(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }
  constexpr bool valid() const { return value_ != 0; }
  friend constexpr auto operator<=>(Id, Id) = default;

  template <typename H>
  friend H AbslHashValue(H h, Id id) {
    return H::combine(std::move(h), id.value_);
  }

 private:
  Rep value_ = 0;  // 0 is "no id".
};

using OrderId = Id<struct OrderIdTag>;          // assigned by the exchange, never reused
using TradeId = Id<struct TradeIdTag>;          // assigned by the exchange, never reused
using SeqNo = Id<struct SeqNoTag>;              // global command sequence number, from 1
using MemberId = Id<struct MemberIdTag, uint32_t>;
using InstrumentId = Id<struct InstrumentIdTag, uint32_t>;
using WarehouseId = Id<struct WarehouseIdTag, uint32_t>;

}  // namespace dazong

template <typename Tag, typename Rep>
struct std::hash<dazong::Id<Tag, Rep>> {
  size_t operator()(dazong::Id<Tag, Rep> id) const noexcept { return std::hash<Rep>{}(id.value()); }
};
