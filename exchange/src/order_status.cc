#include "dazong/exchange/order_status.h"

#include <utility>

namespace dazong::exchange {

CoreOrderStatus::CoreOrderStatus(const ExchangeCore& core, CommandQueue& commands)
    : core_(core), commands_(commands) {}

void CoreOrderStatus::Request(MemberId member, const ClOrdId& cl_ord_id,
                              std::function<void(absl::StatusOr<OrderStatusAnswer>)> done) {
  if (auto refused = pending_.Submit(Pending{member, cl_ord_id, std::move(done)}, commands_,
                                     QueryClient::kFixOrderStatus)) {
    refused->done(absl::UnavailableError("the exchange's command queue is full; retry"));
  }
}

void CoreOrderStatus::RunQuery(uint64_t ticket) {
  if (auto pending = pending_.Take(ticket)) {
    pending->done(core_.FindOrder(pending->member, pending->cl_ord_id));
  }
}

}  // namespace dazong::exchange
