#include "dazong/index/parameters.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dazong/index/sha256.h"

namespace dazong::index {
namespace {

std::string HhMm(int64_t nanos_of_day) {
  const int64_t minutes = nanos_of_day / kNanosPerMinute;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld", static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return buf;
}

absl::Status Bad(const IndexConfig& index, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("index ", index.id, ": ", std::string(what)));
}

absl::Status CheckWeights(const IndexConfig& index, const std::vector<int64_t>& weights,
                          size_t n) {
  if (weights.size() != n) return Bad(index, "one weight per instrument is required");
  int64_t sum = 0;
  for (int64_t w : weights) {
    if (w < 1 || w > 10000) return Bad(index, "weights must be 1..10000 basis points");
    sum += w;
  }
  if (sum != 10000) return Bad(index, "weights must sum to 10000 basis points");
  return absl::OkStatus();
}

// The canonical text: one "key=value" line per parameter, in this fixed order.
std::string Canonical(const IndexParameters& p, const std::vector<std::string>& member_codes) {
  std::vector<std::string> lines;
  lines.push_back("dazong-index-parameters/1");
  lines.push_back(absl::StrCat("index_id=", p.index_id));
  lines.push_back(absl::StrCat("kind=", p.kind == IndexKind::kSingle ? "single" : "composite"));
  lines.push_back(absl::StrCat("methodology_version=", p.methodology_version));
  lines.push_back(absl::StrCat("effective_date=", FormatDate(p.effective_date)));
  lines.push_back(absl::StrCat("instruments=", absl::StrJoin(p.instruments, ",")));
  lines.push_back(absl::StrCat("weights=", absl::StrJoin(p.weights, ",")));
  lines.push_back(absl::StrCat("fixing_window=", HhMm(p.window_start), ",", HhMm(p.window_end)));
  lines.push_back(absl::StrCat("time_zone=Asia/Shanghai(UTC+08:00)"));
  lines.push_back(absl::StrCat("intraday_window_seconds=", p.intraday_window_seconds));
  lines.push_back(absl::StrCat("intraday_interval_seconds=", p.intraday_interval_seconds));
  lines.push_back(absl::StrCat("min_trades=", p.min_trades));
  lines.push_back(absl::StrCat("min_volume=", p.min_volume));
  lines.push_back(absl::StrCat("min_distinct_buyers=", p.min_buyers));
  lines.push_back(absl::StrCat("min_distinct_sellers=", p.min_sellers));
  lines.push_back(absl::StrCat("outlier_k_milli=", p.outlier_k_milli));
  lines.push_back("outlier_consistency_constant=14826/10000");
  lines.push_back(absl::StrCat("outlier_min_trades=", p.outlier_min_trades));
  lines.push_back(absl::StrCat("move_alert_bps=", p.move_alert_bps));
  lines.push_back(absl::StrCat("concentration_alert_bps=", p.concentration_alert_bps));
  lines.push_back(absl::StrCat("weekdays_only=", p.weekdays_only ? "true" : "false"));
  // Listed only when switched off, so parameter sets from before these keys keep their hash.
  if (!p.alert_fallback) lines.push_back("alert_fallback=false");
  if (!p.alert_thresholds_missed) lines.push_back("alert_thresholds_missed=false");
  lines.push_back(absl::StrCat("fallback_ladder=window,session,bbo_mid,previous"));
  lines.push_back(absl::StrCat("value_decimals=6,rounding=half_even"));
  if (p.kind == IndexKind::kComposite) {
    lines.push_back(absl::StrCat("base_date=", FormatDate(p.base_date)));
    lines.push_back(absl::StrCat("base_value=", p.base_value));
    std::vector<std::string> links;
    for (const LinkSpec& l : p.links) {
      links.push_back(absl::StrCat(FormatDate(l.date), ":", absl::StrJoin(l.weights, "/")));
    }
    lines.push_back(absl::StrCat("links=", absl::StrJoin(links, ";")));
  }
  std::vector<std::string> pairs;
  for (const auto& [a, b] : p.related_pairs) {
    const std::string& ca = a < member_codes.size() ? member_codes[a] : "?";
    const std::string& cb = b < member_codes.size() ? member_codes[b] : "?";
    pairs.push_back(absl::StrCat(ca, "~", cb));
  }
  std::sort(pairs.begin(), pairs.end());
  lines.push_back(absl::StrCat("related_parties=", absl::StrJoin(pairs, ",")));
  return absl::StrJoin(lines, "\n") + "\n";
}

}  // namespace

bool IndexParameters::Related(uint32_t a, uint32_t b) const {
  if (a > b) std::swap(a, b);
  return std::binary_search(related_pairs.begin(), related_pairs.end(), std::make_pair(a, b));
}

const LinkSpec* IndexParameters::LinkOn(LocalDay day) const {
  for (const LinkSpec& l : links) {
    if (l.date == day) return &l;
  }
  return nullptr;
}

ParameterAdditions AdditionsOf(const IndexConfig& index) {
  ParameterAdditions a;
  a.methodology_version = index.methodology_version;
  if (!index.effective_date.empty()) a.effective_date = index.effective_date;
  a.intraday_interval_seconds = index.intraday_interval_seconds;
  a.outlier_min_trades = index.outlier_min_trades;
  a.move_alert_bps = index.alert_move_bps;
  a.concentration_alert_bps = index.alert_largest_share_bps;
  a.weekdays_only = index.weekdays_only;
  a.alert_fallback = index.alert_fallback;
  a.alert_thresholds_missed = index.alert_thresholds_missed;
  for (const IndexLinkConfig& l : index.links) a.links.emplace_back(l.date, l.weights);
  return a;
}

absl::StatusOr<IndexParameters> BuildParameters(const ExchangeConfig& exchange,
                                                const IndexConfig& index,
                                                const ParameterAdditions& additions) {
  IndexParameters p;
  p.index_id = index.id;
  p.kind = index.kind;
  p.instruments = index.instruments;
  if (index.instruments.empty()) return Bad(index, "no instruments");
  for (const std::string& symbol : index.instruments) {
    const InstrumentConfig* instrument = exchange.FindInstrument(symbol);
    if (instrument == nullptr) return Bad(index, absl::StrCat("unknown instrument ", symbol));
    p.instrument_ids.push_back(instrument->id.value());
  }
  if (index.kind == IndexKind::kSingle && index.instruments.size() != 1) {
    return Bad(index, "a single index has exactly one instrument");
  }
  if (index.kind == IndexKind::kComposite) {
    if (index.instruments.size() < 2) return Bad(index, "a composite needs two instruments");
    absl::Status s = CheckWeights(index, index.weights, index.instruments.size());
    if (!s.ok()) return s;
    p.weights = index.weights;
    absl::StatusOr<LocalDay> base = ParseDate(index.base_date);
    if (!base.ok()) return Bad(index, std::string(base.status().message()));
    p.base_date = *base;
    if (index.base_value <= 0) return Bad(index, "base_value must be positive");
    p.base_value = index.base_value;
  }
  absl::StatusOr<int64_t> start = ParseHhMm(index.fixing_window_start);
  absl::StatusOr<int64_t> end = ParseHhMm(index.fixing_window_end);
  if (!start.ok() || !end.ok() || *start >= *end) return Bad(index, "bad fixing_window");
  p.window_start = *start;
  p.window_end = *end;
  if (index.intraday_window_seconds < 1 || index.intraday_window_seconds > 86400) {
    return Bad(index, "intraday_window_seconds must be 1..86400");
  }
  p.intraday_window_seconds = index.intraday_window_seconds;
  if (index.min_trades < 1 || index.min_volume.raw() < 0 || index.min_distinct_buyers < 1 ||
      index.min_distinct_sellers < 1 || index.outlier_k_milli <= 0) {
    return Bad(index, "bad data-sufficiency or outlier parameter");
  }
  p.min_trades = index.min_trades;
  p.min_volume = index.min_volume.raw();
  p.min_buyers = index.min_distinct_buyers;
  p.min_sellers = index.min_distinct_sellers;
  p.outlier_k_milli = index.outlier_k_milli;

  if (additions.methodology_version.empty() || additions.methodology_version.size() > 16) {
    return Bad(index, "methodology_version must be 1..16 characters");
  }
  p.methodology_version = additions.methodology_version;
  absl::StatusOr<LocalDay> effective = ParseDate(additions.effective_date);
  if (!effective.ok()) return Bad(index, std::string(effective.status().message()));
  p.effective_date = *effective;
  if (additions.intraday_interval_seconds < 1 || additions.intraday_interval_seconds > 86400 ||
      86400 % additions.intraday_interval_seconds != 0) {
    return Bad(index, "intraday_interval_seconds must divide 86400");
  }
  p.intraday_interval_seconds = additions.intraday_interval_seconds;
  if (additions.outlier_min_trades < 3) return Bad(index, "outlier_min_trades must be >= 3");
  p.outlier_min_trades = additions.outlier_min_trades;
  if (additions.move_alert_bps <= 0 || additions.concentration_alert_bps <= 0 ||
      additions.concentration_alert_bps > 10000) {
    return Bad(index, "bad alert threshold");
  }
  p.move_alert_bps = additions.move_alert_bps;
  p.concentration_alert_bps = additions.concentration_alert_bps;
  p.weekdays_only = additions.weekdays_only;
  p.alert_fallback = additions.alert_fallback;
  p.alert_thresholds_missed = additions.alert_thresholds_missed;
  for (const auto& [date, weights] : additions.links) {
    if (index.kind != IndexKind::kComposite) return Bad(index, "links are for composites only");
    absl::StatusOr<LocalDay> d = ParseDate(date);
    if (!d.ok()) return Bad(index, std::string(d.status().message()));
    if (*d <= p.base_date) return Bad(index, "a link date must be after the base date");
    absl::Status s = CheckWeights(index, weights, index.instruments.size());
    if (!s.ok()) return s;
    p.links.push_back(LinkSpec{*d, weights});
  }
  std::sort(p.links.begin(), p.links.end(),
            [](const LinkSpec& a, const LinkSpec& b) { return a.date < b.date; });
  for (size_t i = 1; i < p.links.size(); ++i) {
    if (p.links[i].date == p.links[i - 1].date) return Bad(index, "duplicate link date");
  }

  std::vector<std::string> member_codes(exchange.members.size() + 1);
  for (const MemberConfig& m : exchange.members) {
    if (m.id.value() >= member_codes.size()) member_codes.resize(m.id.value() + 1);
    member_codes[m.id.value()] = m.code;
  }
  for (const MemberConfig& m : exchange.members) {
    for (const std::string& code : m.related_members) {
      const MemberConfig* other = exchange.FindMemberByCode(code);
      if (other == nullptr || other->id == m.id) continue;
      uint32_t a = m.id.value(), b = other->id.value();
      if (a > b) std::swap(a, b);
      p.related_pairs.emplace_back(a, b);
    }
  }
  std::sort(p.related_pairs.begin(), p.related_pairs.end());
  p.related_pairs.erase(std::unique(p.related_pairs.begin(), p.related_pairs.end()),
                        p.related_pairs.end());
  p.canonical = Canonical(p, member_codes);
  p.hash = Sha256Hex(p.canonical);
  return p;
}

absl::StatusOr<Methodology> Methodology::Build(
    const ExchangeConfig& exchange, const std::map<std::string, ParameterAdditions>& additions,
    const std::vector<VersionSpec>& versions) {
  Methodology m;
  for (const MemberConfig& member : exchange.members) {
    if (member.id.value() >= m.member_codes_.size()) m.member_codes_.resize(member.id.value() + 1);
    m.member_codes_[member.id.value()] = member.code;
  }
  for (const InstrumentConfig& instrument : exchange.instruments) {
    if (instrument.id.value() >= m.instrument_symbols_.size()) {
      m.instrument_symbols_.resize(instrument.id.value() + 1);
    }
    m.instrument_symbols_[instrument.id.value()] = instrument.symbol;
  }
  for (IndexKind pass : {IndexKind::kSingle, IndexKind::kComposite}) {
    for (const IndexConfig& index : exchange.indices) {
      if (index.kind != pass) continue;
      auto it = additions.find(index.id);
      absl::StatusOr<IndexParameters> p =
          BuildParameters(exchange, index, it == additions.end() ? AdditionsOf(index) : it->second);
      if (!p.ok()) return p.status();
      if (m.versions_.count(index.id) != 0) {
        return absl::InvalidArgumentError(absl::StrCat("duplicate index id ", index.id));
      }
      m.order_.push_back(index.id);
      m.versions_[index.id].push_back(*std::move(p));
    }
  }
  std::vector<VersionSpec> all;
  for (const IndexConfig& index : exchange.indices) {
    for (const IndexConfig& v : index.versions) all.push_back(VersionSpec{v, AdditionsOf(v)});
  }
  all.insert(all.end(), versions.begin(), versions.end());
  for (const VersionSpec& v : all) {
    auto it = m.versions_.find(v.index.id);
    if (it == m.versions_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("version for unknown index ", v.index.id));
    }
    absl::StatusOr<IndexParameters> p = BuildParameters(exchange, v.index, v.additions);
    if (!p.ok()) return p.status();
    if (p->kind != it->second.front().kind ||
        p->instrument_ids != it->second.front().instrument_ids) {
      return absl::InvalidArgumentError(
          absl::StrCat("index ", v.index.id, ": a version may not change kind or instruments"));
    }
    for (const IndexParameters& existing : it->second) {
      if (existing.effective_date == p->effective_date) {
        return absl::InvalidArgumentError(
            absl::StrCat("index ", v.index.id, ": two versions effective the same date"));
      }
    }
    it->second.push_back(*std::move(p));
    std::sort(it->second.begin(), it->second.end(),
              [](const IndexParameters& a, const IndexParameters& b) {
                return a.effective_date < b.effective_date;
              });
  }
  // Composites' constituents must have a single index to take fixings from.
  for (const auto& [id, list] : m.versions_) {
    const IndexParameters& p = list.front();
    if (p.kind != IndexKind::kComposite) continue;
    for (uint32_t instrument : p.instrument_ids) {
      bool found = false;
      for (const auto& [other_id, other] : m.versions_) {
        if (other.front().kind == IndexKind::kSingle && other.front().instrument_ids[0] == instrument) {
          found = true;
        }
      }
      if (!found) {
        return absl::InvalidArgumentError(absl::StrCat(
            "index ", id, ": every constituent needs a single-instrument index"));
      }
    }
  }
  return m;
}

const IndexParameters& Methodology::ForDate(const std::string& index_id, LocalDay day) const {
  const std::vector<IndexParameters>& list = versions_.at(index_id);
  const IndexParameters* best = &list.front();
  for (const IndexParameters& p : list) {
    if (p.effective_date <= day) best = &p;
  }
  return *best;
}

const std::vector<IndexParameters>& Methodology::Versions(const std::string& index_id) const {
  return versions_.at(index_id);
}

}  // namespace dazong::index
