// ApplyOp: feeds one generated workload operation (workload.h) to an OrderBook. Shared by the
// Google Benchmark driver and the zero-allocation test so both exercise the same calls.
#pragma once

#include <vector>

#include "dazong/matching/order_book.h"
#include "workload.h"

namespace dazong::bench {

inline void ApplyOp(matching::OrderBook& book, const Op& op, Timestamp now) {
  switch (op.kind) {
    case OpKind::kAdd:
    case OpKind::kMarket: {
      matching::OrderRequest r;
      r.id = OrderId(op.id);
      r.member = MemberId(1);
      r.side = op.buy ? Side::kBuy : Side::kSell;
      r.type = op.kind == OpKind::kAdd ? OrderType::kLimit : OrderType::kMarket;
      r.tif = op.tif == OpTif::kGtc   ? TimeInForce::kGtc
              : op.tif == OpTif::kIoc ? TimeInForce::kIoc
                                      : TimeInForce::kFok;
      r.price = Price::FromRaw(op.price);
      r.quantity = Quantity::FromRaw(op.qty);
      book.Add(r, now);
      break;
    }
    case OpKind::kCancel:
      book.Cancel(OrderId(op.id), now);
      break;
    case OpKind::kReplace:
      book.Replace(OrderId(op.id), Price::FromRaw(op.price), Quantity::FromRaw(op.qty), now);
      break;
  }
}

// Cache hints for the operations after `ops[i]`, as a batch driver (the sequencer's group, the
// replay tool) gives them: the id entry two operations ahead, the resting order one ahead.
inline void HintAhead(const matching::OrderBook& book, const std::vector<Op>& ops, size_t i) {
  if (i + 2 < ops.size() && ops[i + 2].kind == OpKind::kCancel) book.PrefetchId(OrderId(ops[i + 2].id));
  if (i + 1 < ops.size() && ops[i + 1].kind == OpKind::kCancel) book.PrefetchOrder(OrderId(ops[i + 1].id));
}

}  // namespace dazong::bench
