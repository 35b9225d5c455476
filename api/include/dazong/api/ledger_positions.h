// LedgerPositions: the PositionsSource the FIX gateway asks for RequestForPositions (AN). It
// queues a QueryCommand (client kFixPositions) and, when the sequencer runs it after the commit
// of everything queued before, reads the member's receipts and cash from the ledger on the
// sequencer thread and hands them to the caller's callback there.
#pragma once

#include <functional>

#include "dazong/common/clock.h"
#include "dazong/common/config.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/pending_queries.h"
#include "dazong/common/positions.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::api {

// A member's positions as the ledger holds them; `now` decides which receipts have expired.
// Receipts count for each instrument whose commodity and grade they carry and whose accepted
// warehouses include theirs.
MemberPositions ComputePositions(const ExchangeConfig& config, const receipts::Ledger& ledger,
                                 MemberId member, Timestamp now);

class LedgerPositions final : public PositionsSource, public exchange::QueryRunner {
 public:
  // Everything given must outlive this object; `ledger` is read only on the sequencer thread.
  LedgerPositions(const ExchangeConfig& config, CommandQueue& commands, const receipts::Ledger& ledger,
                  const Clock& clock);

  void Request(MemberId member, std::function<void(absl::StatusOr<MemberPositions>)> done) override;
  void RunQuery(uint64_t ticket) override;  // sequencer thread

 private:
  struct Pending {
    MemberId member;
    std::function<void(absl::StatusOr<MemberPositions>)> done;
  };
  const ExchangeConfig& config_;
  CommandQueue& commands_;
  const receipts::Ledger& ledger_;
  const Clock& clock_;
  PendingQueries<Pending> pending_;
};

}  // namespace dazong::api
