// The catalogue of reasons the exchange gives when it refuses something. Codes are stable:
// they are sent to members (FIX tag 58 text and custom tag 20001), journaled and documented in
// docs/fix-rules-of-engagement.md. Never renumber; only append.
#pragma once

#include <cstdint>
#include <string_view>

namespace dazong {

enum class RejectReason : uint16_t {
  kNone = 0,
  kUnknownInstrument = 1,
  kInvalidPrice = 2,
  kInvalidQuantity = 3,
  kPriceNotOnTick = 4,
  kQuantityNotLotMultiple = 5,
  kPriceOutsideBand = 6,
  kUnknownOrder = 7,
  kDuplicateClOrdId = 8,
  kNotAuthorized = 9,
  kInstrumentNotTrading = 10,
  kInsufficientFunds = 11,
  kInsufficientReceipts = 12,
  kArithmeticOverflow = 13,
  kUnsupportedOrderType = 14,
  kUnsupportedTimeInForce = 15,
  kThrottled = 16,
  kInvalidClOrdId = 17,
  kUnknownMember = 18,
  kTooLateToCancel = 19,
  kSystemUnavailable = 20,
  kNotAllowedInPhase = 21,
  kBookFull = 22,
  kUnknownOrderId = 23,
  kDuplicateOrderId = 24,
  kInvalidExpireTime = 25,
  kNotLatestClOrdId = 26,
};

// A short stable English description, e.g. "price is not a multiple of the tick size".
std::string_view RejectReasonText(RejectReason reason);
// The stable numeric code.
constexpr uint16_t RejectReasonCode(RejectReason reason) { return static_cast<uint16_t>(reason); }
// The largest code in the catalogue (for tests that walk it).
inline constexpr RejectReason kLastRejectReason = RejectReason::kNotLatestClOrdId;

}  // namespace dazong
