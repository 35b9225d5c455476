#include "dazong/index/record_codec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dazong/index/calc.h"
#include "text.h"

namespace dazong::index {
namespace {

std::string Member(const Methodology& m, uint32_t id) {
  if (id == 0) return "";
  if (id < m.member_codes().size() && !m.member_codes()[id].empty()) return m.member_codes()[id];
  return absl::StrCat("#", id);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(4);
  return true;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::string_view line : text::Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (text::Trim(line).empty()) continue;
    out.push_back(line);
  }
  return out;
}

absl::Status LineError(size_t line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", std::string(what)));
}

}  // namespace

Fields RecordFields(const IndexRecord& r, const Methodology& methodology) {
  Fields f;
  f.reserve(29);
  f.emplace_back("index", r.index_id);
  f.emplace_back("kind", std::string(RecordKindName(r.kind)));
  f.emplace_back("seq", absl::StrCat(r.seq));
  f.emplace_back("calc_id", r.calc_id);
  f.emplace_back("date", FormatDate(r.date));
  f.emplace_back("as_of", FormatLocalTime(r.as_of));
  f.emplace_back("as_of_ns", absl::StrCat(r.as_of));
  f.emplace_back("value", r.has_value ? FormatValue(r.value) : "");
  f.emplace_back("status", std::string(StatusName(r.status)));
  f.emplace_back("level", absl::StrCat(r.level));
  f.emplace_back("methodology_version", r.methodology_version);
  f.emplace_back("params_hash", r.params_hash);
  f.emplace_back("trades", absl::StrCat(r.trade_count));
  f.emplace_back("volume", absl::StrCat(r.volume));
  f.emplace_back("price_low", r.trade_count > 0 && r.price_low > 0 ? FormatPrice(Price::FromRaw(r.price_low)) : "");
  f.emplace_back("price_high", r.trade_count > 0 && r.price_high > 0 ? FormatPrice(Price::FromRaw(r.price_high)) : "");
  f.emplace_back("buyers", absl::StrCat(r.buyers));
  f.emplace_back("sellers", absl::StrCat(r.sellers));
  f.emplace_back("top_member", Member(methodology, r.top_member));
  f.emplace_back("top_share_bps", absl::StrCat(r.top_share_bps));
  f.emplace_back("used", FormatIdRanges(r.used));
  f.emplace_back("excluded", FormatExcluded(r.excluded));
  f.emplace_back("window_from_ns", absl::StrCat(r.window_from));
  f.emplace_back("window_to_ns", absl::StrCat(r.window_to));
  f.emplace_back("missed", r.missed);
  f.emplace_back("inputs", r.inputs);
  f.emplace_back("supersedes", r.supersedes);
  f.emplace_back("reason", r.reason);
  f.emplace_back("alerts", FormatAlerts(r.alerts));
  return f;
}

std::string FieldValue(const Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return "";
}

std::string EncodeFields(const Fields& fields) {
  std::string out;
  PutU32(out, static_cast<uint32_t>(fields.size()));
  for (const auto& [k, v] : fields) {
    PutU32(out, static_cast<uint32_t>(k.size()));
    out += k;
    PutU32(out, static_cast<uint32_t>(v.size()));
    out += v;
  }
  return out;
}

absl::StatusOr<Fields> DecodeFields(std::string_view bytes) {
  Fields f;
  uint32_t n;
  if (!GetU32(bytes, n)) return absl::DataLossError("truncated field list");
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len;
    std::string k, v;
    if (!GetU32(bytes, len) || bytes.size() < len) return absl::DataLossError("truncated field");
    k.assign(bytes.substr(0, len));
    bytes.remove_prefix(len);
    if (!GetU32(bytes, len) || bytes.size() < len) return absl::DataLossError("truncated field");
    v.assign(bytes.substr(0, len));
    bytes.remove_prefix(len);
    f.emplace_back(std::move(k), std::move(v));
  }
  if (!bytes.empty()) return absl::DataLossError("trailing bytes after field list");
  return f;
}

std::string FormatIdRanges(const std::vector<uint64_t>& ids) {
  std::string out;
  size_t i = 0;
  while (i < ids.size()) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    if (j == i) {
      absl::StrAppend(&out, ids[i]);
    } else {
      absl::StrAppend(&out, ids[i], "-", ids[j]);
    }
    i = j + 1;
  }
  return out;
}

std::string FormatExcluded(const std::vector<ExcludedTrade>& excluded) {
  std::string out;
  for (const ExcludedTrade& e : excluded) {
    if (!out.empty()) out += ',';
    absl::StrAppend(&out, e.trade_id, ":", std::string(ExclusionName(e.reason)));
  }
  return out;
}

std::string FormatAlerts(const std::vector<Alert>& alerts) {
  std::string out;
  for (const Alert& a : alerts) {
    if (!out.empty()) out += '|';
    absl::StrAppend(&out, std::string(AlertKindName(a.kind)), ":", a.detail);
  }
  return out;
}

absl::StatusOr<std::vector<RecomputeInput>> ParseTradesCsv(std::string_view text,
                                                           const ExchangeConfig& config) {
  std::vector<RecomputeInput> out;
  const std::vector<std::string_view> lines = Lines(text);
  out.reserve(lines.size());
  for (size_t n = 0; n < lines.size(); ++n) {
    if (n == 0 && lines[n].starts_with("trade_id")) continue;
    std::vector<std::string_view> f = text::Split(lines[n], ',');
    if (f.size() != 7) return LineError(n + 1, "expected 7 columns");
    RecomputeInput in;
    in.type = RecomputeInput::Type::kTrade;
    IndexTrade& t = in.trade;
    if (!text::ToInt(f[0], &t.trade_id) || t.trade_id == 0) return LineError(n + 1, "bad trade id");
    absl::StatusOr<Timestamp> time = ParseTime(f[1]);
    if (!time.ok()) return LineError(n + 1, std::string(time.status().message()));
    t.time = *time;
    const InstrumentConfig* instrument = config.FindInstrument(f[2]);
    if (instrument == nullptr) return LineError(n + 1, "unknown instrument");
    t.instrument = instrument->id.value();
    absl::StatusOr<Price> price = ParsePrice(f[3]);
    if (!price.ok() || !price->is_positive()) return LineError(n + 1, "bad price");
    t.price = price->raw();
    if (!text::ToInt(f[4], &t.quantity) || t.quantity <= 0 || t.quantity > kMaxCsvTradeQuantity) {
      return LineError(n + 1, "bad quantity");
    }
    const MemberConfig* buyer = config.FindMemberByCode(f[5]);
    const MemberConfig* seller = config.FindMemberByCode(f[6]);
    if (buyer == nullptr || seller == nullptr) return LineError(n + 1, "unknown member");
    t.buyer = buyer->id.value();
    t.seller = seller->id.value();
    out.push_back(in);
  }
  return out;
}

absl::StatusOr<std::vector<RecomputeInput>> ParseQuotesCsv(std::string_view text,
                                                           const ExchangeConfig& config) {
  std::vector<RecomputeInput> out;
  const std::vector<std::string_view> lines = Lines(text);
  for (size_t n = 0; n < lines.size(); ++n) {
    if (n == 0 && lines[n].starts_with("time")) continue;
    std::vector<std::string_view> f = text::Split(lines[n], ',');
    if (f.size() != 4) return LineError(n + 1, "expected 4 columns");
    RecomputeInput in;
    in.type = RecomputeInput::Type::kQuote;
    absl::StatusOr<Timestamp> time = ParseTime(f[0]);
    if (!time.ok()) return LineError(n + 1, std::string(time.status().message()));
    in.bbo.time = *time;
    const InstrumentConfig* instrument = config.FindInstrument(f[1]);
    if (instrument == nullptr) return LineError(n + 1, "unknown instrument");
    in.bbo.instrument = instrument->id.value();
    for (int side = 0; side < 2; ++side) {
      std::string_view v = f[2 + side];
      if (v.empty()) continue;
      absl::StatusOr<Price> price = ParsePrice(v);
      if (!price.ok()) return LineError(n + 1, "bad price");
      (side == 0 ? in.bbo.bid : in.bbo.ask) = price->raw();
    }
    out.push_back(in);
  }
  return out;
}

absl::StatusOr<std::vector<RecomputeInput>> ParseBustsCsv(std::string_view text) {
  std::vector<RecomputeInput> out;
  const std::vector<std::string_view> lines = Lines(text);
  for (size_t n = 0; n < lines.size(); ++n) {
    if (n == 0 && lines[n].starts_with("trade_id")) continue;
    std::vector<std::string_view> f = text::Split(lines[n], ',', 3);
    if (f.size() < 2) return LineError(n + 1, "expected trade_id,time[,reason]");
    RecomputeInput in;
    in.type = RecomputeInput::Type::kBust;
    if (!text::ToInt(f[0], &in.trade.trade_id)) return LineError(n + 1, "bad trade id");
    absl::StatusOr<Timestamp> time = ParseTime(f[1]);
    if (!time.ok()) return LineError(n + 1, std::string(time.status().message()));
    in.trade.time = *time;
    if (f.size() == 3) in.reason = std::string(f[2]);
    out.push_back(in);
  }
  return out;
}

void SortInputs(std::vector<RecomputeInput>& inputs) {
  const auto time = [](const RecomputeInput& in) {
    return in.type == RecomputeInput::Type::kQuote ? in.bbo.time : in.trade.time;
  };
  std::stable_sort(inputs.begin(), inputs.end(),
                   [&](const RecomputeInput& a, const RecomputeInput& b) {
                     if (time(a) != time(b)) return time(a) < time(b);
                     return a.type < b.type;
                   });
}

std::string TradeCsvLine(const IndexTrade& t, const ExchangeConfig& config) {
  const InstrumentConfig* instrument = config.FindInstrument(InstrumentId(t.instrument));
  const MemberConfig* buyer = config.FindMember(MemberId(t.buyer));
  const MemberConfig* seller = config.FindMember(MemberId(t.seller));
  return absl::StrCat(t.trade_id, ",", t.time, ",", instrument ? instrument->symbol : "?", ",",
                      FormatPrice(Price::FromRaw(t.price)), ",", t.quantity, ",",
                      buyer ? buyer->code : "?", ",", seller ? seller->code : "?");
}

}  // namespace dazong::index
