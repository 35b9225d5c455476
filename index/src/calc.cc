#include "dazong/index/calc.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dazong::index {
namespace {

int64_t Abs(int64_t v) { return v < 0 ? -v : v; }

// Rounds half to even; the callers' operands are bounded so the result always fits.
int64_t Rhe(Int128 num, int64_t den) {
  absl::StatusOr<int64_t> q = DivRoundHalfEven(num, den);
  return q.ok() ? *q : 0;
}

}  // namespace

std::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kIntraday: return "INTRADAY";
    case RecordKind::kFixing: return "FIXING";
    case RecordKind::kCorrection: return "CORRECTION";
  }
  return "?";
}

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kIndicative: return "INDICATIVE";
    case Status::kFirm: return "FIRM";
    case Status::kFallback: return "FALLBACK";
    case Status::kInsufficient: return "INSUFFICIENT";
  }
  return "?";
}

std::string_view ExclusionName(Exclusion reason) {
  switch (reason) {
    case Exclusion::kNone: return "NONE";
    case Exclusion::kBusted: return "BUSTED";
    case Exclusion::kSelfTrade: return "SELF_TRADE";
    case Exclusion::kRelatedParty: return "RELATED_PARTY";
    case Exclusion::kOutlier: return "OUTLIER_MAD";
  }
  return "?";
}

std::string_view AlertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kMove: return "MOVE";
    case AlertKind::kFallback: return "FALLBACK";
    case AlertKind::kThresholdsMissed: return "THRESHOLDS_MISSED";
    case AlertKind::kConcentration: return "CONCENTRATION";
  }
  return "?";
}

Exclusion RuleExclusion(const IndexParameters& p, const IndexTrade& trade, bool busted) {
  if (busted) return Exclusion::kBusted;
  if (trade.buyer == trade.seller) return Exclusion::kSelfTrade;
  if (p.Related(trade.buyer, trade.seller)) return Exclusion::kRelatedParty;
  return Exclusion::kNone;
}

int64_t TwiceMedian(std::vector<int64_t>& values) {
  const size_t n = values.size();
  if (n == 0) return 0;
  auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), mid, values.end());
  if (n % 2 == 1) return 2 * *mid;
  const int64_t lower = *std::max_element(values.begin(), mid);
  return lower + *mid;
}

std::vector<bool> MadOutliers(std::span<const int64_t> prices, int64_t k_milli,
                              int64_t min_trades) {
  std::vector<bool> out(prices.size(), false);
  if (static_cast<int64_t>(prices.size()) < min_trades || prices.empty()) return out;
  std::vector<int64_t> scratch(prices.begin(), prices.end());
  const int64_t median2 = TwiceMedian(scratch);
  for (size_t i = 0; i < prices.size(); ++i) scratch[i] = Abs(2 * prices[i] - median2);
  std::vector<int64_t> deviations = scratch;
  const int64_t mad2 = TwiceMedian(scratch);  // 2 × median(d) = 4 × MAD in fen
  if (mad2 == 0) return out;
  const Int128 limit = static_cast<Int128>(k_milli) * 14826 * mad2;
  for (size_t i = 0; i < prices.size(); ++i) {
    out[i] = static_cast<Int128>(deviations[i]) * 20'000'000 > limit;
  }
  return out;
}

absl::StatusOr<int64_t> VwapValue(Int128 price_quantity_sum, int64_t volume) {
  if (volume <= 0) return absl::InvalidArgumentError("VWAP of no volume");
  return DivRoundHalfEven(price_quantity_sum * kFenToValue, volume);
}

SetEvaluation EvaluateSet(const IndexParameters& p, std::span<const IndexTrade> trades,
                          std::span<const Exclusion> rule) {
  SetEvaluation e;
  std::vector<int64_t> prices;
  std::vector<uint32_t> candidates;
  prices.reserve(trades.size());
  candidates.reserve(trades.size());
  for (size_t i = 0; i < trades.size(); ++i) {
    if (rule[i] == Exclusion::kNone) {
      prices.push_back(trades[i].price);
      candidates.push_back(static_cast<uint32_t>(i));
    }
  }
  const std::vector<bool> outlier = MadOutliers(prices, p.outlier_k_milli, p.outlier_min_trades);
  std::vector<Exclusion> final_rule(rule.begin(), rule.end());
  for (size_t c = 0; c < candidates.size(); ++c) {
    if (outlier[c]) final_rule[candidates[c]] = Exclusion::kOutlier;
  }
  std::vector<int64_t> bought, sold;
  e.used.reserve(candidates.size());
  for (size_t i = 0; i < trades.size(); ++i) {
    const IndexTrade& t = trades[i];
    if (final_rule[i] != Exclusion::kNone) {
      e.excluded.push_back(ExcludedTrade{t.trade_id, final_rule[i]});
      continue;
    }
    e.used.push_back(t.trade_id);
    if (e.count == 0) {
      e.low = e.high = t.price;
    } else {
      e.low = std::min(e.low, t.price);
      e.high = std::max(e.high, t.price);
    }
    ++e.count;
    e.volume += t.quantity;
    e.price_quantity += static_cast<Int128>(t.price) * t.quantity;
    const size_t need = std::max(t.buyer, t.seller) + size_t{1};
    if (bought.size() < need) {
      bought.resize(need, 0);
      sold.resize(need, 0);
    }
    if (bought[t.buyer] == 0) ++e.buyers;
    if (sold[t.seller] == 0) ++e.sellers;
    bought[t.buyer] += t.quantity;
    sold[t.seller] += t.quantity;
  }
  std::sort(e.used.begin(), e.used.end());
  std::sort(e.excluded.begin(), e.excluded.end(),
            [](const ExcludedTrade& a, const ExcludedTrade& b) { return a.trade_id < b.trade_id; });
  int64_t top = 0;
  for (size_t m = 0; m < bought.size(); ++m) {
    const int64_t v = bought[m] + sold[m];
    if (v > top) {
      top = v;
      e.top_member = static_cast<uint32_t>(m);
    }
  }
  if (e.volume > 0) e.top_share_bps = Rhe(static_cast<Int128>(top) * 10000, e.volume);
  std::vector<std::string> missed;
  if (e.count < p.min_trades) missed.push_back("min_trades");
  if (e.volume < p.min_volume || e.volume == 0) missed.push_back("min_volume");
  if (e.buyers < p.min_buyers) missed.push_back("min_buyers");
  if (e.sellers < p.min_sellers) missed.push_back("min_sellers");
  e.missed = absl::StrJoin(missed, ",");
  return e;
}

namespace {

void FillFromSet(const SetEvaluation& e, IndexRecord& out) {
  out.trade_count = e.count;
  out.volume = e.volume;
  out.price_low = e.low;
  out.price_high = e.high;
  out.buyers = e.buyers;
  out.sellers = e.sellers;
  out.top_member = e.top_member;
  out.top_share_bps = e.top_share_bps;
  out.used = e.used;
  out.excluded = e.excluded;
}

}  // namespace

void ComputeFixing(const IndexParameters& p, const FixingInput& in, IndexRecord& out) {
  out.window_from = in.window_from;
  out.window_to = in.window_to;
  // The window is a contiguous run of the time-ordered session.
  const auto by_time = [](const IndexTrade& t, Timestamp v) { return t.time < v; };
  const size_t begin = static_cast<size_t>(
      std::lower_bound(in.session.begin(), in.session.end(), in.window_from, by_time) -
      in.session.begin());
  const size_t end = static_cast<size_t>(
      std::lower_bound(in.session.begin(), in.session.end(), in.window_to, by_time) -
      in.session.begin());
  const SetEvaluation window =
      EvaluateSet(p, in.session.subspan(begin, end - begin), in.rule.subspan(begin, end - begin));
  std::vector<std::string> missed;
  if (window.sufficient() ) {
    FillFromSet(window, out);
    out.has_value = true;
    out.value = VwapValue(window.price_quantity, window.volume).value_or(0);
    out.level = kLevelWindow;
    out.status = Status::kFirm;
  } else {
    missed.push_back(absl::StrCat("window:", window.missed));
    const SetEvaluation session =
        EvaluateSet(p, in.session.subspan(0, end), in.rule.subspan(0, end));
    if (session.sufficient()) {
      FillFromSet(session, out);
      out.has_value = true;
      out.value = VwapValue(session.price_quantity, session.volume).value_or(0);
      out.level = kLevelSession;
      out.status = Status::kFallback;
    } else {
      missed.push_back(absl::StrCat("session:", session.missed));
      out.excluded = session.excluded;  // reported even though no trade is used
      if (in.close_bbo.has_value() && in.close_bbo->bid > 0 && in.close_bbo->ask > 0 &&
          in.close_bbo->bid <= in.close_bbo->ask) {
        // (bid + ask) / 2 in fen × 10^4 is exact: (bid + ask) × 5000.
        out.has_value = true;
        out.value = (in.close_bbo->bid + in.close_bbo->ask) * (kFenToValue / 2);
        out.level = kLevelBboMid;
        out.status = Status::kFallback;
        out.inputs = absl::StrCat("bid=", in.close_bbo->bid, ",ask=", in.close_bbo->ask,
                                  ",bbo_time_ns=", in.close_bbo->time);
      } else if (in.previous.has_value()) {
        out.has_value = true;
        out.value = *in.previous;
        out.level = kLevelPrevious;
        out.status = Status::kFallback;
        out.inputs = absl::StrCat("previous=", FormatValue(*in.previous));
      } else {
        out.has_value = false;
        out.value = 0;
        out.level = kLevelNone;
        out.status = Status::kInsufficient;
      }
    }
  }
  out.missed = absl::StrJoin(missed, ";");
  AddFixingAlerts(p, in.previous, out);
}

void AddFixingAlerts(const IndexParameters& p, std::optional<int64_t> previous, IndexRecord& out) {
  if (out.has_value && previous.has_value() && *previous > 0) {
    const Int128 diff = static_cast<Int128>(Abs(out.value - *previous)) * 10000;
    if (diff > static_cast<Int128>(p.move_alert_bps) * *previous) {
      out.alerts.push_back(Alert{
          AlertKind::kMove,
          absl::StrCat("previous=", FormatValue(*previous), ",value=", FormatValue(out.value),
                       ",change_bps=", Rhe(static_cast<Int128>(out.value - *previous) * 10000, *previous),
                       ",threshold_bps=", p.move_alert_bps)});
    }
  }
  if (p.alert_fallback && out.level != kLevelWindow) {
    out.alerts.push_back(Alert{AlertKind::kFallback,
                               absl::StrCat("level=", out.level, ",status=", std::string(StatusName(out.status)))});
  }
  if (p.alert_thresholds_missed && !out.missed.empty()) {
    out.alerts.push_back(Alert{AlertKind::kThresholdsMissed, out.missed});
  }
  if (out.top_share_bps > p.concentration_alert_bps) {
    out.alerts.push_back(Alert{AlertKind::kConcentration,
                               absl::StrCat("member_id=", out.top_member, ",share_bps=",
                                            out.top_share_bps, ",threshold_bps=",
                                            p.concentration_alert_bps)});
  }
}

absl::StatusOr<int64_t> ChainLevel(const CompositeAnchor& anchor, std::span<const int64_t> prices) {
  if (!anchor.set || prices.size() != anchor.prices.size() ||
      anchor.weights.size() != prices.size()) {
    return absl::FailedPreconditionError("composite anchor not set");
  }
  int64_t level = 0;
  for (size_t i = 0; i < prices.size(); ++i) {
    if (anchor.prices[i] <= 0) return absl::FailedPreconditionError("anchor price not positive");
    const Int128 num = static_cast<Int128>(anchor.level) * anchor.weights[i] * prices[i];
    absl::StatusOr<int64_t> term =
        DivRoundHalfEven(num, anchor.prices[i] * int64_t{10000});
    if (!term.ok()) return term.status();
    level += *term;
  }
  return level;
}

void ComputeComposite(const IndexParameters& p, LocalDay day,
                      std::span<const ConstituentValue> constituents, CompositeAnchor& anchor,
                      IndexRecord& out) {
  std::vector<int64_t> prices;
  std::vector<std::string> inputs;
  int worst = kLevelWindow;
  bool complete = true;
  out.trade_count = 0;
  out.volume = 0;
  out.used.clear();
  for (const ConstituentValue& c : constituents) {
    inputs.push_back(absl::StrCat(c.symbol, "=", c.has_value ? FormatValue(c.value) : "none", "@",
                                  c.level, "#", c.calc_id));
    if (!c.has_value || c.value <= 0) {
      complete = false;
      continue;
    }
    prices.push_back(c.value);
    worst = std::max(worst, c.level);
    out.trade_count += c.trade_count;
    out.volume += c.volume;
  }
  out.inputs = absl::StrJoin(inputs, ";");
  if (!complete) {
    out.has_value = false;
    out.level = kLevelNone;
    out.status = Status::kInsufficient;
    out.missed = "constituents:missing_value";
    return;
  }
  int64_t level;
  if (!anchor.set) {
    // The base: the first day on or after base_date on which every constituent has a value.
    level = p.base_value * kValueOne;
    anchor.set = true;
    anchor.date = day;
    anchor.level = level;
    anchor.prices = prices;
    anchor.weights = p.weights;
  } else {
    absl::StatusOr<int64_t> chained = ChainLevel(anchor, prices);
    if (!chained.ok()) {
      out.has_value = false;
      out.level = kLevelNone;
      out.status = Status::kInsufficient;
      out.missed = std::string(chained.status().message());
      return;
    }
    level = *chained;
  }
  if (const LinkSpec* link = p.LinkOn(day); link != nullptr && anchor.date != day) {
    // Re-link: from tomorrow, chain from today's level and fixings with the new weights.
    anchor.date = day;
    anchor.level = level;
    anchor.prices = prices;
    anchor.weights = link->weights;
  }
  out.has_value = true;
  out.value = level;
  out.level = worst;
  out.status = worst == kLevelWindow ? Status::kFirm : Status::kFallback;
}

absl::StatusOr<int64_t> Rebase(int64_t value, int64_t level_at_rebase, int64_t new_base_value) {
  if (level_at_rebase <= 0 || new_base_value <= 0) {
    return absl::InvalidArgumentError("rebase needs positive levels");
  }
  return DivRoundHalfEven(static_cast<Int128>(value) * new_base_value * kValueOne, level_at_rebase);
}

std::string FormatValue(int64_t value) { return FormatDecimal(value, kValueDecimals); }

}  // namespace dazong::index
