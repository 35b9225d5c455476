#include "dazong/common/phase.h"

namespace dazong {

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kClosed: return "CLOSED";
    case Phase::kPreOpen: return "PRE_OPEN";
    case Phase::kOpeningAuction: return "OPENING_AUCTION";
    case Phase::kContinuous: return "CONTINUOUS";
    case Phase::kVolatilityAuction: return "VOLATILITY_AUCTION";
    case Phase::kClosingAuction: return "CLOSING_AUCTION";
    case Phase::kHalted: return "HALTED";
  }
  return "UNKNOWN";
}

}  // namespace dazong
