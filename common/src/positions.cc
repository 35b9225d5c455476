#include "dazong/common/positions.h"

namespace dazong {

const char* HoldingStateName(HoldingState state) {
  switch (state) {
    case HoldingState::kAvailable: return "AVAILABLE";
    case HoldingState::kReserved: return "RESERVED";
    case HoldingState::kPledged: return "PLEDGED";
    case HoldingState::kFrozen: return "FROZEN";
  }
  return "UNKNOWN";
}

}  // namespace dazong
