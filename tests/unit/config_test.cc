// Tests for the TOML config loader (common/src/config.cc) and credential hashing.
//
// Most tests start from kBase, a small valid config, apply one textual mutation and check that
// the error is InvalidArgument naming the right TOML path and reason.
#include "dazong/common/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "dazong/common/credentials.h"

namespace dazong {
namespace {

// A well-formed argon2id string; its secret is unknown (structural tests never verify it).
constexpr std::string_view kHash =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
    "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY";

// "@HASH@" is replaced by kHash after any mutation.
constexpr std::string_view kBase = R"toml(
[exchange]
name = "Test Exchange"
comp_id = "EXCH"
data_dir = "data"

[fix]
port = 9001
dictionary = "spec/FIX44.xml"

[redis]
port = 6390

[http]
port = 8081

[[instruments]]
symbol = "RB-1"
commodity = "rebar"
grade = "HRB400E 20mm"
price_unit = "t"
base_unit = "kg"
base_units_per_price_unit = 1000
lot_size = 10000
tick = "1.00"
reference_price = "3650.00"
price_band_bps = 500
trading_modes = ["continuous", "listing"]
warehouses = ["WH-A"]
[instruments.fees]
buyer_bps = 2
seller_bps = 3
minimum = "5.00"

[[instruments]]
symbol = "CU-1"
commodity = "copper"
grade = "Cu-CATH-1"
price_unit = "t"
base_unit = "kg"
base_units_per_price_unit = 1000
lot_size = 5000
tick = "10.00"
reference_price = "68500.00"
price_band_bps = 400
trading_modes = ["call_auction"]
warehouses = ["WH-B"]
[instruments.fees]
buyer_bps = 1
seller_bps = 1

[[members]]
code = "M1"
name = "Member One"
api_token_hash = "@HASH@"
related_members = ["M2"]
[[members.sessions]]
comp_id = "M1-OE"
role = "order_entry"
password_hash = "@HASH@"
cancel_on_disconnect = true
throttle_per_second = 50
[[members.sessions]]
comp_id = "M1-MD"
role = "market_data"
password_hash = "@HASH@"

[[members]]
code = "M2"
name = "Member Two"
enabled = false
api_token_hash = "@HASH@"
[[members.sessions]]
comp_id = "M2-OE"
role = "order_entry"
password_hash = "@HASH@"

[[warehouses]]
code = "WH-A"
name = "Warehouse A"
licence = "LIC-A"
licence_expiry = "2028-06-30"
operator = "Operator A"
affiliates = ["M2"]
receipt_prefix = "WA"
receipt_range = [1, 1000]
commodities = ["rebar"]
api_token_hash = "@HASH@"

[[warehouses]]
code = "WH-B"
name = "Warehouse B"
licence = "LIC-B"
licence_expiry = "2027-12-31"
operator = "Operator B"
receipt_prefix = "WB"
receipt_range = [1, 5000]
commodities = ["copper", "rebar"]
api_token_hash = "@HASH@"

[[banks]]
code = "B1"
name = "Bank One"
api_token_hash = "@HASH@"

[[supervisors]]
code = "S1"
name = "Supervisor One"
api_token_hash = "@HASH@"
[[supervisors.sessions]]
comp_id = "S1-DC"
role = "drop_copy"
password_hash = "@HASH@"

[[indices]]
id = "IX-RB"
name = "Rebar index"
kind = "single"
instruments = ["RB-1"]
fixing_window = ["14:30", "15:00"]
min_trades = 3
min_volume = 100000
min_distinct_buyers = 2
min_distinct_sellers = 2
outlier_k = "3.0"

[[indices]]
id = "IX-ALL"
name = "Composite index"
kind = "composite"
instruments = ["RB-1", "CU-1"]
weights = [6000, 4000]
fixing_window = ["14:00", "15:00"]
intraday_window_seconds = 600
min_trades = 5
min_volume = 0
min_distinct_buyers = 1
min_distinct_sellers = 1
outlier_k = "2.5"
base_date = "2026-01-05"
base_value = 100
)toml";

size_t CountOccurrences(std::string_view text, std::string_view what) {
  size_t count = 0;
  for (size_t pos = text.find(what); pos != std::string_view::npos;
       pos = text.find(what, pos + 1)) {
    ++count;
  }
  return count;
}

std::string ExpandHashes(std::string text) {
  for (size_t pos = text.find("@HASH@"); pos != std::string::npos; pos = text.find("@HASH@")) {
    text.replace(pos, 6, kHash);
  }
  return text;
}

// kBase with `find` (which must occur exactly once) replaced by `replace`. An empty `find`
// appends `replace`; "^" prepends it.
std::string Mutate(std::string_view find, std::string_view replace) {
  std::string text(kBase);
  if (find.empty()) {
    text.append(replace);
  } else if (find == "^") {
    text.insert(0, replace);
  } else {
    EXPECT_EQ(CountOccurrences(text, find), 1u) << "mutation anchor is not unique: " << find;
    const size_t pos = text.find(find);
    if (pos != std::string::npos) text.replace(pos, find.size(), replace);
  }
  return ExpandHashes(std::move(text));
}

absl::StatusOr<ExchangeConfig> ParseBase() {
  return ParseConfig(ExpandHashes(std::string(kBase)), "/opt/dazong/etc");
}

std::string SourcePath(std::string_view relative) {
  return (std::filesystem::path(DAZONG_SOURCE_DIR) / relative).lexically_normal().string();
}

// ---------------------------------------------------------------------------------------------
// The valid base config.

TEST(ConfigTest, BaseConfigParsesWithDefaults) {
  absl::StatusOr<ExchangeConfig> cfg = ParseBase();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->name, "Test Exchange");
  EXPECT_EQ(cfg->comp_id, "EXCH");
  EXPECT_EQ(cfg->fix.host, "0.0.0.0");
  EXPECT_EQ(cfg->fix.port, 9001);
  EXPECT_EQ(cfg->fix.heartbeat_seconds, 30);
  EXPECT_EQ(cfg->redis.host, "127.0.0.1");
  EXPECT_EQ(cfg->redis.port, 6390);
  EXPECT_EQ(cfg->redis.key_prefix, "dazong");
  EXPECT_EQ(cfg->http.host, "127.0.0.1");
  EXPECT_EQ(cfg->http.port, 8081);

  ASSERT_EQ(cfg->instruments.size(), 2u);
  const InstrumentConfig& rb = cfg->instruments[0];
  EXPECT_EQ(rb.id, InstrumentId(1));
  EXPECT_EQ(rb.symbol, "RB-1");
  EXPECT_EQ(rb.base_units_per_price_unit, 1000);
  EXPECT_EQ(rb.lot_size, Quantity::FromRaw(10000));
  EXPECT_EQ(rb.tick, Price::FromRaw(100));
  EXPECT_EQ(rb.reference_price, Price::FromRaw(365000));
  EXPECT_EQ(rb.price_band_bps, 500);
  EXPECT_EQ(rb.trading_modes,
            (std::vector<TradingMode>{TradingMode::kContinuous, TradingMode::kListing}));
  EXPECT_EQ(rb.fees.buyer_bps, 2);
  EXPECT_EQ(rb.fees.seller_bps, 3);
  EXPECT_EQ(rb.fees.minimum, Money::FromRaw(500));
  EXPECT_EQ(cfg->instruments[1].id, InstrumentId(2));
  EXPECT_EQ(cfg->instruments[1].fees.minimum, Money::FromRaw(0));

  ASSERT_EQ(cfg->members.size(), 2u);
  const MemberConfig& m1 = cfg->members[0];
  EXPECT_EQ(m1.id, MemberId(1));
  EXPECT_TRUE(m1.enabled);
  EXPECT_EQ(m1.api_token_hash, kHash);
  EXPECT_EQ(m1.related_members, std::vector<std::string>{"M2"});
  ASSERT_EQ(m1.sessions.size(), 2u);
  EXPECT_EQ(m1.sessions[0].role, SessionRole::kOrderEntry);
  EXPECT_TRUE(m1.sessions[0].cancel_on_disconnect);
  EXPECT_EQ(m1.sessions[0].throttle_per_second, 50);
  EXPECT_EQ(m1.sessions[1].role, SessionRole::kMarketData);
  EXPECT_TRUE(m1.sessions[1].enabled);
  EXPECT_FALSE(m1.sessions[1].cancel_on_disconnect);
  EXPECT_EQ(m1.sessions[1].throttle_per_second, 0);
  EXPECT_FALSE(cfg->members[1].enabled);

  ASSERT_EQ(cfg->warehouses.size(), 2u);
  EXPECT_EQ(cfg->warehouses[0].id, WarehouseId(1));
  EXPECT_EQ(cfg->warehouses[0].licence_expiry, "2028-06-30");
  EXPECT_EQ(cfg->warehouses[0].operator_name, "Operator A");
  EXPECT_EQ(cfg->warehouses[0].affiliates, std::vector<std::string>{"M2"});
  EXPECT_EQ(cfg->warehouses[1].receipt_range_first, 1u);
  EXPECT_EQ(cfg->warehouses[1].receipt_range_last, 5000u);
  ASSERT_EQ(cfg->banks.size(), 1u);
  ASSERT_EQ(cfg->supervisors.size(), 1u);
  EXPECT_EQ(cfg->supervisors[0].sessions.at(0).role, SessionRole::kDropCopy);

  ASSERT_EQ(cfg->indices.size(), 2u);
  const IndexConfig& single = cfg->indices[0];
  EXPECT_EQ(single.kind, IndexKind::kSingle);
  EXPECT_EQ(single.fixing_window_start, "14:30");
  EXPECT_EQ(single.fixing_window_end, "15:00");
  EXPECT_EQ(single.intraday_window_seconds, 300);
  EXPECT_EQ(single.min_volume, Quantity::FromRaw(100000));
  EXPECT_EQ(single.outlier_k_milli, 3000);
  EXPECT_EQ(single.base_value, 1000);
  const IndexConfig& composite = cfg->indices[1];
  EXPECT_EQ(composite.kind, IndexKind::kComposite);
  EXPECT_EQ(composite.weights, (std::vector<int64_t>{6000, 4000}));
  EXPECT_EQ(composite.intraday_window_seconds, 600);
  EXPECT_EQ(composite.outlier_k_milli, 2500);
  EXPECT_EQ(composite.base_date, "2026-01-05");
  EXPECT_EQ(composite.base_value, 100);
}

TEST(ConfigTest, TradingScheduleParses) {
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(
      Mutate(R"(trading_modes = ["call_auction"])", R"(trading_modes = ["call_auction"]
schedule = { utc_offset_minutes = 480, phases = [
  { at = "08:55", phase = "pre_open" }, { at = "08:59", phase = "opening_auction" },
  { at = "09:00", phase = "continuous" }, { at = "14:55", phase = "closing_auction" },
  { at = "15:00", phase = "closed" } ] })"),
      "/opt/dazong/etc");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->instruments[0].schedule.phases.empty());
  const TradingScheduleConfig& s = cfg->instruments[1].schedule;
  EXPECT_EQ(s.utc_offset_minutes, 480);
  ASSERT_EQ(s.phases.size(), 5u);
  EXPECT_EQ(s.phases[0].minute, 8 * 60 + 55);
  EXPECT_EQ(s.phases[0].phase, Phase::kPreOpen);
  EXPECT_EQ(s.phases[1].phase, Phase::kOpeningAuction);
  EXPECT_EQ(s.phases[2].phase, Phase::kContinuous);
  EXPECT_EQ(s.phases[3].phase, Phase::kClosingAuction);
  EXPECT_EQ(s.phases[4].minute, 15 * 60);
  EXPECT_EQ(s.phases[4].phase, Phase::kClosed);
}

TEST(ConfigTest, IndexMethodologyDefaults) {
  absl::StatusOr<ExchangeConfig> cfg = ParseBase();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const IndexConfig& single = cfg->indices[0];
  EXPECT_EQ(single.methodology_version, "1");
  EXPECT_EQ(single.effective_date, "");
  EXPECT_EQ(single.intraday_interval_seconds, 60);
  EXPECT_EQ(single.outlier_min_trades, 3);
  EXPECT_TRUE(single.weekdays_only);
  EXPECT_EQ(single.alert_move_bps, 500);
  EXPECT_EQ(single.alert_largest_share_bps, 8000);
  EXPECT_TRUE(single.alert_fallback);
  EXPECT_TRUE(single.alert_thresholds_missed);
  EXPECT_TRUE(single.links.empty());
  EXPECT_TRUE(single.versions.empty());
}

TEST(ConfigTest, IndexMethodologyVersionsAlertsAndLinks) {
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(
      Mutate("base_value = 100\n", R"(base_value = 100
methodology_version = "2026.1"
effective_date = "2026-01-05"
intraday_interval_seconds = 30
outlier_min_trades = 5
weekdays_only = false
alert_move_pct = "2.50"
alert_largest_share_pct = "60"
alert_fallback = false
alert_thresholds_missed = false
links = [
  { date = "2026-03-02", weights = [5000, 5000] },
  { date = 2026-06-01, weights = [7000, 3000] },
]

[[indices.versions]]
methodology_version = "2026.3"
effective_date = "2026-09-01"
min_trades = 7
alert_move_pct = "10"

[[indices.versions]]
methodology_version = "2026.2"
effective_date = "2026-04-01"
fixing_window = ["14:00", "14:30"]
weights = [5500, 4500]
)"),
      "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const IndexConfig& c = cfg->indices[1];
  EXPECT_EQ(c.methodology_version, "2026.1");
  EXPECT_EQ(c.effective_date, "2026-01-05");
  EXPECT_EQ(c.intraday_interval_seconds, 30);
  EXPECT_EQ(c.outlier_min_trades, 5);
  EXPECT_FALSE(c.weekdays_only);
  EXPECT_EQ(c.alert_move_bps, 250);
  EXPECT_EQ(c.alert_largest_share_bps, 6000);
  EXPECT_FALSE(c.alert_fallback);
  EXPECT_FALSE(c.alert_thresholds_missed);
  ASSERT_EQ(c.links.size(), 2u);
  EXPECT_EQ(c.links[1].date, "2026-06-01");
  EXPECT_EQ(c.links[1].weights, (std::vector<int64_t>{7000, 3000}));
  // Versions in effective-date order; each a full copy with its overrides.
  ASSERT_EQ(c.versions.size(), 2u);
  const IndexConfig& v2 = c.versions[0];
  EXPECT_EQ(v2.methodology_version, "2026.2");
  EXPECT_EQ(v2.fixing_window_start, "14:00");
  EXPECT_EQ(v2.weights, (std::vector<int64_t>{5500, 4500}));
  EXPECT_EQ(v2.min_trades, 5);           // inherited
  EXPECT_EQ(v2.alert_move_bps, 250);     // inherited
  EXPECT_EQ(v2.links.size(), 2u);        // inherited
  EXPECT_EQ(c.versions[1].min_trades, 7);
  EXPECT_EQ(c.versions[1].alert_move_bps, 1000);
  // Overrides apply to the [[indices]] entry, not to the previous version.
  EXPECT_EQ(v2.fixing_window_end, "14:30");
  EXPECT_EQ(c.versions[1].fixing_window_end, "15:00");
  EXPECT_EQ(c.versions[1].weights, (std::vector<int64_t>{6000, 4000}));
  EXPECT_TRUE(c.versions[1].versions.empty());
}

TEST(ConfigTest, IndexErrorsNameTheLine) {
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(
      Mutate("base_value = 100\n", "base_value = 100\nintraday_interval_seconds = 7\n"), "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(std::string(cfg.status().message()).find("(line "), std::string::npos)
      << cfg.status();
}

TEST(ConfigTest, Lookups) {
  absl::StatusOr<ExchangeConfig> cfg = ParseBase();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  ASSERT_NE(cfg->FindInstrument("CU-1"), nullptr);
  EXPECT_EQ(cfg->FindInstrument("CU-1")->id, InstrumentId(2));
  EXPECT_EQ(cfg->FindInstrument("cu-1"), nullptr);
  ASSERT_NE(cfg->FindInstrument(InstrumentId(1)), nullptr);
  EXPECT_EQ(cfg->FindInstrument(InstrumentId(1))->symbol, "RB-1");
  EXPECT_EQ(cfg->FindInstrument(InstrumentId(0)), nullptr);
  EXPECT_EQ(cfg->FindInstrument(InstrumentId(3)), nullptr);
  ASSERT_NE(cfg->FindMember(MemberId(2)), nullptr);
  EXPECT_EQ(cfg->FindMember(MemberId(2))->code, "M2");
  EXPECT_EQ(cfg->FindMember(MemberId(0)), nullptr);
  EXPECT_EQ(cfg->FindMember(MemberId(3)), nullptr);
  ASSERT_NE(cfg->FindMemberByCode("M1"), nullptr);
  EXPECT_EQ(cfg->FindMemberByCode("M1")->id, MemberId(1));
  EXPECT_EQ(cfg->FindMemberByCode("B1"), nullptr);

  std::optional<ExchangeConfig::SessionOwner> owner = cfg->FindSession("M1-MD");
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->member, &cfg->members[0]);
  EXPECT_EQ(owner->session, &cfg->members[0].sessions[1]);
  EXPECT_FALSE(cfg->FindSession("EXCH").has_value());
  EXPECT_FALSE(cfg->FindSession("S1-DC").has_value());  // supervisors are not members
  EXPECT_FALSE(cfg->FindSession("m1-md").has_value());
}

TEST(ConfigTest, NamesOfEnums) {
  EXPECT_EQ(TradingModeName(TradingMode::kContinuous), "continuous");
  EXPECT_EQ(TradingModeName(TradingMode::kCallAuction), "call_auction");
  EXPECT_EQ(TradingModeName(TradingMode::kListing), "listing");
  EXPECT_EQ(TradingModeName(TradingMode::kOneSidedAuction), "one_sided_auction");
  EXPECT_EQ(TradingModeName(TradingMode::kNegotiated), "negotiated");
  EXPECT_EQ(SessionRoleName(SessionRole::kOrderEntry), "order_entry");
  EXPECT_EQ(SessionRoleName(SessionRole::kMarketData), "market_data");
  EXPECT_EQ(SessionRoleName(SessionRole::kDropCopy), "drop_copy");
}

// ---------------------------------------------------------------------------------------------
// Paths.

TEST(ConfigTest, RelativePathsResolveAgainstBaseDir) {
  absl::StatusOr<ExchangeConfig> cfg = ParseBase();
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->data_dir, "/opt/dazong/etc/data");
  EXPECT_EQ(cfg->fix.dictionary_path, "/opt/dazong/etc/spec/FIX44.xml");

  cfg = ParseConfig(Mutate(R"(data_dir = "data")", R"(data_dir = "../var/./demo/../live")"),
                    "/opt/dazong/etc");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->data_dir, "/opt/dazong/var/live");
}

TEST(ConfigTest, AbsolutePathsAreOnlyNormalized) {
  absl::StatusOr<ExchangeConfig> cfg =
      ParseConfig(Mutate(R"(dictionary = "spec/FIX44.xml")",
                         R"(dictionary = "/usr/share//dazong/./FIX44.xml")"),
                  "/opt/dazong/etc");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->fix.dictionary_path, "/usr/share/dazong/FIX44.xml");
  EXPECT_EQ(cfg->data_dir, "/opt/dazong/etc/data");
}

TEST(ConfigTest, EmptyBaseDirKeepsPathsRelative) {
  absl::StatusOr<ExchangeConfig> cfg =
      ParseConfig(Mutate(R"(data_dir = "data")", R"(data_dir = "./a/../data")"), "");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->data_dir, "data");
}

// ---------------------------------------------------------------------------------------------
// Accepted variations.

TEST(ConfigTest, AcceptsLeapDayAndTomlNativeDate) {
  absl::StatusOr<ExchangeConfig> cfg =
      ParseConfig(Mutate(R"(licence_expiry = "2028-06-30")", "licence_expiry = 2028-02-29"), "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->warehouses[0].licence_expiry, "2028-02-29");
  cfg = ParseConfig(Mutate(R"(licence_expiry = "2028-06-30")", R"(licence_expiry = "2000-02-29")"),
                    "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
}

TEST(ConfigTest, SamePrefixWithDisjointRangesIsAccepted) {
  std::string text = Mutate(R"(receipt_prefix = "WB")", R"(receipt_prefix = "WA")");
  const std::string from = "receipt_range = [1, 5000]";
  text.replace(text.find(from), from.size(), "receipt_range = [1001, 5000]");
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(text, "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
}

TEST(ConfigTest, CnSpotProfileAllowsSpotModes) {
  std::string text = Mutate(R"(data_dir = "data")", "data_dir = \"data\"\nprofile = \"cn-spot\"");
  for (std::string_view from : {R"(["continuous", "listing"])", R"(["call_auction"])"}) {
    text.replace(text.find(from), from.size(), R"(["listing", "negotiated"])");
  }
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(text, "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->profile, "cn-spot");
}

TEST(ConfigTest, SequencerNiceAndJournalPrewriteDefaultToZeroAndAreRead) {
  const std::string base = Mutate(R"(data_dir = "data")", "data_dir = \"data\"");
  absl::StatusOr<ExchangeConfig> plain = ParseConfig(base, "/");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->sequencer_nice, 0);
  absl::StatusOr<ExchangeConfig> set =
      ParseConfig(Mutate(R"(data_dir = "data")", "data_dir = \"data\"\nsequencer_nice = -5"), "/");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->sequencer_nice, -5);
  EXPECT_EQ(plain->journal_wal_prewrite_mb, 0);
  auto prewrite = ParseConfig(Mutate(R"(data_dir = "data")", "data_dir = \"data\"\njournal_wal_prewrite_mb = 64"), "/");
  ASSERT_TRUE(prewrite.ok()) << prewrite.status();
  EXPECT_EQ(prewrite->journal_wal_prewrite_mb, 64);
}

TEST(ConfigTest, EmptyOptionalSectionsAreAccepted) {
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(R"(
[exchange]
name = "X"
comp_id = "X"
data_dir = "/d"
[fix]
port = 1
dictionary = "/f.xml"
[redis]
port = 2
[http]
port = 3
[[instruments]]
symbol = "A"
commodity = "a"
grade = "g"
price_unit = "t"
base_unit = "kg"
base_units_per_price_unit = 1
lot_size = 1
tick = "0.01"
reference_price = "0.01"
price_band_bps = 10000
trading_modes = ["negotiated"]
warehouses = ["W"]
fees = { buyer_bps = 0, seller_bps = 0 }
[[warehouses]]
code = "W"
name = "w"
licence = "l"
licence_expiry = "2030-01-01"
operator = "o"
receipt_prefix = "W"
receipt_range = [5, 5]
commodities = ["a"]
api_token_hash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"
)",
                                                   "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->members.empty());
  EXPECT_TRUE(cfg->banks.empty());
  EXPECT_TRUE(cfg->supervisors.empty());
  EXPECT_TRUE(cfg->indices.empty());
}

// ---------------------------------------------------------------------------------------------
// Errors that are not a single mutation of kBase.

TEST(ConfigTest, SyntaxErrorGivesLineAndColumn) {
  absl::StatusOr<ExchangeConfig> cfg =
      ParseConfig("[exchange]\nname = \"X\"\ncomp_id = = \"Y\"\n", "/");
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cfg.status().message().find("TOML syntax error at line 3, column"),
            absl::string_view::npos)
      << cfg.status();
}

TEST(ConfigTest, DuplicateTomlKeyIsASyntaxError) {
  absl::StatusOr<ExchangeConfig> cfg =
      ParseConfig(Mutate(R"(comp_id = "EXCH")", "comp_id = \"EXCH\"\ncomp_id = \"EXCH2\""), "/");
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cfg.status().message().find("line 5"), absl::string_view::npos) << cfg.status();
}

TEST(ConfigTest, NoInstrumentsIsAnError) {
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(R"(
[exchange]
name = "X"
comp_id = "X"
data_dir = "/d"
[fix]
port = 1
dictionary = "/f.xml"
[redis]
port = 2
[http]
port = 3
)",
                                                   "/");
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cfg.status().message().substr(0, 13), "instruments: ") << cfg.status();
  EXPECT_NE(cfg.status().message().find("at least one"), absl::string_view::npos);
}

TEST(ConfigTest, BadHashIsNeverEchoed) {
  absl::StatusOr<ExchangeConfig> cfg =
      ParseConfig(Mutate("name = \"Bank One\"\napi_token_hash = \"@HASH@\"",
                         "name = \"Bank One\"\napi_token_hash = \"hunter2-plaintext\""),
                  "/");
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cfg.status().message().substr(0, 24), "banks[0].api_token_hash:") << cfg.status();
  EXPECT_EQ(cfg.status().message().find("hunter2"), absl::string_view::npos) << cfg.status();
}

TEST(ConfigTest, LoadConfigFileNamesTheFile) {
  const std::string dir = testing::TempDir();
  const std::string path = (std::filesystem::path(dir) / "dazong_config_test_bad.toml").string();
  {
    std::ofstream out(path);
    out << Mutate(R"(tick = "1.00")", R"(tick = "0")");
  }
  absl::StatusOr<ExchangeConfig> cfg = LoadConfigFile(path);
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cfg.status().message().substr(0, path.size() + 21), path + ": instruments[0].tick")
      << cfg.status();
  std::filesystem::remove(path);

  cfg = LoadConfigFile(path);
  ASSERT_EQ(cfg.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(cfg.status().message().find(path), absl::string_view::npos) << cfg.status();
}

TEST(ConfigTest, LoadConfigFileResolvesAgainstTheFilesDirectory) {
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "dz_cfg_dir";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "exchange.toml").string();
  {
    std::ofstream out(path);
    out << ExpandHashes(std::string(kBase));
  }
  absl::StatusOr<ExchangeConfig> cfg = LoadConfigFile(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const std::filesystem::path absolute = std::filesystem::absolute(dir).lexically_normal();
  EXPECT_EQ(cfg->data_dir, (absolute / "data").string());
  EXPECT_EQ(cfg->fix.dictionary_path, (absolute / "spec/FIX44.xml").string());
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// One mutation of kBase per kind of error.

struct BadCase {
  const char* name;     // test name suffix
  const char* find;     // text in kBase ("" appends, "^" prepends)
  const char* replace;  // its replacement
  const char* path;     // the message must start with "<path>: "
  const char* reason;   // and contain this
};

class BadConfigTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, IsRejectedWithPathAndReason) {
  const BadCase& c = GetParam();
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(Mutate(c.find, c.replace), "/opt/dazong/etc");
  ASSERT_FALSE(cfg.ok()) << "accepted a config with: " << c.replace;
  EXPECT_EQ(cfg.status().code(), absl::StatusCode::kInvalidArgument) << cfg.status();
  const std::string message(cfg.status().message());
  const std::string prefix = std::string(c.path) + ": ";
  EXPECT_EQ(message.substr(0, prefix.size()), prefix) << message;
  EXPECT_NE(message.find(c.reason), std::string::npos)
      << "expected reason \"" << c.reason << "\" in: " << message;
}

const BadCase kBadCases[] = {
    // Structure: unknown keys, missing keys, wrong types.
    {"UnknownTopLevelKey", "^", "instrument_count = 2\n", "instrument_count", "unknown key"},
    {"UnknownSectionTypo", "[[banks]]", "[[bank]]", "bank", "unknown key"},
    {"UnknownInstrumentKey", R"(tick = "1.00")", R"(tick_size = "1.00")",
     "instruments[0].tick_size", "unknown key"},
    {"UnknownFeesKey", R"(minimum = "5.00")", R"(minimun = "5.00")", "instruments[0].fees.minimun",
     "unknown key"},
    // Trading timetables (instruments[1], the copper instrument).
    {"ScheduleUnknownPhase", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { phases = [ { at = "09:00", phase = "open" } ] })",
     "instruments[1].schedule.phases[0].phase", "unknown phase \"open\""},
    {"ScheduleTimesNotIncreasing", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { phases = [ { at = "09:00", phase = "continuous" }, { at = "09:00", phase = "closed" } ] })",
     "instruments[1].schedule.phases[1].at", "must be later than the entry before it (\"09:00\")"},
    {"ScheduleBadTime", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { phases = [ { at = "9:00", phase = "continuous" } ] })",
     "instruments[1].schedule.phases[0].at", "is not a time of day HH:MM"},
    {"ScheduleOffsetOutOfRange", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { utc_offset_minutes = 900, phases = [ { at = "09:00", phase = "continuous" } ] })",
     "instruments[1].schedule.utc_offset_minutes", "got 900"},
    {"ScheduleWithoutPhases", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { utc_offset_minutes = 480 })",
     "instruments[1].schedule.phases", "required key is missing"},
    {"ScheduleEmptyPhases", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { phases = [] })",
     "instruments[1].schedule.phases", "must list at least one"},
    {"ScheduleUnknownKey", R"(trading_modes = ["call_auction"])",
     R"(trading_modes = ["call_auction"]
schedule = { timezone = "Asia/Shanghai", phases = [ { at = "09:00", phase = "continuous" } ] })",
     "instruments[1].schedule.timezone", "unknown key"},
    {"UnknownSessionKey", "throttle_per_second = 50", "throttle = 50",
     "members[0].sessions[0].throttle", "unknown key"},
    {"UnknownQuotedKey", "[http]\n", "[http]\n\"bind address\" = \"x\"\n", "http.\"bind address\"",
     "unknown key"},
    {"MissingSection", "[http]\nport = 8081\n", "", "http", "required key is missing"},
    {"MissingKey", "data_dir = \"data\"\n", "", "exchange.data_dir", "required key is missing"},
    {"MissingInstrumentTick", "tick = \"10.00\"\n", "", "instruments[1].tick",
     "required key is missing"},
    {"MissingFees", "[instruments.fees]\nbuyer_bps = 1\nseller_bps = 1\n", "",
     "instruments[1].fees", "required key is missing"},
    {"SectionNotArrayOfTables", "[[banks]]", "[banks]", "banks", "must be an array of tables"},
    {"PortIsString", "port = 9001", "port = \"9001\"", "fix.port",
     "must be an integer, not a string"},
    {"EmptyName", R"(name = "Test Exchange")", R"(name = "")", "exchange.name",
     "must not be empty"},
    {"BoolIsString", "enabled = false", "enabled = \"no\"", "members[1].enabled",
     "must be a boolean"},
    // exchange, fix, redis, http.
    {"BadExchangeCompId", R"(comp_id = "EXCH")", R"(comp_id = "EX CH")", "exchange.comp_id",
     "is not a valid CompID"},
    {"UnknownProfile", "data_dir = \"data\"\n", "data_dir = \"data\"\nprofile = \"china\"\n",
     "exchange.profile", "unknown profile"},
    {"JournalWalPrewriteNegative", "data_dir = \"data\"\n", "data_dir = \"data\"\njournal_wal_prewrite_mb = -1\n",
     "exchange.journal_wal_prewrite_mb", "between 0 and 4096"},
    {"SequencerNiceTooLow", "data_dir = \"data\"\n", "data_dir = \"data\"\nsequencer_nice = -21\n",
     "exchange.sequencer_nice", "between -20 and 19"},
    {"SequencerNiceIsString", "data_dir = \"data\"\n",
     "data_dir = \"data\"\nsequencer_nice = \"high\"\n", "exchange.sequencer_nice",
     "must be an integer"},
    {"PortTooLarge", "port = 8081", "port = 70000", "http.port", "between 1 and 65535"},
    {"PortZero", "port = 6390", "port = 0", "redis.port", "between 1 and 65535"},
    {"HttpPortIsFixPort", "port = 8081", "port = 9001", "http.port", "is also fix.port"},
    {"HeartbeatZero", "port = 9001\n", "port = 9001\nheartbeat_seconds = 0\n",
     "fix.heartbeat_seconds", "between 1 and 300"},
    {"BadHost", "port = 9001\n", "port = 9001\nhost = \"0.0.0.0 \"\n", "fix.host",
     "not a host name or IP address"},
    {"BadRedisKeyPrefix", "port = 6390\n", "port = 6390\nkey_prefix = \"da zong\"\n",
     "redis.key_prefix", "is not a valid key prefix"},
    // Instruments.
    {"SymbolLowercase", R"(symbol = "RB-1")", R"(symbol = "rb-1")", "instruments[0].symbol",
     "is not a valid symbol"},
    {"SymbolTooLong", R"(symbol = "RB-1")", R"(symbol = "RB-1234567890ABCD")",
     "instruments[0].symbol", "1 to 16 characters"},
    {"DuplicateSymbol", R"(symbol = "CU-1")", R"(symbol = "RB-1")", "instruments[1].symbol",
     "\"RB-1\" is already used by instruments[0]"},
    {"BadCommodityName", R"(commodity = "rebar")", R"(commodity = "Rebar")",
     "instruments[0].commodity", "is not a valid commodity name"},
    {"BaseUnitsPerPriceUnitNegative", "base_units_per_price_unit = 1000\nlot_size = 10000",
     "base_units_per_price_unit = -1000\nlot_size = 10000",
     "instruments[0].base_units_per_price_unit", "must be a positive integer"},
    {"LotSizeZero", "lot_size = 10000", "lot_size = 0", "instruments[0].lot_size",
     "must be a positive integer, got 0"},
    {"LotSizeFloat", "lot_size = 5000", "lot_size = 5000.0", "instruments[1].lot_size",
     "must be an integer, not a floating-point number"},
    {"TickFloat", R"(tick = "1.00")", "tick = 1.0", "instruments[0].tick",
     "not a floating-point number"},
    {"TickThreeDecimals", R"(tick = "1.00")", R"(tick = "0.005")", "instruments[0].tick",
     "must be a positive multiple of 0.01 yuan: \"0.005\" is not a valid decimal: more than 2 "
     "decimal places"},
    {"TickZero", R"(tick = "10.00")", R"(tick = "0.00")", "instruments[1].tick",
     "must be a positive multiple of 0.01 yuan, got \"0.00\""},
    {"ReferencePriceInteger", R"(reference_price = "3650.00")", "reference_price = 3650",
     "instruments[0].reference_price", "must be a quoted decimal string such as"},
    {"ReferencePriceExponent", R"(reference_price = "3650.00")", R"(reference_price = "3.65e3")",
     "instruments[0].reference_price", "not a valid decimal"},
    {"ReferencePriceNegative", R"(reference_price = "3650.00")", R"(reference_price = "-3650.00")",
     "instruments[0].reference_price", "must be a positive price"},
    {"ReferencePriceOverflow", R"(reference_price = "3650.00")",
     R"(reference_price = "99999999999999999999.00")", "instruments[0].reference_price",
     "is too large"},
    {"ReferencePriceOffTick", R"(reference_price = "68500.00")", R"(reference_price = "68505.00")",
     "instruments[1].reference_price", "\"68505.00\" is not a multiple of the tick \"10.00\""},
    {"BandZero", "price_band_bps = 500", "price_band_bps = 0", "instruments[0].price_band_bps",
     "between 1 and 10000"},
    {"BandTooWide", "price_band_bps = 400", "price_band_bps = 10001",
     "instruments[1].price_band_bps", "between 1 and 10000"},
    {"TradingModesEmpty", R"(trading_modes = ["call_auction"])", "trading_modes = []",
     "instruments[1].trading_modes", "at least one"},
    {"TradingModeUnknown", R"(["continuous", "listing"])", R"(["continuous", "lsting"])",
     "instruments[0].trading_modes[1]", "unknown trading mode \"lsting\""},
    {"TradingModeDuplicate", R"(["continuous", "listing"])", R"(["continuous", "continuous"])",
     "instruments[0].trading_modes[1]", "listed twice"},
    {"TradingModeNotString", R"(["call_auction"])", "[2]", "instruments[1].trading_modes[0]",
     "must be a string, not an integer"},
    {"TradingModeForbiddenByProfile", "data_dir = \"data\"\n",
     "data_dir = \"data\"\nprofile = \"cn-spot\"\n", "instruments[0].trading_modes[0]",
     "not permitted under exchange.profile \"cn-spot\""},
    {"FeeBpsTooHigh", "buyer_bps = 2", "buyer_bps = 1001", "instruments[0].fees.buyer_bps",
     "between 0 and 1000"},
    {"FeeBpsNegative", "seller_bps = 3", "seller_bps = -1", "instruments[0].fees.seller_bps",
     "between 0 and 1000"},
    {"FeeMinimumFloat", R"(minimum = "5.00")", "minimum = 5.0", "instruments[0].fees.minimum",
     "not a floating-point number"},
    {"FeeMinimumNegative", R"(minimum = "5.00")", R"(minimum = "-5.00")",
     "instruments[0].fees.minimum", "must be a non-negative amount"},
    {"InstrumentWarehouseUnknown", R"(warehouses = ["WH-B"])", R"(warehouses = ["WH-Z"])",
     "instruments[1].warehouses[0]", "is not the code of any [[warehouses]] entry"},
    {"InstrumentWarehouseLacksCommodity", R"(warehouses = ["WH-B"])", R"(warehouses = ["WH-A"])",
     "instruments[1].warehouses[0]", "does not list commodity \"copper\""},
    {"InstrumentWarehousesEmpty", R"(warehouses = ["WH-B"])", "warehouses = []",
     "instruments[1].warehouses", "at least one"},
    // Members and sessions.
    {"DuplicateMemberCode", R"(code = "M2")", R"(code = "M1")", "members[1].code",
     "\"M1\" is already used by members[0]"},
    {"CodeSharedAcrossPrincipals", R"(code = "B1")", R"(code = "WH-A")", "banks[0].code",
     "\"WH-A\" is already used by warehouses[0]"},
    {"BadMemberCode", R"(code = "M2")", R"(code = "M 2")", "members[1].code",
     "is not a valid code"},
    {"RelatedMemberUnknown", R"(related_members = ["M2"])", R"(related_members = ["M9"])",
     "members[0].related_members[0]", "is not the code of any [[members]] entry"},
    {"RelatedMemberSelf", R"(related_members = ["M2"])", R"(related_members = ["M1"])",
     "members[0].related_members[0]", "cannot be related to itself"},
    {"MemberTokenNotAHash", "enabled = false\napi_token_hash = \"@HASH@\"",
     "enabled = false\napi_token_hash = \"secret\"", "members[1].api_token_hash",
     "must be an argon2id hash made with dazong-passwd"},
    {"SessionHashArgon2i",
     "comp_id = \"M2-OE\"\nrole = \"order_entry\"\npassword_hash = \"@HASH@\"",
     "comp_id = \"M2-OE\"\nrole = \"order_entry\"\npassword_hash = "
     "\"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
     "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY\"",
     "members[1].sessions[0].password_hash", "does not start with \"$argon2id$\""},
    {"SessionHashHugeMemory",
     "comp_id = \"M2-OE\"\nrole = \"order_entry\"\npassword_hash = \"@HASH@\"",
     "comp_id = \"M2-OE\"\nrole = \"order_entry\"\npassword_hash = "
     "\"$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
     "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY\"",
     "members[1].sessions[0].password_hash", "the memory cost must be"},
    {"SessionHashTruncated",
     "comp_id = \"M2-OE\"\nrole = \"order_entry\"\npassword_hash = \"@HASH@\"",
     "comp_id = \"M2-OE\"\nrole = \"order_entry\"\npassword_hash = "
     "\"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\"",
     "members[1].sessions[0].password_hash", "the hash part is missing"},
    {"CompIdDuplicateInMember", R"(comp_id = "M1-MD")", R"(comp_id = "M1-OE")",
     "members[0].sessions[1].comp_id", "\"M1-OE\" is already used by members[0].sessions[0]"},
    {"CompIdDuplicateAcrossMembers", R"(comp_id = "M2-OE")", R"(comp_id = "M1-MD")",
     "members[1].sessions[0].comp_id", "is already used by members[0].sessions[1]"},
    {"CompIdIsExchangeCompId", R"(comp_id = "M2-OE")", R"(comp_id = "EXCH")",
     "members[1].sessions[0].comp_id", "\"EXCH\" is already used by exchange.comp_id"},
    {"SupervisorCompIdUsedByMember", R"(comp_id = "S1-DC")", R"(comp_id = "M1-OE")",
     "supervisors[0].sessions[0].comp_id", "is already used by members[0].sessions[0]"},
    {"BadSessionCompId", R"(comp_id = "M2-OE")", R"(comp_id = "M2/OE")",
     "members[1].sessions[0].comp_id", "is not a valid CompID"},
    {"MemberDropCopySession", R"(role = "market_data")", R"(role = "drop_copy")",
     "members[0].sessions[1].role", "drop_copy sessions are for supervisors only"},
    {"SupervisorOrderEntrySession", R"(role = "drop_copy")", R"(role = "order_entry")",
     "supervisors[0].sessions[0].role", "supervisors cannot enter orders"},
    {"UnknownSessionRole", R"(role = "drop_copy")", R"(role = "dropcopy")",
     "supervisors[0].sessions[0].role", "unknown session role \"dropcopy\""},
    {"CancelOnDisconnectForMarketData", "role = \"market_data\"\n",
     "role = \"market_data\"\ncancel_on_disconnect = true\n",
     "members[0].sessions[1].cancel_on_disconnect", "only order_entry sessions"},
    {"ThrottleNegative", "throttle_per_second = 50", "throttle_per_second = -5",
     "members[0].sessions[0].throttle_per_second", "between 0 and 100000"},
    // Warehouses.
    {"AffiliateUnknown", R"(affiliates = ["M2"])", R"(affiliates = ["M7"])",
     "warehouses[0].affiliates[0]", "is not the code of any [[members]] entry"},
    {"LicenceExpiryNotADay", R"(licence_expiry = "2028-06-30")", R"(licence_expiry = "2027-02-29")",
     "warehouses[0].licence_expiry", "\"2027-02-29\" is not a calendar date written YYYY-MM-DD"},
    {"LicenceExpiryBadFormat", R"(licence_expiry = "2027-12-31")",
     R"(licence_expiry = "2027/12/31")", "warehouses[1].licence_expiry", "is not a calendar date"},
    {"LicenceExpiryMonth13", R"(licence_expiry = "2027-12-31")", R"(licence_expiry = "2027-13-01")",
     "warehouses[1].licence_expiry", "is not a calendar date"},
    {"DuplicateLicence", R"(licence = "LIC-B")", R"(licence = "LIC-A")", "warehouses[1].licence",
     "\"LIC-A\" is already used by warehouses[0]"},
    {"BadReceiptPrefix", R"(receipt_prefix = "WA")", R"(receipt_prefix = "wa")",
     "warehouses[0].receipt_prefix", "is not a valid receipt prefix"},
    {"ReceiptRangeReversed", "receipt_range = [1, 1000]", "receipt_range = [1000, 1]",
     "warehouses[0].receipt_range", "first (1000) must not be greater than last (1)"},
    {"ReceiptRangeOneNumber", "receipt_range = [1, 5000]", "receipt_range = [1]",
     "warehouses[1].receipt_range", "must be an array of two integers"},
    {"ReceiptRangeStartsAtZero", "receipt_range = [1, 1000]", "receipt_range = [0, 1000]",
     "warehouses[0].receipt_range[0]", "at least 1"},
    {"ReceiptRangesOverlap", R"(receipt_prefix = "WB")", R"(receipt_prefix = "WA")",
     "warehouses[1].receipt_range",
     "[1, 5000] overlaps warehouses[0].receipt_range [1, 1000] with the same receipt_prefix"},
    {"CommoditiesEmpty", R"(commodities = ["copper", "rebar"])", "commodities = []",
     "warehouses[1].commodities", "at least one"},
    {"CommoditiesDuplicate", R"(commodities = ["copper", "rebar"])",
     R"(commodities = ["copper", "copper"])", "warehouses[1].commodities[1]", "listed twice"},
    // Indices.
    {"IndexInstrumentUnknown", R"(instruments = ["RB-1"])", R"(instruments = ["XX-1"])",
     "indices[0].instruments[0]", "is not the symbol of any [[instruments]] entry"},
    {"SingleIndexWithTwoInstruments", R"(instruments = ["RB-1"])",
     R"(instruments = ["RB-1", "CU-1"])", "indices[0].instruments",
     "a single index has exactly one instrument"},
    {"SingleIndexWithWeights", R"(instruments = ["RB-1"])",
     "instruments = [\"RB-1\"]\nweights = [10000]", "indices[0].weights",
     "only composite indices have weights"},
    {"CompositeWithOneInstrument", R"(instruments = ["RB-1", "CU-1"])", R"(instruments = ["RB-1"])",
     "indices[1].instruments", "at least two instruments"},
    {"CompositeWeightCount", "weights = [6000, 4000]", "weights = [10000]", "indices[1].weights",
     "has 1 weight for 2 instruments"},
    {"CompositeWeightSum", "weights = [6000, 4000]", "weights = [6000, 3000]", "indices[1].weights",
     "must sum to 10000 basis points, sum is 9000"},
    {"CompositeWeightZero", "weights = [6000, 4000]", "weights = [10000, 0]",
     "indices[1].weights[1]", "between 1 and 10000"},
    {"CompositeMissingBaseDate", "base_date = \"2026-01-05\"\n", "", "indices[1].base_date",
     "required key is missing"},
    {"CompositeBadBaseDate", R"(base_date = "2026-01-05")", R"(base_date = "2026-1-5")",
     "indices[1].base_date", "is not a calendar date"},
    {"FixingWindowReversed", R"(fixing_window = ["14:30", "15:00"])",
     R"(fixing_window = ["15:00", "14:30"])", "indices[0].fixing_window",
     "the window must start before it ends"},
    {"FixingWindowBadTime", R"(fixing_window = ["14:30", "15:00"])",
     R"(fixing_window = ["14:30", "24:00"])", "indices[0].fixing_window[1]",
     "\"24:00\" is not a time of day HH:MM"},
    {"OutlierKFloat", R"(outlier_k = "3.0")", "outlier_k = 3.0", "indices[0].outlier_k",
     "must be a quoted decimal string such as \"3.0\", not a floating-point number"},
    {"OutlierKZero", R"(outlier_k = "3.0")", R"(outlier_k = "0")", "indices[0].outlier_k",
     "must be a positive decimal"},
    {"UnknownIndexKind", R"(kind = "single")", R"(kind = "basket")", "indices[0].kind",
     "unknown index kind \"basket\""},
    {"DuplicateIndexId", R"(id = "IX-ALL")", R"(id = "IX-RB")", "indices[1].id",
     "\"IX-RB\" is already used by indices[0]"},
    {"MinDistinctBuyersZero", "min_distinct_buyers = 2", "min_distinct_buyers = 0",
     "indices[0].min_distinct_buyers", "must be a positive integer"},
    {"MinVolumeNegative", "min_volume = 0", "min_volume = -1", "indices[1].min_volume",
     "must not be negative"},
    {"IndexMissingMinTrades", "min_trades = 3\n", "", "indices[0].min_trades",
     "required key is missing"},
    // Index methodology: versions, alert thresholds, link dates.
    {"AlertMovePctFloat", "base_value = 100\n", "base_value = 100\nalert_move_pct = 5.0\n",
     "indices[1].alert_move_pct", "must be a quoted decimal string"},
    {"AlertLargestShareOver100", "base_value = 100\n",
     "base_value = 100\nalert_largest_share_pct = \"120.00\"\n",
     "indices[1].alert_largest_share_pct", "at most 100.00"},
    {"AlertFallbackNotBool", "base_value = 100\n", "base_value = 100\nalert_fallback = \"no\"\n",
     "indices[1].alert_fallback", "must be a boolean"},
    {"IntervalNotDividingDay", "base_value = 100\n",
     "base_value = 100\nintraday_interval_seconds = 7\n", "indices[1].intraday_interval_seconds",
     "must divide a day"},
    {"OutlierMinTradesTwo", "base_value = 100\n", "base_value = 100\noutlier_min_trades = 2\n",
     "indices[1].outlier_min_trades", "must be at least 3, got 2"},
    {"LinksOnSingle", R"(outlier_k = "3.0")",
     "outlier_k = \"3.0\"\nlinks = [{ date = \"2026-03-02\", weights = [10000] }]",
     "indices[0].links", "only composite indices have link dates"},
    {"LinkBeforeBaseDate", "base_value = 100\n",
     "base_value = 100\nlinks = [{ date = \"2026-01-05\", weights = [5000, 5000] }]\n",
     "indices[1].links[0].date", "must be after the base date"},
    {"LinkWeightSum", "base_value = 100\n",
     "base_value = 100\nlinks = [{ date = \"2026-03-02\", weights = [5000, 4000] }]\n",
     "indices[1].links[0].weights", "must sum to 10000"},
    {"LinkDatesOutOfOrder", "base_value = 100\n",
     "base_value = 100\nlinks = [{ date = \"2026-03-02\", weights = [5000, 5000] }, "
     "{ date = \"2026-02-02\", weights = [5000, 5000] }]\n",
     "indices[1].links[1].date", "increasing order"},
    {"LinkUnknownKey", "base_value = 100\n",
     "base_value = 100\nlinks = [{ day = \"2026-03-02\", weights = [5000, 5000] }]\n",
     "indices[1].links[0].day", "unknown key"},
    {"VersionMissingEffectiveDate", "", "\n[[indices.versions]]\nmethodology_version = \"2\"\n",
     "indices[1].versions[0].effective_date", "required key is missing"},
    {"VersionMissingLabel", "", "\n[[indices.versions]]\neffective_date = \"2026-03-02\"\n",
     "indices[1].versions[0].methodology_version", "required key is missing"},
    {"VersionReusesLabel", "",
     "\n[[indices.versions]]\nmethodology_version = \"1\"\neffective_date = \"2026-03-02\"\n",
     "indices[1].versions[0].methodology_version", "already used by this index"},
    {"VersionUnknownKey", "",
     "\n[[indices.versions]]\nmethodology_version = \"2\"\neffective_date = \"2026-03-02\"\n"
     "instruments = [\"RB-1\"]\n",
     "indices[1].versions[0].instruments", "unknown key"},
    {"VersionsSameDate", "",
     "\n[[indices.versions]]\nmethodology_version = \"2\"\neffective_date = \"2026-03-02\"\n"
     "\n[[indices.versions]]\nmethodology_version = \"3\"\neffective_date = \"2026-03-02\"\n",
     "indices[1].versions[1].effective_date", "two versions take effect on \"2026-03-02\""},
    {"VersionBeforeEntry", "base_value = 100\n",
     "base_value = 100\neffective_date = \"2026-02-01\"\n"
     "\n[[indices.versions]]\nmethodology_version = \"2\"\neffective_date = \"2026-01-15\"\n",
     "indices[1].versions[0].effective_date", "must take effect after"},
    {"VersionBadOverride", "",
     "\n[[indices.versions]]\nmethodology_version = \"2\"\neffective_date = \"2026-03-02\"\n"
     "weights = [10000]\n",
     "indices[1].versions[0].weights", "one weight per instrument"},
};

INSTANTIATE_TEST_SUITE_P(Config, BadConfigTest, testing::ValuesIn(kBadCases),
                         [](const testing::TestParamInfo<BadCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

// ---------------------------------------------------------------------------------------------
// config/demo.toml.

class DemoConfigTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_ = new absl::StatusOr<ExchangeConfig>(LoadConfigFile(SourcePath("config/demo.toml")));
  }
  static void TearDownTestSuite() {
    delete demo_;
    demo_ = nullptr;
  }
  static const ExchangeConfig& demo() { return **demo_; }
  static absl::StatusOr<ExchangeConfig>* demo_;
};

absl::StatusOr<ExchangeConfig>* DemoConfigTest::demo_ = nullptr;

TEST_F(DemoConfigTest, LoadsWithExpectedSettings) {
  ASSERT_TRUE(demo_->ok()) << demo_->status();
  EXPECT_EQ(demo().comp_id, "DAZONG");
  EXPECT_EQ(demo().data_dir, SourcePath("var/demo"));
  EXPECT_EQ(demo().fix.port, 9878);
  EXPECT_EQ(demo().fix.dictionary_path, SourcePath("fix_gateway/spec/FIX44-dazong.xml"));
  EXPECT_EQ(demo().redis.host, "127.0.0.1");
  EXPECT_EQ(demo().redis.port, 6390);
  EXPECT_EQ(demo().redis.key_prefix, "dazong");
  EXPECT_EQ(demo().http.port, 8088);
  EXPECT_EQ(demo().profile, "unrestricted");
}

TEST_F(DemoConfigTest, HasTheDocumentedInstruments) {
  ASSERT_TRUE(demo_->ok()) << demo_->status();
  ASSERT_GE(demo().instruments.size(), 3u);
  const InstrumentConfig* rebar = demo().FindInstrument("RB-HRB400E");
  ASSERT_NE(rebar, nullptr);
  EXPECT_EQ(rebar->id, InstrumentId(1));
  EXPECT_EQ(rebar->base_units_per_price_unit, 1000);
  EXPECT_EQ(rebar->lot_size, Quantity::FromRaw(10000));
  EXPECT_EQ(rebar->tick, Price::FromRaw(100));
  EXPECT_EQ(rebar->reference_price, Price::FromRaw(365000));
  EXPECT_EQ(rebar->price_band_bps, 500);
  const InstrumentConfig* copper = demo().FindInstrument("CU-CATH-1");
  ASSERT_NE(copper, nullptr);
  EXPECT_EQ(copper->lot_size, Quantity::FromRaw(5000));
  EXPECT_EQ(copper->tick, Price::FromRaw(1000));
  EXPECT_EQ(copper->reference_price, Price::FromRaw(6850000));
  const InstrumentConfig* meal = demo().FindInstrument("SM-43");
  ASSERT_NE(meal, nullptr);
  EXPECT_EQ(meal->reference_price, Price::FromRaw(320000));
  for (const InstrumentConfig& instrument : demo().instruments) {
    EXPECT_FALSE(instrument.trading_modes.empty()) << instrument.symbol;
    EXPECT_FALSE(instrument.warehouses.empty()) << instrument.symbol;
    EXPECT_EQ(demo().FindInstrument(instrument.id), &instrument);
  }
}

TEST_F(DemoConfigTest, HasMembersWarehousesAndIndices) {
  ASSERT_TRUE(demo_->ok()) << demo_->status();
  ASSERT_GE(demo().members.size(), 4u);
  std::optional<ExchangeConfig::SessionOwner> huaxin = demo().FindSession("HUAXIN-OE");
  ASSERT_TRUE(huaxin.has_value());
  EXPECT_EQ(huaxin->member->code, "M001");
  EXPECT_EQ(huaxin->session->role, SessionRole::kOrderEntry);
  bool some_related = false;
  for (const MemberConfig& member : demo().members) {
    EXPECT_EQ(demo().FindMember(member.id), &member);
    bool has_order_entry = false;
    for (const FixSessionConfig& s : member.sessions) {
      has_order_entry |= s.role == SessionRole::kOrderEntry;
    }
    EXPECT_TRUE(has_order_entry) << member.code;
    some_related |= !member.related_members.empty();
  }
  EXPECT_TRUE(some_related);

  ASSERT_GE(demo().warehouses.size(), 3u);
  bool some_affiliated = false;
  for (const WarehouseConfig& w : demo().warehouses) some_affiliated |= !w.affiliates.empty();
  EXPECT_TRUE(some_affiliated);
  EXPECT_GE(demo().banks.size(), 1u);
  ASSERT_GE(demo().supervisors.size(), 1u);
  EXPECT_EQ(demo().supervisors[0].sessions.at(0).role, SessionRole::kDropCopy);

  size_t singles = 0;
  const IndexConfig* bulk = nullptr;
  for (const IndexConfig& index : demo().indices) {
    if (index.kind == IndexKind::kSingle) ++singles;
    if (index.id == "DZ-BULK") bulk = &index;
  }
  EXPECT_EQ(singles, demo().instruments.size());
  ASSERT_NE(bulk, nullptr);
  EXPECT_EQ(bulk->kind, IndexKind::kComposite);
  EXPECT_EQ(std::accumulate(bulk->weights.begin(), bulk->weights.end(), int64_t{0}), 10000);
}

// The documented demo secrets match the hashes (see docs/demo-credentials.md).
TEST_F(DemoConfigTest, DocumentedSecretsMatch) {
  ASSERT_TRUE(demo_->ok()) << demo_->status();
  std::optional<ExchangeConfig::SessionOwner> huaxin = demo().FindSession("HUAXIN-OE");
  ASSERT_TRUE(huaxin.has_value());
  EXPECT_TRUE(VerifySecret(huaxin->session->password_hash, "demo-HUAXIN-OE"));
  EXPECT_TRUE(VerifySecret(huaxin->member->api_token_hash, "demo-token-M001"));
}

// ---------------------------------------------------------------------------------------------
// Credentials.

TEST(CredentialsTest, HashVerifyRoundTrip) {
  absl::StatusOr<std::string> hash = HashSecret("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifySecret(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifySecret(*hash, "correct horse battery stapl"));

  // A fresh salt each time.
  absl::StatusOr<std::string> again = HashSecret("correct horse battery staple");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(*hash, *again);

  // What dazong-passwd prints is accepted by the config loader.
  std::string text = ExpandHashes(std::string(kBase));
  const std::string key = std::string("api_token_hash = \"") + std::string(kHash) + "\"";
  text.replace(text.find(key), key.size(), "api_token_hash = \"" + *hash + "\"");
  absl::StatusOr<ExchangeConfig> cfg = ParseConfig(text, "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->members[0].api_token_hash, *hash);
}

TEST(CredentialsTest, MalformedHashesNeverMatch) {
  EXPECT_FALSE(VerifySecret("", "x"));
  EXPECT_FALSE(VerifySecret("x", "x"));
  EXPECT_FALSE(VerifySecret("$argon2id$", ""));
  EXPECT_FALSE(VerifySecret(kHash.substr(0, kHash.size() - 5), "x"));
  EXPECT_FALSE(VerifySecret(std::string(200, '$'), "x"));
  EXPECT_FALSE(VerifySecret(std::string("$argon2id$v=19$m=65536,t=2,p=1$\0abc", 36), "x"));
  EXPECT_FALSE(VerifySecret(std::string("$argon2i$") + std::string(kHash.substr(10)), "x"));
}

TEST(CredentialsTest, EmptySecretIsRefused) {
  EXPECT_EQ(HashSecret("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dazong
