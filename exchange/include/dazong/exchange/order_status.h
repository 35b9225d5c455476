// CoreOrderStatus: the OrderStatusSource the FIX gateway asks for OrderStatusRequest (H). It
// queues a QueryCommand (client kFixOrderStatus) and, when the sequencer runs it after the
// commit of everything queued before, looks the order up in the core (ExchangeCore::FindOrder)
// on the sequencer thread and hands the answer to the caller's callback there. So H is
// answered from the exchange's own state, also for orders entered before a restart.
#pragma once

#include <functional>

#include "dazong/common/event_sink.h"
#include "dazong/common/order_status.h"
#include "dazong/common/pending_queries.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/sequencer.h"

namespace dazong::exchange {

class CoreOrderStatus final : public OrderStatusSource, public QueryRunner {
 public:
  // Everything given must outlive this object; `core` is read only on the sequencer thread.
  // Register it with Sequencer::SetQueryRunner(QueryClient::kFixOrderStatus, ...).
  CoreOrderStatus(const ExchangeCore& core, CommandQueue& commands);

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
  PendingQueries<Pending> pending_;
};

}  // namespace dazong::exchange
