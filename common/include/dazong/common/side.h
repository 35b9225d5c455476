// Order side and the small enums every module shares.
#pragma once

#include <cstdint>
#include <string_view>

namespace dazong {

enum class Side : uint8_t { kBuy = 1, kSell = 2 };

constexpr Side Opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }
constexpr std::string_view SideName(Side s) { return s == Side::kBuy ? "BUY" : "SELL"; }

enum class OrderType : uint8_t { kLimit = 1, kMarket = 2 };

enum class TimeInForce : uint8_t { kDay = 0, kGtc = 1, kIoc = 3, kFok = 4, kGtd = 6 };

}  // namespace dazong
