// The index calculation as pure functions: eligibility, the MAD outlier rule, VWAP, data
// sufficiency, the fixing's fallback ladder and the chained Laspeyres composite. No I/O, no
// clock, integers only; every rounding is half to even (DivRoundHalfEven) and is documented
// in docs/index-methodology.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/fixed_point.h"
#include "dazong/index/parameters.h"
#include "dazong/index/record.h"

namespace dazong::index {

// The rule-based exclusion of one trade (busted, self-trade, related party, in that order), or
// kNone. The outlier rule is applied later, to a whole set.
Exclusion RuleExclusion(const IndexParameters& p, const IndexTrade& trade, bool busted);

// Twice the median of `values`, exactly: 2 × the middle value for an odd count, the sum of the
// two middle values for an even count. Reorders `values`. 0 for an empty input.
int64_t TwiceMedian(std::vector<int64_t>& values);

// The MAD rule. With m the median price and MAD the median of |p_i − m|, trade i is an outlier
// when |p_i − m| > k × 1.4826 × MAD, evaluated exactly in integers as
//   d_i × 2 × 10^7 > k_milli × 14826 × M
// where d_i = |2 p_i − 2m| and M = 2 × median(d). Not applied (no outliers) when fewer than
// `min_trades` prices are given or MAD is 0. Returns one flag per price.
std::vector<bool> MadOutliers(std::span<const int64_t> prices, int64_t k_milli,
                              int64_t min_trades);

// VWAP in value units: round_half_even(Σ price × quantity × 10^4 / Σ quantity).
// Errors: volume <= 0 or a result that does not fit.
absl::StatusOr<int64_t> VwapValue(Int128 price_quantity_sum, int64_t volume);

// A set of candidate trades evaluated under one parameter set.
struct SetEvaluation {
  std::vector<uint64_t> used;           // ascending trade ids
  std::vector<ExcludedTrade> excluded;  // ascending trade ids
  int64_t count = 0;
  int64_t volume = 0;
  Int128 price_quantity = 0;
  int64_t low = 0;
  int64_t high = 0;
  int64_t buyers = 0;
  int64_t sellers = 0;
  uint32_t top_member = 0;
  int64_t top_share_bps = 0;  // round_half_even(10000 × (bought + sold) / volume)
  std::string missed;         // thresholds missed, "" when sufficient
  bool sufficient() const { return missed.empty(); }
};

// Applies `rule` (one exclusion per trade, kNone = eligible), then the MAD rule to the
// remaining trades, and measures the result against the sufficiency thresholds.
SetEvaluation EvaluateSet(const IndexParameters& p, std::span<const IndexTrade> trades,
                          std::span<const Exclusion> rule);

// The daily fixing of a single-instrument index.
struct FixingInput {
  std::span<const IndexTrade> session;  // the day's trades with time < window end, time order
  std::span<const Exclusion> rule;      // one per session trade
  Timestamp window_from = 0;            // window is [window_from, window_to)
  Timestamp window_to = 0;
  std::optional<Bbo> close_bbo;         // the last book state before window_to
  std::optional<int64_t> previous;      // the previous fixing's value, if any
};

// Fills value, status, level, statistics, used, excluded, missed, inputs, window and alerts
// of `out` (not the identity fields: index_id, kind, seq, calc_id, date, as_of, version).
void ComputeFixing(const IndexParameters& p, const FixingInput& in, IndexRecord& out);

// Alerts common to fixings and corrections (MOVE, FALLBACK, THRESHOLDS_MISSED,
// CONCENTRATION), appended to out.alerts.
void AddFixingAlerts(const IndexParameters& p, std::optional<int64_t> previous, IndexRecord& out);

// A composite's chain state: the level and constituent fixings at the last base or link date,
// and the weights in force after it.
struct CompositeAnchor {
  bool set = false;
  LocalDay date = 0;
  int64_t level = 0;            // value units
  std::vector<int64_t> prices;  // constituent values at `date`
  std::vector<int64_t> weights;
  friend bool operator==(const CompositeAnchor&, const CompositeAnchor&) = default;
};

struct ConstituentValue {
  std::string symbol;
  bool has_value = false;
  int64_t value = 0;
  int level = kLevelNone;
  std::string calc_id;
  int64_t trade_count = 0;
  int64_t volume = 0;
};

// Chained Laspeyres: level(t) = Σ_i round_half_even(L_a × w_i × P_i(t) / (10000 × P_i(a)))
// where a is the anchor (base or last link date), L_a its level, w_i the weights in force.
absl::StatusOr<int64_t> ChainLevel(const CompositeAnchor& anchor, std::span<const int64_t> prices);

// The composite fixing for `day` (>= base date). Establishes the base on the first day all
// constituents have values, and re-anchors after a link date's value is computed. Fills
// value, status, level, inputs, trade_count, volume and used of `out`.
void ComputeComposite(const IndexParameters& p, LocalDay day,
                      std::span<const ConstituentValue> constituents, CompositeAnchor& anchor,
                      IndexRecord& out);

// Rebasing: the level `value` re-expressed on a new base where the level at the rebase date
// (`level_at_rebase`) becomes `new_base_value` points:
//   round_half_even(value × new_base_value × 10^6 / level_at_rebase).
absl::StatusOr<int64_t> Rebase(int64_t value, int64_t level_at_rebase, int64_t new_base_value);

// Formats a value with kValueDecimals decimals ("3650.500000").
std::string FormatValue(int64_t value);

}  // namespace dazong::index
