// The index service's value types: the inputs it consumes (trades, best bid/offer) and the
// records it produces (intraday values, fixings, corrections), with their reason codes.
//
// Scales (docs/index-methodology.md, "Numbers"): prices and quantities are the exchange's
// integers (fen per price unit, base units). An index value is an integer with
// kValueDecimals implied decimals: for a single-instrument index, yuan per price unit with six
// decimals (= fen × 10^4); for a composite, index points with six decimals.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dazong/common/clock.h"
#include "dazong/index/calendar.h"

namespace dazong::index {

inline constexpr int kValueDecimals = 6;
inline constexpr int64_t kValueOne = 1'000'000;  // 1.000000 in value units
inline constexpr int64_t kFenToValue = 10'000;   // fen × 10^4 = yuan × 10^6

// One concluded trade as the index sees it.
struct IndexTrade {
  uint64_t trade_id = 0;
  Timestamp time = 0;
  uint32_t instrument = 0;  // InstrumentId
  int64_t price = 0;        // fen per price unit
  int64_t quantity = 0;     // base units
  uint32_t buyer = 0;       // MemberId
  uint32_t seller = 0;      // MemberId
};

// The best bid and offer of an instrument after a book change. 0 means "no order on that side".
struct Bbo {
  uint32_t instrument = 0;
  Timestamp time = 0;
  int64_t bid = 0;  // fen
  int64_t ask = 0;  // fen
};

enum class RecordKind : uint8_t { kIntraday = 1, kFixing = 2, kCorrection = 3 };
enum class Status : uint8_t { kIndicative = 1, kFirm = 2, kFallback = 3, kInsufficient = 4 };
// Why an input trade was not used. Checked in this order; the first that applies is reported.
enum class Exclusion : uint8_t {
  kNone = 0,
  kBusted = 1,        // the trade was cancelled (busted) by the exchange
  kSelfTrade = 2,     // same member on both sides
  kRelatedParty = 3,  // buyer and seller are linked in members[].related_members
  kOutlier = 4,       // median-absolute-deviation rule
};
enum class AlertKind : uint8_t {
  kMove = 1,              // fixing moved beyond move_alert_bps from the previous fixing
  kFallback = 2,          // the fixing used a fallback level (2, 3 or 4) or none
  kThresholdsMissed = 3,  // the window missed a data-sufficiency threshold
  kConcentration = 4,     // one participant above concentration_alert_bps of volume
};

std::string_view RecordKindName(RecordKind kind);  // INTRADAY, FIXING, CORRECTION
std::string_view StatusName(Status status);        // INDICATIVE, FIRM, FALLBACK, INSUFFICIENT
std::string_view ExclusionName(Exclusion reason);  // BUSTED, SELF_TRADE, RELATED_PARTY, OUTLIER_MAD
std::string_view AlertKindName(AlertKind kind);    // MOVE, FALLBACK, THRESHOLDS_MISSED, CONCENTRATION

struct ExcludedTrade {
  uint64_t trade_id = 0;
  Exclusion reason = Exclusion::kNone;
  friend bool operator==(const ExcludedTrade&, const ExcludedTrade&) = default;
};

struct Alert {
  AlertKind kind = AlertKind::kMove;
  std::string detail;
  friend bool operator==(const Alert&, const Alert&) = default;
};

// Fallback levels. 0 = no value.
inline constexpr int kLevelNone = 0;
inline constexpr int kLevelWindow = 1;
inline constexpr int kLevelSession = 2;
inline constexpr int kLevelBboMid = 3;
inline constexpr int kLevelPrevious = 4;

// One published value. Nothing in a record is ever changed once published; a correction is
// a new record with `supersedes` naming the calc_id of the record it replaces.
struct IndexRecord {
  std::string index_id;
  RecordKind kind = RecordKind::kIntraday;
  uint64_t seq = 0;        // per index, from 1, no gaps
  std::string calc_id;     // deterministic; the idempotency key of the publication
  LocalDay date = 0;       // local date the value belongs to
  Timestamp as_of = 0;     // the value's time: trade time, grid time or the fixing window end
  bool has_value = false;
  int64_t value = 0;       // kValueDecimals implied decimals
  Status status = Status::kInsufficient;
  int level = kLevelNone;
  std::string methodology_version;
  std::string params_hash;  // SHA-256 hex of the canonical parameter set

  // Statistics of the trades used (all zero when no trade was used).
  int64_t trade_count = 0;
  int64_t volume = 0;       // base units
  int64_t price_low = 0;    // fen
  int64_t price_high = 0;   // fen
  int64_t buyers = 0;       // distinct
  int64_t sellers = 0;      // distinct
  uint32_t top_member = 0;  // the member with the largest share of volume (0: none)
  int64_t top_share_bps = 0;  // its bought + sold volume / volume, basis points (<= 10000)

  // Fixings and corrections: the exact ids used. Intraday values: empty; their inputs are the
  // instrument's trades with time in (window_from, window_to] (trade-triggered) or
  // [window_from, window_to) (interval), minus the ones failing the rule exclusions; their
  // `excluded` lists only the triggering trade when it is excluded (each excluded trade is
  // listed once, by the record of its own trade).
  std::vector<uint64_t> used;
  std::vector<ExcludedTrade> excluded;
  Timestamp window_from = 0;
  Timestamp window_to = 0;
  std::string missed;  // thresholds missed, e.g. "window:min_trades,min_buyers"
  std::string inputs;  // composite: "SYMBOL=value@level,..."; level 3: "bid=..,ask=.."
  std::string supersedes;
  std::string reason;  // corrections only
  std::vector<Alert> alerts;

  friend bool operator==(const IndexRecord&, const IndexRecord&) = default;
};

}  // namespace dazong::index
