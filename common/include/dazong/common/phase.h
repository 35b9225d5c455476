// Trading phases and self-trade prevention modes: shared by the matching core, the commands
// that set them and the events that report them.
#pragma once

#include <cstdint>

namespace dazong {

// Trading phases of one instrument.
//   kClosed            no entry; DAY orders expired on entering it; GTC/GTD orders stay
//   kPreOpen           entry, amend and cancel; no matching; indicative price published
//   kOpeningAuction    as pre-open; leaving it uncrosses the book
//   kContinuous        continuous matching by price-time priority
//   kVolatilityAuction entered when a trade would breach the volatility range; ends at its
//                      scheduled time (first command at or after it) with an uncross
//   kClosingAuction    as the opening auction, at the end of the day
//   kHalted            operator halt: cancels only; Resume returns to the phase before it
enum class Phase : uint8_t {
  kClosed = 0,
  kPreOpen = 1,
  kOpeningAuction = 2,
  kContinuous = 3,
  kVolatilityAuction = 4,
  kClosingAuction = 5,
  kHalted = 6,
};
const char* PhaseName(Phase phase);
// True for the phases in which orders are collected without matching.
constexpr bool IsCallPhase(Phase p) {
  return p == Phase::kPreOpen || p == Phase::kOpeningAuction || p == Phase::kVolatilityAuction ||
         p == Phase::kClosingAuction;
}
constexpr bool IsValidPhase(uint8_t p) { return p <= static_cast<uint8_t>(Phase::kHalted); }

// What to do when an incoming order would trade with a resting order of the same member.
enum class SelfTradePrevention : uint8_t {
  kNone = 0,            // allow self-trades
  kCancelResting = 1,   // cancel the resting order, keep matching
  kCancelIncoming = 2,  // cancel the incoming order's remainder
  kCancelBoth = 3,      // cancel both
};

}  // namespace dazong
