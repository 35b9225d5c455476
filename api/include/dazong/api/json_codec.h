// JSON forms of the ledger's values for the HTTP API (plain functions, no I/O).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dazong/warehouse_receipts/disclosure.h"
#include "dazong/warehouse_receipts/events.h"
#include "dazong/warehouse_receipts/ledger.h"
#include "nlohmann/json.hpp"

namespace dazong::api {

nlohmann::json PrincipalJson(const receipts::Principal& p);
nlohmann::json ReceiptJson(const receipts::Receipt& r);
nlohmann::json EventJson(const receipts::LedgerEvent& e);
nlohmann::json HistoryRecordJson(const receipts::HistoryRecord& r);
nlohmann::json AccountJson(const std::string& member, const receipts::Account& a);
nlohmann::json StockJson(const receipts::StockDisclosure& d);

// Receipt elements from a request body. `expiry` is nanoseconds since the epoch or a date
// "YYYY-MM-DD" (the receipt expires when that day ends, China Standard Time).
absl::StatusOr<receipts::ReceiptElements> ParseElements(const nlohmann::json& j);

// "wrong_role", "unknown_receipt", ... and the HTTP status a refusal maps to.
std::string_view ReasonCode(receipts::LedgerReason reason);
int ReasonHttpStatus(receipts::LedgerReason reason);

}  // namespace dazong::api
