#include "dazong/common/reject_reason.h"

namespace dazong {

std::string_view RejectReasonText(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone: return "no error";
    case RejectReason::kUnknownInstrument: return "unknown instrument";
    case RejectReason::kInvalidPrice: return "price must be positive";
    case RejectReason::kInvalidQuantity: return "quantity must be positive";
    case RejectReason::kPriceNotOnTick: return "price is not a multiple of the tick size";
    case RejectReason::kQuantityNotLotMultiple: return "quantity is not a whole number of lots";
    case RejectReason::kPriceOutsideBand: return "price is outside the daily price band";
    case RejectReason::kUnknownOrder: return "unknown order";
    case RejectReason::kDuplicateClOrdId: return "duplicate ClOrdID for this member";
    case RejectReason::kNotAuthorized: return "not authorized for this action";
    case RejectReason::kInstrumentNotTrading: return "instrument is not open for trading";
    case RejectReason::kInsufficientFunds: return "insufficient cash to fund the order";
    case RejectReason::kInsufficientReceipts: return "insufficient warehouse receipts to back the order";
    case RejectReason::kArithmeticOverflow: return "price or quantity too large";
    case RejectReason::kUnsupportedOrderType: return "order type not supported";
    case RejectReason::kUnsupportedTimeInForce: return "time in force not supported";
    case RejectReason::kThrottled: return "message rate limit exceeded";
    case RejectReason::kInvalidClOrdId: return "ClOrdID missing or longer than 32 characters";
    case RejectReason::kUnknownMember: return "unknown or disabled member";
    case RejectReason::kTooLateToCancel: return "order is already closed";
    case RejectReason::kSystemUnavailable: return "exchange is not accepting this request now";
    case RejectReason::kNotAllowedInPhase: return "order type not allowed in the instrument's current phase";
    case RejectReason::kBookFull: return "order book is full";
    case RejectReason::kUnknownOrderId: return "no open order with this id";
    case RejectReason::kDuplicateOrderId: return "order id already used";
    case RejectReason::kInvalidExpireTime: return "expire time missing or already past";
    case RejectReason::kNotLatestClOrdId: return "OrigClOrdID is not the order's latest ClOrdID (it has been replaced since)";
  }
  return "unknown reason";
}

}  // namespace dazong
