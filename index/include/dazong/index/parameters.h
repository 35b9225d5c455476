// IndexParameters: the complete, versioned parameter set of one index, built from the
// exchange configuration's [[indices]] entry plus the methodology additions that IndexConfig
// does not (yet) carry. Every parameter that influences a value is part of the canonical
// text whose SHA-256 is published with every record (docs/index-methodology.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/index/calendar.h"

namespace dazong::index {

// A weight re-set of a composite at a link date: from the day after `date`, constituents are
// weighted by `weights` (basis points, one per instrument, summing to 10000) relative to the
// level and fixings of `date`.
struct LinkSpec {
  LocalDay date = 0;
  std::vector<int64_t> weights;
};

// Optional additions to IndexConfig (proposed config keys in docs/index-methodology.md).
struct ParameterAdditions {
  std::string methodology_version = "1";
  std::string effective_date = "1970-01-01";  // the version applies to fixing dates >= this
  int64_t intraday_interval_seconds = 60;     // interval values, aligned to local midnight
  int64_t outlier_min_trades = 3;             // the MAD rule needs at least this many trades
  int64_t move_alert_bps = 500;               // |fixing / previous - 1| above this: MOVE alert
  int64_t concentration_alert_bps = 8000;     // largest participant's share above this
  bool weekdays_only = true;                  // no fixing on Saturdays and Sundays
  bool alert_fallback = true;                 // FALLBACK alerts
  bool alert_thresholds_missed = true;        // THRESHOLDS_MISSED alerts
  std::vector<std::pair<std::string, std::vector<int64_t>>> links;  // "YYYY-MM-DD", weights
};

// The additions an [[indices]] entry (or one of its versions) of the configuration sets.
ParameterAdditions AdditionsOf(const IndexConfig& index);

struct IndexParameters {
  // From IndexConfig.
  std::string index_id;
  IndexKind kind = IndexKind::kSingle;
  std::vector<std::string> instruments;  // symbols
  std::vector<uint32_t> instrument_ids;  // InstrumentId values, same order
  std::vector<int64_t> weights;          // composite: basis points
  int64_t window_start = 0;              // local nanos of day, inclusive
  int64_t window_end = 0;                // local nanos of day, exclusive
  int64_t intraday_window_seconds = 300;
  int64_t min_trades = 1;
  int64_t min_volume = 0;
  int64_t min_buyers = 1;
  int64_t min_sellers = 1;
  int64_t outlier_k_milli = 3000;
  LocalDay base_date = 0;
  int64_t base_value = 1000;
  // Additions.
  std::string methodology_version = "1";
  LocalDay effective_date = 0;
  int64_t intraday_interval_seconds = 60;
  int64_t outlier_min_trades = 3;
  int64_t move_alert_bps = 500;
  int64_t concentration_alert_bps = 8000;
  bool weekdays_only = true;
  bool alert_fallback = true;
  bool alert_thresholds_missed = true;
  std::vector<LinkSpec> links;  // sorted by date
  // Exchange-wide: related-party pairs (lower member id first), sorted, symmetric closure of
  // members[].related_members.
  std::vector<std::pair<uint32_t, uint32_t>> related_pairs;

  std::string canonical;  // the canonical text (see CanonicalText)
  std::string hash;       // SHA-256 hex of `canonical`

  // True when buyer and seller are related parties (symmetric).
  bool Related(uint32_t a, uint32_t b) const;
  // The link (weight re-set) on `day`, or nullptr.
  const LinkSpec* LinkOn(LocalDay day) const;
};

// Builds and validates one version; computes `canonical` and `hash`.
absl::StatusOr<IndexParameters> BuildParameters(const ExchangeConfig& exchange,
                                                const IndexConfig& index,
                                                const ParameterAdditions& additions);

// A later methodology version of an index: a full IndexConfig (same id) and its additions.
struct VersionSpec {
  IndexConfig index;
  ParameterAdditions additions;
};

// Every index's parameter versions, ordered by effective date.
class Methodology {
 public:
  // The first version of every configured index uses `additions[id]` if given, else the
  // entry's own methodology keys (AdditionsOf); its configured [[indices.versions]] and then
  // `versions` add later versions. Errors: invalid parameters, a version for an unknown index, two
  // versions of one index with the same effective date, a composite before its constituents.
  static absl::StatusOr<Methodology> Build(
      const ExchangeConfig& exchange,
      const std::map<std::string, ParameterAdditions>& additions = {},
      const std::vector<VersionSpec>& versions = {});

  // Index ids in publication order: single indices first, then composites (config order).
  const std::vector<std::string>& index_ids() const { return order_; }
  // The version in force for fixing date `day` (the latest effective_date <= day; the first
  // version if none).
  const IndexParameters& ForDate(const std::string& index_id, LocalDay day) const;
  const std::vector<IndexParameters>& Versions(const std::string& index_id) const;
  // Member codes by MemberId value (index 0 unused), for printing.
  const std::vector<std::string>& member_codes() const { return member_codes_; }
  const std::vector<std::string>& instrument_symbols() const { return instrument_symbols_; }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<IndexParameters>> versions_;
  std::vector<std::string> member_codes_;
  std::vector<std::string> instrument_symbols_;
};

}  // namespace dazong::index
