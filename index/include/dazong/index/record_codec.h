// Index records as text: the field list published to Redis (and printed by the CLI), a
// compact binary form of that list for the durable outbox, and the trade / quote / bust CSV
// formats `dazong-index recompute` reads. docs/index-methodology.md documents every field.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/index/parameters.h"
#include "dazong/index/record.h"

namespace dazong::index {

using Fields = std::vector<std::pair<std::string, std::string>>;

// The published fields of a record, in a fixed order. Member ids are shown as codes.
Fields RecordFields(const IndexRecord& r, const Methodology& methodology);
// The value of `name` in `fields`, or "".
std::string FieldValue(const Fields& fields, std::string_view name);

// Length-prefixed binary encoding of a field list (little-endian 32-bit lengths).
std::string EncodeFields(const Fields& fields);
absl::StatusOr<Fields> DecodeFields(std::string_view bytes);

// "1-5,8,10-11": ascending ids as ranges.
std::string FormatIdRanges(const std::vector<uint64_t>& ids);
// "12:SELF_TRADE,15:OUTLIER_MAD".
std::string FormatExcluded(const std::vector<ExcludedTrade>& excluded);
// "MOVE:detail|FALLBACK:detail".
std::string FormatAlerts(const std::vector<Alert>& alerts);

// One input line of a recompute, in the order they are applied.
struct RecomputeInput {
  enum class Type : uint8_t { kTrade = 0, kQuote = 1, kBust = 2 };
  Type type = Type::kTrade;
  IndexTrade trade;  // kTrade; kBust uses trade_id and time
  Bbo bbo;           // kQuote
  std::string reason;
};

// The largest trade quantity a trades CSV may carry (base units; 100 million tonnes when the
// base unit is the kilogram): the calculation's volume sums are 64-bit, and stay exact up to
// 92 million trades of this size in one session.
inline constexpr int64_t kMaxCsvTradeQuantity = 100'000'000'000;

// Trades CSV: "trade_id,time,instrument,price,quantity,buyer,seller" with time as ns since
// the epoch or an ISO time with offset, price in yuan ("3650.00"), quantity in base units,
// buyer/seller as member codes. A first line starting with "trade_id" is a header. A
// quantity above kMaxCsvTradeQuantity is refused ("bad quantity").
absl::StatusOr<std::vector<RecomputeInput>> ParseTradesCsv(std::string_view text,
                                                           const ExchangeConfig& config);
// Quotes CSV: "time,instrument,bid,ask" (yuan; empty = no order on that side).
absl::StatusOr<std::vector<RecomputeInput>> ParseQuotesCsv(std::string_view text,
                                                           const ExchangeConfig& config);
// Busts CSV: "trade_id,time,reason".
absl::StatusOr<std::vector<RecomputeInput>> ParseBustsCsv(std::string_view text);
// Orders inputs by time, then trades before quotes before busts, then file order.
void SortInputs(std::vector<RecomputeInput>& inputs);
// The CSV line of a trade (no newline).
std::string TradeCsvLine(const IndexTrade& t, const ExchangeConfig& config);

}  // namespace dazong::index
