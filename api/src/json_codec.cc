#include "dazong/api/json_codec.h"

#include <type_traits>

namespace dazong::api {

using nlohmann::json;
namespace r = receipts;

json PrincipalJson(const r::Principal& p) {
  return json{{"kind", std::string(r::PrincipalKindName(p.kind))}, {"code", p.code}};
}

namespace {

json Ids(const std::vector<r::ReceiptId>& ids) {
  json a = json::array();
  for (r::ReceiptId id : ids) a.push_back(id.value());
  return a;
}

json EncumbranceJson(const r::Encumbrance& e) {
  json j{{"kind", std::string(r::EncumbranceKindName(e.kind))}};
  if (!e.bank.empty()) j["bank"] = e.bank;
  if (!e.reference.empty()) j["reference"] = e.reference;
  return j;
}

json ElementsJson(const r::ReceiptElements& e) {
  return json{{"depositor", e.depositor},
              {"commodity", e.commodity},
              {"grade", e.grade},
              {"brand", e.brand},
              {"packaging", e.packaging},
              {"unit", e.unit},
              {"quantity", e.quantity.raw()},
              {"lots", e.lots},
              {"storage_location", e.storage_location},
              {"inspection_certificate", e.inspection_certificate},
              {"expiry", e.expiry},
              {"storage_fee_terms", e.storage_fee_terms},
              {"insurance", e.insurance}};
}

json HoldsJson(const std::vector<r::SaleHold>& holds) {
  json a = json::array();
  for (const r::SaleHold& h : holds) a.push_back({{"order", h.order.value()}, {"quantity", h.quantity.raw()}});
  return a;
}

std::string_view HolderCauseName(r::HolderCause c) {
  switch (c) {
    case r::HolderCause::kTransfer: return "transfer";
    case r::HolderCause::kEnforcement: return "enforcement";
    case r::HolderCause::kSettlement: return "settlement";
  }
  return "?";
}

std::string_view EncumbranceCauseName(r::EncumbranceCause c) {
  switch (c) {
    case r::EncumbranceCause::kPledgeAccepted: return "pledge_accepted";
    case r::EncumbranceCause::kPledgeReleased: return "pledge_released";
    case r::EncumbranceCause::kPledgeEnforced: return "pledge_enforced";
    case r::EncumbranceCause::kFrozen: return "frozen";
    case r::EncumbranceCause::kUnfrozen: return "unfrozen";
  }
  return "?";
}

json BodyJson(const r::EventBody& body) {
  return std::visit(
      [](const auto& e) -> json {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, r::StockReported>) {
          return {{"warehouse", e.key.warehouse.value()}, {"commodity", e.key.commodity},
                  {"grade", e.key.grade}, {"quantity", e.quantity.raw()}};
        } else if constexpr (std::is_same_v<T, r::ReceiptIssued>) {
          return {{"receipt", ReceiptJson(e.receipt)}};
        } else if constexpr (std::is_same_v<T, r::ReceiptCancelled>) {
          return {{"receipt", e.receipt.value()},
                  {"cause", e.cause == r::CancelCause::kLoadOut ? "load_out" : "correction"}};
        } else if constexpr (std::is_same_v<T, r::ReceiptSplit>) {
          json children = json::array();
          for (const r::SplitChild& c : e.children) {
            children.push_back({{"id", c.id.value()}, {"quantity", c.quantity.raw()}, {"holds", HoldsJson(c.holds)}});
          }
          return {{"parent", e.parent.value()}, {"children", children}};
        } else if constexpr (std::is_same_v<T, r::ReceiptsMerged>) {
          return {{"parents", Ids(e.parents)}, {"child", e.child.value()}};
        } else if constexpr (std::is_same_v<T, r::HolderChanged>) {
          json j{{"receipt", e.receipt.value()}, {"from", PrincipalJson(e.from)},
                 {"to", PrincipalJson(e.to)}, {"cause", std::string(HolderCauseName(e.cause))}};
          if (e.trade.valid()) j["trade"] = e.trade.value();
          if (e.order.valid()) j["order"] = e.order.value();
          return j;
        } else if constexpr (std::is_same_v<T, r::PledgeRequested> ||
                             std::is_same_v<T, r::PledgeRequestCleared>) {
          return {{"receipt", e.receipt.value()}, {"bank", e.bank}};
        } else if constexpr (std::is_same_v<T, r::EncumbranceChanged>) {
          return {{"receipt", e.receipt.value()}, {"from", EncumbranceJson(e.from)},
                  {"to", EncumbranceJson(e.to)}, {"cause", std::string(EncumbranceCauseName(e.cause))}};
        } else if constexpr (std::is_same_v<T, r::StatusChanged>) {
          return {{"receipt", e.receipt.value()}, {"from", std::string(r::ReceiptStatusName(e.from))},
                  {"to", std::string(r::ReceiptStatusName(e.to))}};
        } else if constexpr (std::is_same_v<T, r::CashDeposited> || std::is_same_v<T, r::CashWithdrawn>) {
          return {{"member", e.member.value()}, {"amount", e.amount.raw()}};
        } else if constexpr (std::is_same_v<T, r::OrderOpened>) {
          return {{"order", e.order.value()}, {"member", e.member.value()},
                  {"instrument", e.instrument.value()}, {"side", e.side == Side::kBuy ? "buy" : "sell"},
                  {"reserve_price", e.reserve_price.raw()}, {"leaves", e.leaves.raw()},
                  {"cash", e.cash.raw()}};
        } else if constexpr (std::is_same_v<T, r::OrderResized>) {
          return {{"order", e.order.value()}, {"reserve_price", e.reserve_price.raw()}, {"leaves", e.leaves.raw()}};
        } else if constexpr (std::is_same_v<T, r::OrderClosed>) {
          return {{"order", e.order.value()}};
        } else if constexpr (std::is_same_v<T, r::CashReserved> || std::is_same_v<T, r::CashReleased>) {
          return {{"order", e.order.value()}, {"member", e.member.value()}, {"amount", e.amount.raw()}};
        } else if constexpr (std::is_same_v<T, r::HoldPlaced> || std::is_same_v<T, r::HoldReleased>) {
          return {{"receipt", e.receipt.value()}, {"order", e.order.value()}, {"quantity", e.quantity.raw()}};
        } else if constexpr (std::is_same_v<T, r::TradeSettled>) {
          return {{"trade", e.trade.value()}, {"instrument", e.instrument.value()},
                  {"buy_order", e.buy_order.value()}, {"sell_order", e.sell_order.value()},
                  {"buyer", e.buyer.value()}, {"seller", e.seller.value()}, {"price", e.price.raw()},
                  {"quantity", e.quantity.raw()}, {"notional", e.notional.raw()},
                  {"buyer_fee", e.buyer_fee.raw()}, {"seller_fee", e.seller_fee.raw()},
                  {"buyer_released", e.buyer_released.raw()}};
        } else {
          static_assert(std::is_same_v<T, r::Rejected>);
          return {{"reason", std::string(ReasonCode(e.reason))}, {"text", e.text}, {"command", e.command}};
        }
      },
      body);
}

}  // namespace

json ReceiptJson(const r::Receipt& x) {
  return json{{"id", x.id.value()},
              {"number", x.number},
              {"serial", x.serial},
              {"warehouse", x.warehouse_code},
              {"licence", x.licence},
              {"issued", x.issued},
              {"elements", ElementsJson(x.elements)},
              {"status", std::string(r::ReceiptStatusName(x.status))},
              {"status_reason", x.status_reason},
              {"holder", PrincipalJson(x.holder)},
              {"encumbrance", EncumbranceJson(x.encumbrance)},
              {"holds", HoldsJson(x.holds)},
              {"pending_pledgee", x.pending_pledgee},
              {"parents", Ids(x.parents)},
              {"children", Ids(x.children)},
              {"version", x.version},
              {"history_hash", r::HashHex(x.history_hash)}};
}

json EventJson(const r::LedgerEvent& e) {
  return json{{"type", std::string(r::EventName(e.body))},
              {"seq", e.seq.value()},
              {"time", e.time},
              {"actor", PrincipalJson(e.actor)},
              {"why", e.why},
              {"data", BodyJson(e.body)}};
}

json HistoryRecordJson(const r::HistoryRecord& rec) {
  json j = EventJson(rec.event);
  j["index"] = rec.index;
  j["prev_hash"] = r::HashHex(rec.prev_hash);
  j["hash"] = r::HashHex(rec.hash);
  return j;
}

json AccountJson(const std::string& member, const r::Account& a) {
  return json{{"member", member}, {"available", a.available.raw()}, {"reserved", a.reserved.raw()}};
}

json StockJson(const r::StockDisclosure& d) {
  return json{{"warehouse", d.warehouse_code},
              {"commodity", d.commodity},
              {"grade", d.grade},
              {"inspected_stock", d.inspected_stock.raw()},
              {"receipted", d.receipted.raw()},
              {"pledged", d.pledged.raw()},
              {"frozen_for_sale", d.frozen_for_sale.raw()},
              {"frozen_for_delivery", d.frozen_for_delivery.raw()},
              {"unreceipted", d.unreceipted.raw()}};
}

absl::StatusOr<r::ReceiptElements> ParseElements(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("elements must be an object");
  r::ReceiptElements e;
  auto str = [&](const char* key, std::string* out) -> absl::Status {
    auto it = j.find(key);
    if (it == j.end()) return absl::OkStatus();  // the ledger says which element is missing
    if (!it->is_string()) return absl::InvalidArgumentError(std::string("elements.") + key + " must be a string");
    *out = it->get<std::string>();
    return absl::OkStatus();
  };
  for (auto [key, out] : {std::pair{"depositor", &e.depositor}, {"commodity", &e.commodity},
                          {"grade", &e.grade}, {"brand", &e.brand}, {"packaging", &e.packaging},
                          {"unit", &e.unit}, {"storage_location", &e.storage_location},
                          {"inspection_certificate", &e.inspection_certificate},
                          {"storage_fee_terms", &e.storage_fee_terms}, {"insurance", &e.insurance}}) {
    if (absl::Status s = str(key, out); !s.ok()) return s;
  }
  if (auto it = j.find("quantity"); it != j.end()) {
    if (!it->is_number_integer()) return absl::InvalidArgumentError("elements.quantity must be an integer");
    e.quantity = Quantity::FromRaw(it->get<int64_t>());
  }
  if (auto it = j.find("lots"); it != j.end()) {
    if (!it->is_array()) return absl::InvalidArgumentError("elements.lots must be an array of strings");
    for (const json& lot : *it) {
      if (!lot.is_string()) return absl::InvalidArgumentError("elements.lots must be an array of strings");
      e.lots.push_back(lot.get<std::string>());
    }
  }
  if (auto it = j.find("expiry"); it != j.end()) {
    if (it->is_number_integer()) {
      e.expiry = it->get<int64_t>();
    } else if (it->is_string()) {
      absl::StatusOr<Timestamp> t = r::EndOfDayCst(it->get<std::string>());
      if (!t.ok()) return absl::InvalidArgumentError("elements.expiry: " + std::string(t.status().message()));
      e.expiry = *t;
    } else {
      return absl::InvalidArgumentError("elements.expiry must be nanoseconds or \"YYYY-MM-DD\"");
    }
  }
  return e;
}

std::string_view ReasonCode(r::LedgerReason reason) {
  using R = r::LedgerReason;
  switch (reason) {
    case R::kNone: return "none";
    case R::kWrongRole: return "wrong_role";
    case R::kUnknownPrincipal: return "unknown_principal";
    case R::kUnknownReceipt: return "unknown_receipt";
    case R::kNotHolder: return "not_holder";
    case R::kNotIssuer: return "not_issuer";
    case R::kNotPledgee: return "not_pledgee";
    case R::kNotLive: return "not_live";
    case R::kNotActive: return "not_active";
    case R::kEncumbered: return "encumbered";
    case R::kNotEncumbered: return "not_encumbered";
    case R::kExpired: return "expired";
    case R::kLicenceInvalid: return "licence_invalid";
    case R::kNumberOutOfRange: return "number_out_of_range";
    case R::kNumberUsed: return "number_used";
    case R::kDuplicateLot: return "duplicate_lot";
    case R::kExceedsStock: return "exceeds_stock";
    case R::kStockBelowReceipted: return "stock_below_receipted";
    case R::kCommodityNotStored: return "commodity_not_stored";
    case R::kInvalidQuantity: return "invalid_quantity";
    case R::kInvalidElement: return "invalid_element";
    case R::kMergeMismatch: return "merge_mismatch";
    case R::kAffiliate: return "affiliate";
    case R::kNoPledgeRequest: return "no_pledge_request";
    case R::kInsufficientFunds: return "insufficient_funds";
    case R::kReasonRequired: return "reason_required";
    case R::kOverflow: return "overflow";
    case R::kNotLoadOutRequested: return "load_out_not_requested";
    case R::kDuplicateReceipt: return "duplicate_receipt";
    case R::kNotSettlementBank: return "not_settlement_bank";
  }
  return "unknown";
}

int ReasonHttpStatus(r::LedgerReason reason) {
  using R = r::LedgerReason;
  switch (reason) {
    case R::kWrongRole:
    case R::kNotHolder:
    case R::kNotIssuer:
    case R::kNotPledgee:
    case R::kAffiliate:
    case R::kNotSettlementBank:
      return 403;
    case R::kUnknownReceipt:
      return 404;
    case R::kUnknownPrincipal:
    case R::kInvalidQuantity:
    case R::kInvalidElement:
    case R::kReasonRequired:
    case R::kNumberOutOfRange:
    case R::kDuplicateReceipt:
    case R::kOverflow:
    case R::kCommodityNotStored:
      return 422;
    default:
      return 409;
  }
}

}  // namespace dazong::api
