// Differential test of the engine's incremental intraday path (rolling window sums, monotone
// min/max queues, distinct-member counters, cached prefixes) against a straightforward
// calculation from scratch: for every intraday record the engine emits, the reference scans
// the instrument's trades of the day in the record's window, applies the rule exclusions with
// the busts known at that moment, and builds the whole record (statistics, VWAP, largest
// participant, thresholds missed, status, exclusions, calc id). Random streams over several
// days with self-trades, related parties, busts, clock ticks and a methodology version that
// changes the window from its effective date.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "../support/index_fixtures.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dazong/index/calc.h"
#include "dazong/index/engine.h"
#include "dazong/index/parameters.h"
#include "dazong/index/recompute_csv.h"
#include "dazong/index/record_codec.h"

namespace dazong::index {
namespace {

using testing::LocalTime;
using testing::MakeIndexTestConfig;

struct Fed {
  IndexTrade trade;
  bool busted = false;
};

IndexRecord Reference(const Methodology& m, const IndexRecord& r, const std::vector<Fed>& fed,
                      const IndexTrade* trigger) {
  const IndexParameters& p = m.ForDate(r.index_id, r.date);
  const uint32_t instrument = p.instrument_ids[0];
  const Timestamp to = r.as_of;
  const Timestamp from = to - p.intraday_window_seconds * kNanosPerSecond;
  IndexRecord e;
  e.index_id = r.index_id;
  e.kind = RecordKind::kIntraday;
  e.seq = r.seq;  // numbering is checked separately
  e.date = r.date;
  e.as_of = to;
  e.window_from = from;
  e.window_to = to;
  e.methodology_version = p.methodology_version;
  e.params_hash = p.hash;
  Int128 pv = 0;
  std::set<uint32_t> buyers, sellers;
  std::map<uint32_t, int64_t> member_volume;
  for (const Fed& f : fed) {
    const IndexTrade& t = f.trade;
    if (t.instrument != instrument || LocalDayOf(t.time) != r.date) continue;
    const bool in = trigger != nullptr ? (t.time > from && t.time <= to)
                                       : (t.time >= from && t.time < to);
    if (!in || RuleExclusion(p, t, f.busted) != Exclusion::kNone) continue;
    if (e.trade_count == 0 || t.price < e.price_low) e.price_low = t.price;
    if (e.trade_count == 0 || t.price > e.price_high) e.price_high = t.price;
    ++e.trade_count;
    e.volume += t.quantity;
    pv += static_cast<Int128>(t.price) * t.quantity;
    buyers.insert(t.buyer);
    sellers.insert(t.seller);
    member_volume[t.buyer] += t.quantity;
    member_volume[t.seller] += t.quantity;
  }
  e.buyers = static_cast<int64_t>(buyers.size());
  e.sellers = static_cast<int64_t>(sellers.size());
  if (e.trade_count > 0) {
    e.has_value = true;
    e.value = *VwapValue(pv, e.volume);
    e.level = kLevelWindow;
    int64_t top = 0;
    for (const auto& [member, v] : member_volume) {
      if (v > top) {
        top = v;
        e.top_member = member;
      }
    }
    e.top_share_bps = *DivRoundHalfEven(static_cast<Int128>(top) * 10000, e.volume);
  }
  std::vector<std::string> missed;
  if (e.trade_count < p.min_trades) missed.push_back("min_trades");
  if (e.volume < p.min_volume || e.volume == 0) missed.push_back("min_volume");
  if (e.buyers < p.min_buyers) missed.push_back("min_buyers");
  if (e.sellers < p.min_sellers) missed.push_back("min_sellers");
  if (!missed.empty()) e.missed = absl::StrCat("window:", absl::StrJoin(missed, ","));
  e.status = missed.empty() ? Status::kIndicative : Status::kInsufficient;
  if (trigger != nullptr) {
    bool busted = false;
    for (const Fed& f : fed) busted = busted || (f.trade.trade_id == trigger->trade_id && f.busted);
    const Exclusion x = RuleExclusion(p, *trigger, busted);
    if (x != Exclusion::kNone) e.excluded.push_back(ExcludedTrade{trigger->trade_id, x});
    e.calc_id = absl::StrCat("T-", r.index_id, "-", trigger->trade_id, "-", p.hash.substr(0, 16));
  } else {
    e.calc_id = absl::StrCat("G-", r.index_id, "-", to, "-", p.hash.substr(0, 16));
  }
  return e;
}

// `inputs` and `records` (optional) receive the stream as recompute inputs and every record the
// engine emitted, in order.
// With `wide_values`, some trades do not fit the engine's narrow trade store (a price or a
// quantity above 2^31, a member id above 65535, a trade id more than 2^32 after the day's
// first), which moves that day's store to full trades.
void RunStream(uint64_t seed, const Methodology& m, int* checked,
               std::vector<RecomputeInput>* inputs = nullptr,
               std::vector<IndexRecord>* records = nullptr, Timestamp* until = nullptr,
               bool wide_values = false) {
  std::mt19937_64 rng(seed);
  IndexEngine engine(m);
  std::vector<Fed> fed;
  std::map<std::string, uint64_t> seq;
  Timestamp t = LocalTime("2026-01-05 13:50:00");
  uint64_t next_id = 1;
  const auto check = [&](const std::vector<IndexRecord>& out, const IndexTrade* trigger) {
    if (records != nullptr) records->insert(records->end(), out.begin(), out.end());
    for (const IndexRecord& r : out) {
      ASSERT_EQ(r.seq, ++seq[r.index_id]) << r.index_id;
      if (r.kind != RecordKind::kIntraday) continue;
      const bool by_trade = r.calc_id.starts_with("T-");
      if (by_trade) {
        ASSERT_NE(trigger, nullptr);
        ASSERT_EQ(r.as_of, trigger->time);
      }
      const IndexRecord e = Reference(m, r, fed, by_trade ? trigger : nullptr);
      ASSERT_EQ(r, e) << "seed " << seed << " " << r.calc_id;
      ++*checked;
    }
  };
  for (int day = 0; day < 3; ++day) {
    for (int i = 0; i < 400; ++i) {
      // Bursts of equal times, gaps across the window and the grid.
      const int gap = static_cast<int>(rng() % 10);
      t += gap == 0 ? 0 : gap < 8 ? static_cast<int64_t>(rng() % 20) * kNanosPerSecond
                                  : static_cast<int64_t>(rng() % 700) * kNanosPerSecond;
      std::vector<IndexRecord> out;
      const int action = static_cast<int>(rng() % 20);
      if (action == 0 && !fed.empty()) {
        Fed& f = fed[fed.size() - 1 - rng() % std::min<size_t>(fed.size(), 50)];
        ASSERT_TRUE(engine.OnBust(f.trade.trade_id, t, "test", out).ok());
        if (inputs != nullptr) {
          RecomputeInput in;
          in.type = RecomputeInput::Type::kBust;
          in.trade.trade_id = f.trade.trade_id;
          in.trade.time = t;
          in.reason = "test";
          inputs->push_back(in);
        }
        check(out, nullptr);  // records of the time advance, before the bust
        f.busted = true;
      } else if (action == 1) {
        engine.OnTime(t, out);
        check(out, nullptr);
      } else {
        IndexTrade trade;
        trade.trade_id = next_id++;
        trade.time = t;
        trade.instrument = 1 + static_cast<uint32_t>(rng() % 2);
        trade.price = (trade.instrument == 1 ? 365000 : 6850000) +
                      static_cast<int64_t>(rng() % 41) * 100 - 2000;
        trade.quantity = 1000 * static_cast<int64_t>(1 + rng() % 30);
        trade.buyer = 1 + static_cast<uint32_t>(rng() % 5);
        trade.seller = 1 + static_cast<uint32_t>(rng() % 5);
        if (wide_values && rng() % 40 == 0) {
          switch (rng() % 4) {
            case 0: trade.price = 3'000'000'000 + static_cast<int64_t>(rng() % 1000); break;
            case 1: trade.quantity = 2'500'000'000; break;
            case 2: trade.buyer = 70'000; break;
            default: trade.trade_id = next_id += 5'000'000'000; ++next_id; break;
          }
        }
        fed.push_back(Fed{trade, false});
        if (inputs != nullptr) inputs->push_back(RecomputeInput{RecomputeInput::Type::kTrade, trade, {}, ""});
        engine.OnTrade(trade, out);
        check(out, &fed.back().trade);
      }
    }
    t = UtcOfLocal(LocalDayOf(t) + 1, 0) + static_cast<int64_t>(13 * 3600 + 50 * 60) * kNanosPerSecond;
  }
  std::vector<IndexRecord> out;
  engine.OnTime(t, out);
  check(out, nullptr);
  if (until != nullptr) *until = t;
}

Methodology TwoVersionMethodology() {
  const ExchangeConfig config = MakeIndexTestConfig();
  // From 2026-01-06: version 2 of DZ-RB with a 120 s window and a 30 s interval.
  VersionSpec v2;
  v2.index = config.indices[0];
  v2.index.intraday_window_seconds = 120;
  v2.additions.methodology_version = "2";
  v2.additions.effective_date = "2026-01-06";
  v2.additions.intraday_interval_seconds = 30;
  absl::StatusOr<Methodology> m = Methodology::Build(config, {}, {v2});
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

TEST(IndexIntradayDifferentialTest, EngineEqualsFromScratchCalculation) {
  const std::optional<Methodology> m = TwoVersionMethodology();
  int checked = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    RunStream(seed, *m, &checked);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(checked, 10000);
}

// The same with trades that do not fit the narrow trade store, so that days move to full
// trades part-way (the window, busts looked up by trade id, fixings and their corrections read
// the widened store); and Recompute over those streams equals the engine fed directly.
TEST(IndexIntradayDifferentialTest, EngineWithWideTradesEqualsFromScratchCalculation) {
  const std::optional<Methodology> m = TwoVersionMethodology();
  int checked = 0;
  for (uint64_t seed = 21; seed <= 28; ++seed) {
    std::vector<RecomputeInput> inputs;
    std::vector<IndexRecord> direct;
    Timestamp until = 0;
    RunStream(seed, *m, &checked, &inputs, &direct, &until, /*wide_values=*/true);
    if (HasFatalFailure()) return;
    std::vector<IndexRecord> got;
    ASSERT_TRUE(Recompute(*m, inputs, until, EngineOptions{}, got).ok());
    ASSERT_EQ(got, direct) << "seed " << seed;
    bool corrected = false;
    for (const IndexRecord& r : direct) corrected = corrected || r.kind == RecordKind::kCorrection;
    EXPECT_TRUE(corrected) << "seed " << seed;
  }
  EXPECT_GT(checked, 5000);
}

// Recompute (which reuses the string buffers of the records its sink is done with) emits
// exactly the records of an engine fed the same stream directly, whatever the sink does with
// them (copies them, moves them out, or changes them).
TEST(IndexIntradayDifferentialTest, RecomputeEqualsDirectEngine) {
  const std::optional<Methodology> m = TwoVersionMethodology();
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    std::vector<RecomputeInput> inputs;
    std::vector<IndexRecord> direct;
    Timestamp until = 0;
    int checked = 0;
    RunStream(seed, *m, &checked, &inputs, &direct, &until);
    if (HasFatalFailure()) return;
    for (int mode = 0; mode < 3; ++mode) {
      std::vector<IndexRecord> got;
      ASSERT_TRUE(Recompute(*m, inputs, until, EngineOptions{}, [&](IndexRecord&& r) {
                    if (mode == 0) got.push_back(r);
                    if (mode == 1) got.push_back(std::move(r));
                    if (mode == 2) {  // a sink that scribbles on what it was given
                      got.push_back(r);
                      r.calc_id += "-scribbled";
                      r.params_hash = "x";
                    }
                  }).ok());
      ASSERT_EQ(got.size(), direct.size()) << "seed " << seed << " mode " << mode;
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i], direct[i]) << "seed " << seed << " mode " << mode << " record " << i;
      }
    }
  }
}

// RecomputeTradesCsv (one pass over the text, fast line parser) gives exactly what
// ParseTradesCsv + SortInputs + Recompute give, for files in time order (its streaming path)
// and for the others (unsorted, malformed: the materialized path), with and without intraday
// records, with busts merged by time, CRLF and blank lines, ISO times and short price forms.
TEST(IndexIntradayDifferentialTest, RecomputeFromCsvTextEqualsParseSortRecompute) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const std::optional<Methodology> m = TwoVersionMethodology();
  const auto reference = [&](std::string_view csv, const std::vector<RecomputeInput>& others,
                             Timestamp until, EngineOptions options,
                             std::vector<IndexRecord>& out) -> absl::Status {
    absl::StatusOr<std::vector<RecomputeInput>> inputs = ParseTradesCsv(csv, config);
    if (!inputs.ok()) return inputs.status();
    inputs->insert(inputs->end(), others.begin(), others.end());
    SortInputs(*inputs);
    return Recompute(*m, *inputs, until, options, out);
  };
  int variants = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    std::vector<RecomputeInput> inputs;
    std::vector<IndexRecord> direct;
    Timestamp until = 0;
    int checked = 0;
    RunStream(seed, *m, &checked, &inputs, &direct, &until);
    if (HasFatalFailure()) return;
    std::vector<RecomputeInput> busts;
    std::vector<IndexTrade> trades;
    for (const RecomputeInput& in : inputs) {
      if (in.type == RecomputeInput::Type::kBust) busts.push_back(in);
      if (in.type == RecomputeInput::Type::kTrade) trades.push_back(in.trade);
    }
    std::mt19937_64 rng(seed * 7919);
    for (int variant = 0; variant < 6; ++variant) {
      // Variants 4 and 5 also bust a trade that does not exist: with the malformed file (4) the
      // parse error comes first, with a good file (5) the bust's NotFound.
      std::vector<RecomputeInput> others = busts;
      if (variant >= 4) {
        RecomputeInput bad;
        bad.type = RecomputeInput::Type::kBust;
        bad.trade.trade_id = 999999;
        bad.trade.time = trades[trades.size() / 2].time;
        others.push_back(bad);
      }
      std::string csv = variant % 2 == 0 ? "trade_id,time,instrument,price,quantity,buyer,seller\n" : "";
      for (size_t i = 0; i < trades.size(); ++i) {
        IndexTrade t = trades[i];
        if (variant == 3 && i == trades.size() / 2) std::swap(t, trades[i - 1]);  // out of order
        std::string line = TradeCsvLine(t, config);
        if (variant >= 1 && rng() % 7 == 0) {  // other forms of the same values
          std::vector<std::string> f;
          for (size_t a = 0;;) {
            const size_t b = line.find(',', a);
            f.push_back(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos) break;
            a = b + 1;
          }
          // Other price forms (and values: both sides read the same text).
          const std::string whole = f[3].substr(0, f[3].find('.'));
          const std::string digit(1, static_cast<char>('0' + rng() % 10));
          const std::string price = std::vector<std::string>{
              whole, whole + "." + digit, whole + ".5" + digit, "0" + whole + ".0" + digit}[rng() % 4];
          const std::string time = rng() % 2 == 0 ? FormatLocalTime(t.time) : f[1];
          line = absl::StrCat(f[0], ",", time, ",", f[2], ",", price, ",", f[4], ",", f[5], ",", f[6]);
        }
        if (variant == 4 && i == trades.size() * 3 / 4) line += ",extra";  // malformed
        csv += line;
        csv += variant == 2 ? "\r\n" : "\n";
        if (variant >= 1 && rng() % 50 == 0) csv += variant == 2 ? " \r\n" : "\n";
      }
      for (bool intraday : {true, false}) {
        EngineOptions options;
        options.intraday_records = intraday;
        std::vector<IndexRecord> want, got;
        const absl::Status ws = reference(csv, others, until, options, want);
        const absl::Status gs = RecomputeTradesCsv(*m, config, csv, others, until, options,
                                                   [&](IndexRecord&& r) { got.push_back(std::move(r)); });
        ASSERT_EQ(gs, ws) << "seed " << seed << " variant " << variant;
        if (variant == 4) {
          EXPECT_EQ(gs.code(), absl::StatusCode::kInvalidArgument);
        }
        if (variant == 5) {
          EXPECT_EQ(gs.code(), absl::StatusCode::kNotFound);
        }
        if (!ws.ok()) continue;
        ASSERT_EQ(got.size(), want.size()) << "seed " << seed << " variant " << variant;
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i], want[i]) << "seed " << seed << " variant " << variant << " record " << i;
        }
        ++variants;
      }
    }
  }
  EXPECT_EQ(variants, 3 * 4 * 2);
}

// RecomputeTradesCsv with a second thread (the file checked in two halves at once, then parsed
// on a parser thread ahead of the calculation, in batches) gives exactly the records and the
// errors of the one-thread path and of ParseTradesCsv + SortInputs + Recompute: random days of
// two instruments and the composite with busts and quotes; files with and without a header,
// in time order or not, with a malformed line at the start, before or after the middle (the
// split of the check) or at the end, a blank first half, a bust of an unknown trade; batches
// of 1, 3 and 64 trades; with and without intraday records.
TEST(IndexIntradayDifferentialTest, ParallelCsvRecomputeEqualsSequential) {
  const ExchangeConfig config = MakeIndexTestConfig();
  const std::optional<Methodology> m = TwoVersionMethodology();
  int compared = 0, failed = 0;
  for (uint64_t seed = 11; seed <= 14; ++seed) {
    std::vector<RecomputeInput> inputs;
    std::vector<IndexRecord> direct;
    Timestamp until = 0;
    int checked = 0;
    RunStream(seed, *m, &checked, &inputs, &direct, &until);
    if (HasFatalFailure()) return;
    std::mt19937_64 rng(seed * 104729);
    std::vector<RecomputeInput> others;
    std::vector<IndexTrade> trades;
    for (const RecomputeInput& in : inputs) {
      if (in.type == RecomputeInput::Type::kBust) others.push_back(in);
      if (in.type == RecomputeInput::Type::kTrade) trades.push_back(in.trade);
    }
    for (size_t i = 0; i < trades.size(); i += 1 + rng() % 40) {  // book states between trades
      RecomputeInput q;
      q.type = RecomputeInput::Type::kQuote;
      q.bbo.instrument = trades[i].instrument;
      q.bbo.time = trades[i].time + static_cast<int64_t>(rng() % 3) * kNanosPerSecond;
      q.bbo.bid = rng() % 5 == 0 ? 0 : trades[i].price - 100;
      q.bbo.ask = trades[i].price + static_cast<int64_t>(rng() % 3) * 100;
      others.push_back(q);
    }
    for (int variant = 0; variant < 9; ++variant) {
      std::vector<RecomputeInput> extra = others;
      if (variant == 8) {  // a bust of a trade the engine never saw
        RecomputeInput bad;
        bad.type = RecomputeInput::Type::kBust;
        bad.trade.trade_id = 999999;
        bad.trade.time = trades[trades.size() / 3].time;
        extra.push_back(bad);
      }
      std::string csv = variant % 2 == 0 ? "trade_id,time,instrument,price,quantity,buyer,seller\n" : "";
      if (variant == 7) csv = std::string(20000, '\n') + csv;  // the first half is blank
      const size_t bad_at = variant == 2 ? 0
                            : variant == 3 ? trades.size() / 2 - 1
                            : variant == 4 ? trades.size() / 2 + 1
                            : variant == 5 ? trades.size() - 1
                                           : trades.size();
      const size_t head = csv.size();
      for (size_t i = 0; i < trades.size(); ++i) {
        std::string line = TradeCsvLine(trades[i], config);
        if (i == bad_at) line += rng() % 2 == 0 ? ",extra" : "x";
        csv += line;
        csv += "\n";
      }
      if (variant == 6) {
        // Out of order exactly across the split of the check: the first line of the second
        // half gets a time 1 ns before the last line of the first (same length, same split).
        const size_t split = csv.find('\n', csv.size() / 2);
        const size_t k = static_cast<size_t>(
            std::count(csv.begin() + static_cast<std::ptrdiff_t>(head),
                       csv.begin() + static_cast<std::ptrdiff_t>(split), '\n'));
        ASSERT_LT(k + 1, trades.size());
        IndexTrade t = trades[k + 1];
        t.time = trades[k].time - 1;
        const std::string line = TradeCsvLine(t, config);
        ASSERT_EQ(line.size(), TradeCsvLine(trades[k + 1], config).size());
        csv.replace(split + 1, line.size(), line);
      }
      for (bool intraday : {true, false}) {
        EngineOptions options;
        options.intraday_records = intraday;
        std::vector<IndexRecord> want;
        const absl::Status ws = RecomputeTradesCsv(
            *m, config, csv, extra, until, options,
            [&](IndexRecord&& r) { want.push_back(std::move(r)); }, CsvRecomputeTuning{.parallel = false});
        for (size_t batch : {size_t{1}, size_t{3}, size_t{64}}) {
          std::vector<IndexRecord> got;
          const CsvRecomputeTuning tuning{.parallel = true, .min_parallel_bytes = 0, .batch_trades = batch};
          const absl::Status gs = RecomputeTradesCsv(
              *m, config, csv, extra, until, options,
              [&](IndexRecord&& r) { got.push_back(std::move(r)); }, tuning);
          ASSERT_EQ(gs, ws) << "seed " << seed << " variant " << variant << " batch " << batch;
          ASSERT_EQ(got.size(), want.size()) << "seed " << seed << " variant " << variant;
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_EQ(got[i], want[i]) << "seed " << seed << " variant " << variant << " record " << i;
          }
          ++compared;
          if (!gs.ok()) ++failed;
        }
        if (variant == 0) {  // and both equal the direct engine run
          ASSERT_TRUE(ws.ok());
          std::vector<RecomputeInput> all = inputs;
          for (const RecomputeInput& in : others) {
            if (in.type == RecomputeInput::Type::kQuote) all.push_back(in);
          }
          SortInputs(all);
          std::vector<IndexRecord> reference;
          ASSERT_TRUE(Recompute(*m, all, until, options, reference).ok());
          ASSERT_EQ(want, reference) << "seed " << seed;
        }
      }
    }
  }
  EXPECT_EQ(compared, 4 * 9 * 2 * 3);
  EXPECT_GT(failed, 0);  // the malformed files and the unknown bust
}

// The CSV recompute's line scanner (one scan per line, digits eight at a time, codes looked up
// as words) accepts exactly what ParseTradesCsv accepts, with the same values: files of a few
// lines in many forms, valid and not (leading zeros, 19 and 20 digits, ids and quantities of
// 0, times past INT64_MAX, ISO times, prices with 0 to 3 decimals or too many digits, symbols
// and member codes of 0 to 23 bytes, known or not, CR LF and bare CR endings, blank lines, a
// last line without its newline, random changed characters), each compared with
// ParseTradesCsv + SortInputs + Recompute (status, records), one thread and two, with and
// without intraday records.
TEST(IndexIntradayDifferentialTest, CsvLineFormsEqualParseTradesCsv) {
  ExchangeConfig config = MakeIndexTestConfig();
  for (const char* symbol : {"NINECHARS", "SIXTEEN-CHARS-16", "LONG-SYMBOL-OF-20-CH"}) {
    InstrumentConfig c = config.instruments[0];
    c.id = InstrumentId(static_cast<uint32_t>(config.instruments.size() + 1));
    c.symbol = symbol;
    config.instruments.push_back(c);
  }
  for (const char* code : {"ABCDEFGH", "ABCDEFGHI", "ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNOPQ",
                           "A-VERY-LONG-MEMBER-CODE", "M"}) {
    MemberConfig mc = config.members[1];
    mc.id = MemberId(static_cast<uint32_t>(config.members.size() + 1));
    mc.code = code;
    mc.name = code;
    config.members.push_back(mc);
  }
  absl::StatusOr<Methodology> built = Methodology::Build(config);
  ASSERT_TRUE(built.ok()) << built.status();
  const Methodology& m = *built;
  std::mt19937_64 rng(20261204);
  // Mostly one of the first `good` entries (valid), else any.
  const auto pick = [&](const std::vector<std::string>& v, size_t good) {
    return v[rng() % 10 != 0 ? rng() % good : rng() % v.size()];
  };
  const std::vector<std::string> symbols = {"RB", "RB", "CU", "NINECHARS", "SIXTEEN-CHARS-16",
                                            "LONG-SYMBOL-OF-20-CH", "XX", "", "RB ", "R",
                                            "SIXTEEN-CHARS-1", "LONG-SYMBOL-OF-20-CX"};
  const std::vector<std::string> members = {
      "M1", "M2", "M3", "M4", "M5", "ABCDEFGH", "ABCDEFGHI", "ABCDEFGHIJKLMNOP",
      "ABCDEFGHIJKLMNOPQ", "A-VERY-LONG-MEMBER-CODE", "M", "M6", "", "ABCDEFGHIJKLMNOX",
      "m1", "M1 ", "ABCDEFGX"};
  const std::vector<std::string> endings = {"\n", "\n", "\n", "\r\n", "\r\r\n", "\n\n", " \n",
                                            "\r\n \r\n"};
  int compared = 0, accepted = 0;
  for (int file = 0; file < 1500; ++file) {
    Timestamp time = LocalTime("2026-01-05 14:25:00") + static_cast<int64_t>(rng() % 3600) * kNanosPerSecond;
    std::string csv = rng() % 3 == 0 ? "trade_id,time,instrument,price,quantity,buyer,seller\n" : "";
    const int lines = 1 + static_cast<int>(rng() % 5);
    for (int l = 0; l < lines; ++l) {
      time += static_cast<int64_t>(rng() % 90) * kNanosPerSecond - (rng() % 40 == 0 ? 200 * kNanosPerSecond : 0);
      const uint64_t id = 1 + rng() % 100000;
      const std::string id_text = std::vector<std::string>{
          std::to_string(id), std::to_string(id), "00" + std::to_string(id), "0",
          "9999999999999999999", "18446744073709551615", "12345678901234567890",
          std::to_string(id) + "x"}[rng() % 8 < 6 ? rng() % 2 : rng() % 8];
      const std::string time_text = std::vector<std::string>{
          std::to_string(time), std::to_string(time), "0" + std::to_string(time),
          FormatLocalTime(time), "9300000000000000000", "99999999999999999999",
          std::to_string(time) + ".5", " " + std::to_string(time)}[rng() % 8 < 6 ? rng() % 2 : rng() % 8];
      const std::string whole = std::to_string(1 + rng() % 70000);
      const std::string price_text = std::vector<std::string>{
          whole, whole + ".5", whole + ".05", whole + ".555", whole + ".", ".5", "0", "0.00",
          "0.01", "000000000000" + whole + ".00", "123456789012345", "1234567890123456",
          "00" + whole, whole + ".5x", "-" + whole}[rng() % 4 < 3 ? rng() % 3 : rng() % 15];
      const std::string qty_text = std::vector<std::string>{
          std::to_string(1000 * (1 + rng() % 50)), "1000", "0", "01000",
          // The largest quantity accepted (kMaxCsvTradeQuantity), one above it, INT64_MAX.
          "100000000000", "100000000001", "9223372036854775807",
          "9223372036854775808", "12345678901234567890", "-5", "1e3"}[rng() % 4 < 3 ? rng() % 2 : rng() % 11];
      std::string line = absl::StrCat(id_text, ",", time_text, ",", pick(symbols, 6), ",", price_text,
                                      ",", qty_text, ",", pick(members, 11), ",", pick(members, 11));
      if (rng() % 25 == 0) {  // a random character changed
        const std::string chars = ",,\r\n .AM";  // no digit: a time years later means years of grid
        line[rng() % line.size()] = chars[rng() % chars.size()];
      }
      if (rng() % 60 == 0) line += ",";
      csv += line;
      if (l + 1 < lines || rng() % 3 != 0) csv += pick(endings, 8);
    }
    const Timestamp until = time + 600 * kNanosPerSecond;  // not to the midnight: a short run
    for (bool intraday : {true, false}) {
      EngineOptions options;
      options.intraday_records = intraday;
      std::vector<IndexRecord> want;
      absl::Status ws;
      {
        absl::StatusOr<std::vector<RecomputeInput>> inputs = ParseTradesCsv(csv, config);
        ws = inputs.status();
        if (ws.ok()) {
          SortInputs(*inputs);
          ws = Recompute(m, *inputs, until, options, want);
        }
      }
      for (bool parallel : {false, true}) {
        std::vector<IndexRecord> got;
        const absl::Status gs = RecomputeTradesCsv(
            m, config, csv, {}, until, options, [&](IndexRecord&& r) { got.push_back(std::move(r)); },
            CsvRecomputeTuning{.parallel = parallel, .min_parallel_bytes = 0, .batch_trades = 2});
        ASSERT_EQ(gs, ws) << "file " << file << ":\n" << csv;
        ASSERT_EQ(got, want) << "file " << file << ":\n" << csv;
        ++compared;
      }
      if (ws.ok() && intraday) ++accepted;
    }
  }
  EXPECT_EQ(compared, 1500 * 4);
  EXPECT_GT(accepted, 100);  // enough valid files
  EXPECT_LT(accepted, 1400);  // and enough invalid ones
}

}  // namespace
}  // namespace dazong::index
