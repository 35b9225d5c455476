// Ledger's ReservationLedger side: order reservations and delivery-versus-payment settlement.
#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::receipts {

RejectReason Ledger::Refuse(RejectReason reason, std::string text) {
  last_error_ = std::move(text);
  return reason;
}

void Ledger::Anomaly(std::string text) {
  ++anomalies_;
  last_error_ = std::move(text);
}

bool Ledger::EligibleForSale(const Receipt& r, const MemberConfig& member,
                             const InstrumentConfig& instrument) const {
  return r.status == ReceiptStatus::kActive && r.holder == Principal::Member(member.code) &&
         time_ < r.elements.expiry && r.elements.commodity == instrument.commodity &&
         r.elements.grade == instrument.grade && config_.Accepts(instrument.id, r.warehouse) &&
         !config_.IsAffiliate(r.warehouse, member.code) &&
         (r.encumbrance.kind == EncumbranceKind::kNone ||
          r.encumbrance.kind == EncumbranceKind::kFrozenForSale) &&
         r.held_quantity() < r.elements.quantity;
}

RejectReason Ledger::Reserve(const ReservationRequest& req) {
  const Principal exchange = Principal::Exchange();
  const MemberConfig* member = config_.Member(req.member);
  if (member == nullptr) return Refuse(RejectReason::kUnknownMember, "unknown or disabled member");
  const InstrumentConfig* ins = config_.Instrument(req.instrument);
  if (ins == nullptr) return Refuse(RejectReason::kUnknownInstrument, "unknown instrument");
  if (!req.order.valid() || state_.orders.contains(req.order)) {
    return Refuse(RejectReason::kNotAuthorized, "order already holds a reservation");
  }
  if (!req.quantity.is_positive()) return Refuse(RejectReason::kInvalidQuantity, "quantity <= 0");
  if (ins->lot_size.raw() <= 0 || req.quantity.raw() % ins->lot_size.raw() != 0) {
    return Refuse(RejectReason::kQuantityNotLotMultiple, "quantity is not whole lots");
  }
  const std::string why = absl::StrCat("order ", req.order.value());
  if (req.side == Side::kBuy) {
    if (config_.AffiliateOfAnyAccepted(ins->id, member->code)) {
      return Refuse(RejectReason::kNotAuthorized,
                    member->code + " is an affiliate of a warehouse delivering " + ins->symbol);
    }
    absl::StatusOr<Money> cash = BuyReservation(*ins, req.reserve_price, req.quantity);
    if (!cash.ok()) return Refuse(RejectReason::kArithmeticOverflow, "reservation overflows");
    auto acct = state_.accounts.find(req.member);
    const int64_t available = acct == state_.accounts.end() ? 0 : acct->second.available.raw();
    if (available < cash->raw()) {
      return Refuse(RejectReason::kInsufficientFunds,
                    absl::StrCat("needs ", cash->raw(), " fen, available ", available));
    }
    Emit(OrderOpened{req.order, req.member, req.instrument, Side::kBuy, req.reserve_price,
                     req.quantity, *cash},
         why, exchange);
    last_error_.clear();
    return RejectReason::kNone;
  }
  // Sell: plan the receipt portions first, then emit.
  std::vector<ReceiptPortion> plan;
  int64_t remaining = req.quantity.raw();
  if (!req.receipts.empty()) {
    for (const NamedReceipt& named : req.receipts) {
      auto it = state_.receipts.find(ReceiptId(named.receipt_id));
      if (it == state_.receipts.end() || !named.quantity.is_positive()) {
        return Refuse(RejectReason::kInsufficientReceipts,
                      absl::StrCat("receipt ", named.receipt_id, " unknown or quantity <= 0"));
      }
      const Receipt& r = it->second;
      if (config_.IsAffiliate(r.warehouse, member->code)) {
        return Refuse(RejectReason::kNotAuthorized,
                      member->code + " is an affiliate of " + r.warehouse_code);
      }
      for (const ReceiptPortion& p : plan) {
        if (p.receipt == r.id) {
          return Refuse(RejectReason::kInsufficientReceipts, "receipt named twice");
        }
      }
      if (!EligibleForSale(r, *member, *ins) ||
          named.quantity.raw() > r.elements.quantity.raw() - r.held_quantity().raw()) {
        return Refuse(RejectReason::kInsufficientReceipts,
                      absl::StrCat("receipt ", named.receipt_id,
                                   " is not free, deliverable and unexpired for this quantity"));
      }
      plan.push_back({r.id, named.quantity});
      remaining -= named.quantity.raw();
    }
    if (remaining != 0) {
      return Refuse(RejectReason::kInsufficientReceipts,
                    "named receipt quantities do not sum to the order quantity");
    }
  } else {
    auto holding = state_.free_by_holder.find(Principal::Member(member->code));
    if (holding != state_.free_by_holder.end()) {
      for (const auto& [issued, id] : holding->second) {
        if (remaining == 0) break;
        const Receipt& r = ReceiptAt(state_, id);
        if (!EligibleForSale(r, *member, *ins)) continue;
        const int64_t take =
            std::min(remaining, r.elements.quantity.raw() - r.held_quantity().raw());
        plan.push_back({id, Quantity::FromRaw(take)});
        remaining -= take;
      }
    }
    if (remaining != 0) {
      return Refuse(RejectReason::kInsufficientReceipts,
                    absl::StrCat("short of ", remaining, " base units of free receipts"));
    }
  }
  Emit(OrderOpened{req.order, req.member, req.instrument, Side::kSell, req.reserve_price,
                   req.quantity, Money()},
       why, exchange);
  for (const ReceiptPortion& p : plan) Emit(HoldPlaced{p.receipt, req.order, p.quantity}, why, exchange);
  last_error_.clear();
  return RejectReason::kNone;
}

RejectReason Ledger::Resize(OrderId order, Price reserve_price, Quantity leaves) {
  const Principal exchange = Principal::Exchange();
  auto it = state_.orders.find(order);
  if (it == state_.orders.end()) return Refuse(RejectReason::kUnknownOrder, "no reservation");
  const OrderReservation o = it->second;  // copy: events below change the record
  const InstrumentConfig* ins = config_.Instrument(o.instrument);
  if (!leaves.is_positive()) return Refuse(RejectReason::kInvalidQuantity, "leaves <= 0");
  if (leaves.raw() % ins->lot_size.raw() != 0) {
    return Refuse(RejectReason::kQuantityNotLotMultiple, "leaves is not whole lots");
  }
  const std::string why = absl::StrCat("order ", order.value(), " resized");
  if (o.side == Side::kBuy) {
    absl::StatusOr<Money> want = BuyReservation(*ins, reserve_price, leaves);
    if (!want.ok()) return Refuse(RejectReason::kArithmeticOverflow, "reservation overflows");
    const int64_t delta = want->raw() - o.cash.raw();
    if (delta > 0) {
      auto acct = state_.accounts.find(o.member);
      const int64_t available = acct == state_.accounts.end() ? 0 : acct->second.available.raw();
      if (available < delta) {
        return Refuse(RejectReason::kInsufficientFunds,
                      absl::StrCat("needs ", delta, " fen more, available ", available));
      }
    }
    Emit(OrderResized{order, reserve_price, leaves}, why, exchange);
    if (delta > 0) Emit(CashReserved{order, o.member, Money::FromRaw(delta)}, why, exchange);
    if (delta < 0) Emit(CashReleased{order, o.member, Money::FromRaw(-delta)}, why, exchange);
    last_error_.clear();
    return RejectReason::kNone;
  }
  const MemberConfig* member = config_.Member(o.member);
  int64_t delta = leaves.raw() - o.leaves.raw();
  std::vector<ReceiptPortion> more;
  if (delta > 0) {
    if (member == nullptr) return Refuse(RejectReason::kUnknownMember, "member disabled");
    auto holding = state_.free_by_holder.find(Principal::Member(member->code));
    int64_t remaining = delta;
    if (holding != state_.free_by_holder.end()) {
      for (const auto& [issued, id] : holding->second) {
        if (remaining == 0) break;
        const Receipt& r = ReceiptAt(state_, id);
        if (!EligibleForSale(r, *member, *ins)) continue;
        const int64_t take =
            std::min(remaining, r.elements.quantity.raw() - r.held_quantity().raw());
        more.push_back({id, Quantity::FromRaw(take)});
        remaining -= take;
      }
    }
    if (remaining != 0) {
      return Refuse(RejectReason::kInsufficientReceipts,
                    absl::StrCat("short of ", remaining, " base units of free receipts"));
    }
  }
  Emit(OrderResized{order, reserve_price, leaves}, why, exchange);
  for (const ReceiptPortion& p : more) Emit(HoldPlaced{p.receipt, order, p.quantity}, why, exchange);
  // Shrinking releases the most recently reserved quantity first.
  for (auto p = o.receipts.rbegin(); p != o.receipts.rend() && delta < 0; ++p) {
    const int64_t give = std::min(-delta, p->quantity.raw());
    Emit(HoldReleased{p->receipt, order, Quantity::FromRaw(give)}, why, exchange);
    delta += give;
  }
  last_error_.clear();
  return RejectReason::kNone;
}

void Ledger::Release(OrderId order) {
  auto it = state_.orders.find(order);
  if (it == state_.orders.end()) return;
  const OrderReservation o = it->second;
  const Principal exchange = Principal::Exchange();
  const std::string why = absl::StrCat("order ", order.value(), " closed");
  if (o.cash.is_positive()) Emit(CashReleased{order, o.member, o.cash}, why, exchange);
  for (const ReceiptPortion& p : o.receipts) {
    Emit(HoldReleased{p.receipt, order, p.quantity}, why, exchange);
  }
  Emit(OrderClosed{order}, why, exchange);
}

void Ledger::Settle(const TradeEvent& trade) {
  if (IsSettled(state_, trade.trade_id)) return;  // idempotent
  const std::string tid = absl::StrCat("trade ", trade.trade_id.value());
  if (!trade.trade_id.valid()) return Anomaly(tid + ": no trade id");
  auto b = state_.orders.find(trade.buy.order_id);
  auto s = state_.orders.find(trade.sell.order_id);
  const InstrumentConfig* ins = config_.Instrument(trade.instrument);
  if (ins == nullptr || b == state_.orders.end() || s == state_.orders.end() ||
      b->second.side != Side::kBuy || s->second.side != Side::kSell ||
      b->second.instrument != trade.instrument || s->second.instrument != trade.instrument) {
    return Anomaly(tid + ": its orders hold no matching reservations");
  }
  const Quantity q = trade.quantity;
  if (!q.is_positive() || b->second.leaves < q || s->second.leaves < q) {
    return Anomaly(tid + ": quantity exceeds an order's reservation");
  }
  absl::StatusOr<Money> notional = Notional(trade.price, q, ins->base_units_per_price_unit);
  if (!notional.ok()) return Anomaly(tid + ": notional overflows");
  absl::StatusOr<Money> bfee = BuyerFee(*ins, *notional);
  absl::StatusOr<Money> sfee = SellerFee(*ins, *notional);
  const Quantity buy_after = Quantity::FromRaw(b->second.leaves.raw() - q.raw());
  absl::StatusOr<Money> keep = BuyReservation(*ins, b->second.reserve_price, buy_after);
  if (!bfee.ok() || !sfee.ok() || !keep.ok()) return Anomaly(tid + ": fee overflows");
  const Int128 need = static_cast<Int128>(notional->raw()) + bfee->raw() + keep->raw();
  if (need > b->second.cash.raw()) {
    return Anomaly(absl::StrCat(tid, ": buyer's reservation ", b->second.cash.raw(),
                                " does not cover ", static_cast<int64_t>(need)));
  }
  const MemberConfig* buyer = config_.Member(b->second.member);
  const MemberConfig* seller = config_.Member(s->second.member);
  if (buyer == nullptr || seller == nullptr) return Anomaly(tid + ": member disabled");
  const Principal buyer_p = Principal::Member(buyer->code);
  const Principal seller_p = Principal::Member(seller->code);
  for (const ReceiptPortion& p : s->second.receipts) {
    const Receipt& r = ReceiptAt(state_, p.receipt);
    if (config_.IsAffiliate(r.warehouse, buyer->code)) {
      return Anomaly(tid + ": buyer is an affiliate of " + r.warehouse_code);
    }
  }
  const OrderId buy_id = b->first;
  const OrderId sell_id = s->first;
  const Principal exchange = Principal::Exchange();
  // What the buy order no longer needs after paying: price improvement and allowance.
  const Money released = Money::FromRaw(static_cast<int64_t>(b->second.cash.raw() - need));
  // Receipt leg: deliver from the sell order's reservations in order.
  int64_t remaining = q.raw();
  while (remaining > 0) {
    const ReceiptPortion p = state_.orders.at(sell_id).receipts.front();
    const Receipt& r = ReceiptAt(state_, p.receipt);
    const int64_t take = std::min(remaining, p.quantity.raw());
    ReceiptId deliver = r.id;
    if (take < r.elements.quantity.raw()) {
      ReceiptSplit split;
      split.parent = r.id;
      SplitChild delivered{ReceiptId(state_.meta.next_receipt_id), Quantity::FromRaw(take),
                           {SaleHold{sell_id, Quantity::FromRaw(take)}}};
      SplitChild rest{ReceiptId(state_.meta.next_receipt_id + 1),
                      Quantity::FromRaw(r.elements.quantity.raw() - take), {}};
      for (const SaleHold& h : r.holds) {
        const int64_t left = h.order == sell_id ? h.quantity.raw() - take : h.quantity.raw();
        if (left > 0) rest.holds.push_back({h.order, Quantity::FromRaw(left)});
      }
      deliver = delivered.id;
      split.children = {std::move(delivered), std::move(rest)};
      Emit(std::move(split), tid, exchange);
    }
    Emit(HolderChanged{deliver, seller_p, buyer_p, HolderCause::kSettlement, trade.trade_id,
                       sell_id},
         tid, exchange);
    remaining -= take;
  }
  // Cash leg; it also closes an order whose leaves reach zero.
  const MemberId buyer_id = b->second.member;
  const MemberId seller_id = s->second.member;
  Emit(TradeSettled{trade.trade_id, trade.instrument, buy_id, sell_id, buyer_id, seller_id,
                    trade.price, q, *notional, *bfee, *sfee, released},
       tid, exchange);
}

}  // namespace dazong::receipts
