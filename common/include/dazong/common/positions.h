// Positions of one member (receipts it holds per instrument, and its cash), as the FIX
// gateway reports them in PositionReport (AP). The warehouse-receipt ledger produces them; the
// gateway only formats them. PositionsSource is the small interface between the two.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"

namespace dazong {

// What a receipt's quantity may do now.
enum class HoldingState : uint8_t {
  kAvailable = 0,  // live, active, unexpired, unencumbered: may back a sell order
  kReserved = 1,   // held by open sell orders
  kPledged = 2,    // pledged to a bank
  kFrozen = 3,     // frozen by the exchange, expired, or awaiting load-out
};
const char* HoldingStateName(HoldingState state);  // "AVAILABLE", "RESERVED", ...

struct ReceiptHolding {
  std::string receipt;    // receipt number
  uint64_t ledger_id = 0; // the ledger's id: what a sell order names to deliver this receipt
  std::string warehouse;  // warehouse code
  std::string grade;
  Quantity quantity;      // base units in this state
  HoldingState state = HoldingState::kAvailable;
};

// A member's receipts deliverable for one instrument (commodity, grade, accepted warehouse).
struct InstrumentHoldings {
  InstrumentId instrument;
  Quantity available;
  Quantity reserved;
  Quantity pledged;
  Quantity frozen;
  std::vector<ReceiptHolding> receipts;  // one entry per receipt and state, oldest first
};

struct MemberPositions {
  MemberId member;
  Money cash_available;
  Money cash_reserved;
  std::vector<InstrumentHoldings> instruments;  // every configured instrument, in id order
};

// Answers position requests asynchronously, from a state that includes everything committed
// before the request. `done` may run on another thread (the sequencer's) and must not block.
class PositionsSource {
 public:
  virtual ~PositionsSource() = default;
  virtual void Request(MemberId member, std::function<void(absl::StatusOr<MemberPositions>)> done) = 0;
};

}  // namespace dazong
