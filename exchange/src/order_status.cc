#include "dazong/exchange/order_status.h"

#include <utility>

namespace dazong::exchange {

CoreOrderStatus::CoreOrderStatus(const ExchangeCore& core, CommandQueue& commands, QueryRunner* others)
    : core_(core), commands_(commands), others_(others) {}

void CoreOrderStatus::Request(MemberId member, const ClOrdId& cl_ord_id,
                              std::function<void(absl::StatusOr<OrderStatusAnswer>)> done) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ticket = kTicketBit | next_ticket_++;
    pending_.emplace(ticket, Pending{member, cl_ord_id, std::move(done)});
  }
  if (commands_.TryPush(QueryCommand{ticket, QueryClient::kFixGateway})) return;
  Pending refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(ticket);
    refused = std::move(it->second);
    pending_.erase(it);
  }
  refused.done(absl::UnavailableError("the exchange's command queue is full; retry"));
}

void CoreOrderStatus::RunQuery(uint64_t ticket) {
  if ((ticket & kTicketBit) == 0) {
    if (others_ != nullptr) others_->RunQuery(ticket);
    return;
  }
  Pending pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return;
    pending = std::move(it->second);
    pending_.erase(it);
  }
  pending.done(core_.FindOrder(pending.member, pending.cl_ord_id));
}

}  // namespace dazong::exchange
