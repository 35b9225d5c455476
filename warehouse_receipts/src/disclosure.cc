#include "dazong/warehouse_receipts/disclosure.h"

#include <map>
#include <tuple>

namespace dazong::receipts {

std::vector<StockDisclosure> DiscloseStock(const ConfigIndex& config, const LedgerState& state,
                                           WarehouseId warehouse, const std::string& commodity) {
  std::map<StockKey, StockDisclosure> rows;
  auto row = [&](const StockKey& key) -> StockDisclosure* {
    if (warehouse.valid() && key.warehouse != warehouse) return nullptr;
    if (!commodity.empty() && key.commodity != commodity) return nullptr;
    StockDisclosure& d = rows[key];
    if (!d.warehouse.valid()) {
      d.warehouse = key.warehouse;
      const WarehouseConfig* w = config.Warehouse(key.warehouse);
      d.warehouse_code = w == nullptr ? "" : w->code;
      d.commodity = key.commodity;
      d.grade = key.grade;
    }
    return &d;
  };
  auto add = [](Quantity& q, int64_t delta) { q = Quantity::FromRaw(q.raw() + delta); };
  for (const auto& [key, qty] : state.stock) {
    if (StockDisclosure* d = row(key)) d->inspected_stock = qty;
  }
  for (const auto& [id, r] : state.receipts) {
    if (!IsLive(r.status)) continue;
    StockDisclosure* d = row({r.warehouse, r.elements.commodity, r.elements.grade});
    if (d == nullptr) continue;
    add(d->receipted, r.elements.quantity.raw());
    if (r.encumbrance.kind == EncumbranceKind::kPledge) add(d->pledged, r.elements.quantity.raw());
    if (r.encumbrance.kind == EncumbranceKind::kFrozenForDelivery) {
      add(d->frozen_for_delivery, r.elements.quantity.raw());
    }
    add(d->frozen_for_sale, r.held_quantity().raw());
  }
  std::vector<StockDisclosure> out;
  out.reserve(rows.size());
  for (auto& [key, d] : rows) {
    d.unreceipted = Quantity::FromRaw(d.inspected_stock.raw() - d.receipted.raw());
    out.push_back(std::move(d));
  }
  return out;
}

bool MayReadReceipt(const ConfigIndex& config, const LedgerState& state, const Principal& who,
                    ReceiptId receipt) {
  auto it = state.receipts.find(receipt);
  if (it == state.receipts.end()) return false;
  const Receipt& r = it->second;
  switch (who.kind) {
    case PrincipalKind::kSupervisor: return config.IsSupervisor(who.code);
    case PrincipalKind::kExchange: return true;
    case PrincipalKind::kWarehouse: return who.code == r.warehouse_code;
    case PrincipalKind::kMember: return r.holder == who && config.Member(who.code) != nullptr;
    case PrincipalKind::kBank:
      return config.IsBank(who.code) &&
             (r.holder == who || r.encumbrance.bank == who.code || r.pending_pledgee == who.code);
  }
  return false;
}

absl::StatusOr<std::vector<HistoryRecord>> ReceiptHistoryFor(const Ledger& ledger,
                                                             const Principal& who,
                                                             ReceiptId receipt) {
  if (!ledger.state().receipts.contains(receipt)) {
    return absl::NotFoundError("unknown receipt " + std::to_string(receipt.value()));
  }
  if (!MayReadReceipt(ledger.config(), ledger.state(), who, receipt)) {
    return absl::PermissionDeniedError(PrincipalString(who) + " may not read receipt " +
                                       std::to_string(receipt.value()));
  }
  std::vector<HistoryRecord> out;
  for (uint64_t i : ledger.ReceiptHistory(receipt)) out.push_back(ledger.history()[i]);
  return out;
}

std::vector<const Receipt*> Holdings(const LedgerState& state, const Principal& holder) {
  std::vector<const Receipt*> out;
  auto it = state.live_by_holder.find(holder);
  if (it == state.live_by_holder.end()) return out;
  for (const auto& [issued, id] : it->second) out.push_back(&state.receipts.at(id));
  return out;
}

}  // namespace dazong::receipts
