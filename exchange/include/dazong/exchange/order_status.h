// CoreOrderStatus: the OrderStatusSource the FIX gateway asks for OrderStatusRequest (H). It
// queues a QueryCommand (client kFixGateway) and, when the sequencer runs it after the commit
// of everything queued before, looks the order up in the core (ExchangeCore::FindOrder) on
// the sequencer thread and hands the answer to the caller's callback there. So H is answered
// from the exchange's own state, also for orders entered before a restart.
//
// The sequencer has one runner per QueryClient, and the FIX gateway's client is shared with
// RequestForPositions (api::LedgerPositions): this runner is registered for kFixGateway and
// hands every ticket that is not its own (its tickets have the top bit set) to `others`.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/order_status.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/sequencer.h"

namespace dazong::exchange {

class CoreOrderStatus final : public OrderStatusSource, public QueryRunner {
 public:
  // Tickets of this runner carry this bit; other runners' tickets (counters from 1) never do.
  static constexpr uint64_t kTicketBit = uint64_t{1} << 63;

  // Everything given must outlive this object; `core` is read only on the sequencer thread.
  // `others` (may be null) runs the kFixGateway tickets that are not this runner's.
  CoreOrderStatus(const ExchangeCore& core, CommandQueue& commands, QueryRunner* others);

  void Request(MemberId member, const ClOrdId& cl_ord_id,
               std::function<void(absl::StatusOr<OrderStatusAnswer>)> done) override;
  void RunQuery(uint64_t ticket) override;  // sequencer thread

 private:
  struct Pending {
    MemberId member;
    ClOrdId cl_ord_id;
    std::function<void(absl::StatusOr<OrderStatusAnswer>)> done;
  };
  const ExchangeCore& core_;
  CommandQueue& commands_;
  QueryRunner* others_;
  std::mutex mu_;
  uint64_t next_ticket_ = 1;
  absl::flat_hash_map<uint64_t, Pending> pending_;
};

}  // namespace dazong::exchange
