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
//
// On a machine with two or more cores a second thread checks half of the file while this one
// checks the other half, then parses the trades ahead of the calculation and hands them over
// in batches; the calculation itself (and every call of `sink`) stays on the calling thread,
// in the same order, so the records and errors are the same as with one thread.
absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink);

// How RecomputeTradesCsv uses the cores. Only the speed depends on it (tests vary it).
struct CsvRecomputeTuning {
  bool parallel = true;                         // use a second thread (when >= 2 cores)
  size_t min_parallel_bytes = size_t{1} << 20;  // smaller files: one thread
  size_t batch_trades = 4096;                   // trades per hand-over to the calculation
  bool prefault = true;  // the parser thread faults in the engine's trade stores ahead
};
absl::Status RecomputeTradesCsv(const Methodology& methodology, const ExchangeConfig& config,
                                std::string_view trades_csv, std::vector<RecomputeInput> others,
                                Timestamp until, EngineOptions options,
                                const std::function<void(IndexRecord&&)>& sink,
                                const CsvRecomputeTuning& tuning);

}  // namespace dazong::index
