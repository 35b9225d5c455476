// Disclosure queries: pure functions over the ledger's state for supervisors, warehouses,
// holders and banks, and the access rule for a receipt's history.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::receipts {

// One row per (warehouse, commodity, grade) with stock or live receipts.
struct StockDisclosure {
  WarehouseId warehouse;
  std::string warehouse_code;
  std::string commodity;
  std::string grade;
  Quantity inspected_stock;      // as last reported by the warehouse
  Quantity receipted;            // live receipts (active, expired, awaiting load-out)
  Quantity pledged;              // live receipts pledged to a bank
  Quantity frozen_for_sale;      // quantity reserved by open sell orders
  Quantity frozen_for_delivery;  // live receipts frozen by the exchange
  Quantity unreceipted;          // inspected_stock - receipted
};

// Rows ordered by (warehouse id, commodity, grade). `warehouse` 0 (invalid) = all warehouses;
// empty `commodity` = all commodities.
std::vector<StockDisclosure> DiscloseStock(const ConfigIndex& config, const LedgerState& state,
                                           WarehouseId warehouse = WarehouseId(),
                                           const std::string& commodity = "");

// Who may read a receipt (its elements, status and full history): its holder, its pledgee
// (or the bank a pledge was requested from), the issuing warehouse, supervisors and the
// exchange. For a retired or cancelled receipt, the last holder.
bool MayReadReceipt(const ConfigIndex& config, const LedgerState& state, const Principal& who,
                    ReceiptId receipt);

// The receipt's history (records touching it or its ancestors, oldest first) if `who` may
// read it: NotFound for an unknown receipt, PermissionDenied otherwise.
absl::StatusOr<std::vector<HistoryRecord>> ReceiptHistoryFor(const Ledger& ledger,
                                                             const Principal& who,
                                                             ReceiptId receipt);

// Live receipts held by `holder`, oldest first.
std::vector<const Receipt*> Holdings(const LedgerState& state, const Principal& holder);

}  // namespace dazong::receipts
