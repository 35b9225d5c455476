// `dazong-index recompute` straight from the text of a trades CSV, without a parsed copy of the
// whole file (docs/index-methodology.md, "Recompute").
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
// exactly (same records, same order, same errors). When every line of the file is well formed
// and its trades are in time order (as `dazong-index export-trades` writes them), it reads the
// text twice (a check, then the calculation) and never holds the parsed trades: the trades are
// handed to the engine as they are parsed, merged by time with `others` (quotes and busts).
// Any other file goes through ParseTradesCsv and SortInputs.
absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink);

}  // namespace dazong::index
