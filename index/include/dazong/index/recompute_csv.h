// `dazong-index recompute` straight from the text of a trades CSV, without a parsed copy of the
// whole file (docs/index-methodology.md, section 14 "Reproducing any value").
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "dazong/common/config.h"
#include "dazong/index/engine.h"
#include "dazong/index/record_codec.h"

namespace dazong::index {

// The records of
//   inputs = ParseTradesCsv(trades_csv, config) + others;  SortInputs(inputs);
//   Recompute(methodology, inputs, until, options, sink)
// exactly (same records, same order, same errors), without a parsed copy of the file when
// every line is well formed and its trades are in time order (as `dazong-index export-trades`
// writes them): the trades go to the engine as they are parsed, merged by time with `others`
// (quotes and busts). With options.intraday_records (a record per trade) the text is read
// twice, a check and then the calculation, and records reach `sink` as they are made; without
// (fixings and corrections only) it is read once and the records are held until the end. A
// file not in time order, or with a malformed line, goes through ParseTradesCsv and
// SortInputs, with nothing emitted before.
absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink);

}  // namespace dazong::index
