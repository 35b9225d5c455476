// ExchangeConfig: everything the daemon is configured with, loaded from one TOML file.
//
// LoadConfigFile() validates the whole file and returns InvalidArgument naming the first bad
// key by its TOML path (e.g. "instruments[2].tick: must be positive") when anything is wrong;
// the daemon refuses to start on such an error. Relative paths in the file are resolved
// against the directory that holds the file. docs/configuration.md documents every key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/phase.h"

namespace dazong {

enum class TradingMode : uint8_t {
  kContinuous = 1,  // anonymous continuous matching (CLOB)
  kCallAuction = 2, // periodic call auctions
  kListing = 3,     // 挂牌/摘牌: list specific receipts or a bid, others take it
  kOneSidedAuction = 4,  // 单向竞价 / 竞卖
  kNegotiated = 5,  // 协议交易
};
// "continuous", "call_auction", "listing", "one_sided_auction", "negotiated".
std::string_view TradingModeName(TradingMode mode);

struct FeeSchedule {
  int64_t buyer_bps = 0;   // basis points of notional charged to the buyer
  int64_t seller_bps = 0;  // basis points of notional charged to the seller
  Money minimum;           // minimum fee per side per trade, fen
};

// The daily phase timetable of an instrument, in local exchange time. Each entry switches the
// instrument to `phase` at minute `minute` of the local day; the last entry of a day holds
// until the first entry of the next day. Empty: no timetable, the instrument trades
// continuously from start-up and only the operator changes its phase.
struct ScheduledPhase {
  int minute = 0;  // minutes after local midnight, 0..1439; strictly increasing in a schedule
  Phase phase = Phase::kContinuous;
};
struct TradingScheduleConfig {
  int64_t utc_offset_minutes = 480;  // local time = UTC + offset (Beijing: +480)
  std::vector<ScheduledPhase> phases;
};

struct InstrumentConfig {
  InstrumentId id;             // 1-based position in the file
  std::string symbol;          // e.g. "RB-HRB400E"; unique; [A-Z0-9-]{1,16}
  std::string commodity;       // e.g. "rebar"
  std::string grade;           // e.g. "HRB400E 20mm"
  std::string price_unit;      // e.g. "t": prices are fen per price unit
  std::string base_unit;       // e.g. "kg": quantities are base units
  int64_t base_units_per_price_unit = 1;  // e.g. 1000 kg per t
  Quantity lot_size;           // orders are whole multiples of this (base units)
  Price tick;                  // prices are whole multiples of this (fen per price unit)
  Price reference_price;       // centre of the static price band at start of day
  int64_t price_band_bps = 0;  // limit up / down, basis points of the reference price
  std::vector<TradingMode> trading_modes;
  FeeSchedule fees;
  std::vector<std::string> warehouses;  // warehouse codes whose receipts are deliverable
  int64_t max_orders = 1 << 16;          // resting orders the book holds
  int64_t depth_levels = 5;              // aggregated levels published as depth
  // Volatility interruption: a trade more than volatility_bps from the dynamic reference
  // (the last trade price, refreshed every volatility_window_seconds) starts a call auction
  // of volatility_auction_seconds. 0 bps: off.
  int64_t volatility_bps = 0;
  int64_t volatility_window_seconds = 0;
  int64_t volatility_auction_seconds = 60;
  TradingScheduleConfig schedule;
};

enum class SessionRole : uint8_t { kOrderEntry = 1, kMarketData = 2, kDropCopy = 3 };
// "order_entry", "market_data", "drop_copy".
std::string_view SessionRoleName(SessionRole role);

struct FixSessionConfig {
  std::string comp_id;        // the member's SenderCompID; unique across the file
  SessionRole role = SessionRole::kOrderEntry;
  std::string password_hash;  // libsodium crypto_pwhash_str (argon2id) of the Password(554)
  bool enabled = true;
  bool cancel_on_disconnect = false;
  int32_t throttle_per_second = 0;  // 0: no throttle
};

struct MemberConfig {
  MemberId id;          // 1-based position in the file
  std::string code;     // e.g. "M001"; unique
  std::string name;
  bool enabled = true;
  std::vector<FixSessionConfig> sessions;
  std::string api_token_hash;            // crypto_pwhash_str of the HTTP bearer token
  std::vector<std::string> related_members;  // member codes treated as related parties
  // Applied to the member's orders unless an order asks for a mode itself (FIX tag 20040).
  SelfTradePrevention self_trade_prevention = SelfTradePrevention::kNone;
};

struct WarehouseConfig {
  WarehouseId id;               // 1-based position in the file
  std::string code;             // e.g. "WH-SH-01"; unique
  std::string name;
  std::string licence;          // licence number
  std::string licence_expiry;   // YYYY-MM-DD
  std::string operator_name;
  std::vector<std::string> affiliates;  // member codes affiliated with the warehouse
  std::string receipt_prefix;   // receipt numbers are prefix + zero-padded number in range
  uint64_t receipt_range_first = 0;
  uint64_t receipt_range_last = 0;
  std::vector<std::string> commodities;
  std::string api_token_hash;
};

struct BankConfig {
  std::string code;
  std::string name;
  std::string api_token_hash;
};

struct SupervisorConfig {
  std::string code;
  std::string name;
  std::string api_token_hash;
  std::vector<FixSessionConfig> sessions;  // drop-copy sessions
};

// An exchange operator: may freeze receipts, change instrument phases, halt, resume and
// mass-cancel through the HTTP API.
struct OperatorConfig {
  std::string code;
  std::string name;
  std::string api_token_hash;
};

enum class IndexKind : uint8_t { kSingle = 1, kComposite = 2 };

// A composite's weight re-set: from the day after `date` the weights (basis points) apply,
// chained to the level of `date`.
struct IndexLinkConfig {
  std::string date;  // YYYY-MM-DD
  std::vector<int64_t> weights;
};

struct IndexConfig {
  std::string id;    // e.g. "DZ-RB"; unique
  std::string name;
  IndexKind kind = IndexKind::kSingle;
  std::vector<std::string> instruments;  // symbols
  std::vector<int64_t> weights;          // composite only: one per instrument, basis points
  std::string fixing_window_start;       // HH:MM, exchange local time (Asia/Shanghai)
  std::string fixing_window_end;         // HH:MM
  int64_t intraday_window_seconds = 300;
  int64_t min_trades = 1;
  Quantity min_volume;
  int64_t min_distinct_buyers = 1;
  int64_t min_distinct_sellers = 1;
  int64_t outlier_k_milli = 3000;        // MAD multiplier k × 1000
  std::string base_date;                 // YYYY-MM-DD (composite)
  int64_t base_value = 1000;
  // Methodology (docs/configuration.md, [[indices]]; docs/index-methodology.md).
  std::string methodology_version = "1";
  std::string effective_date;              // YYYY-MM-DD; "" = from the beginning
  int64_t intraday_interval_seconds = 60;  // divides 86400
  int64_t outlier_min_trades = 3;
  bool weekdays_only = true;
  int64_t alert_move_bps = 500;            // alert_move_pct × 100
  int64_t alert_largest_share_bps = 8000;  // alert_largest_share_pct × 100
  bool alert_fallback = true;
  bool alert_thresholds_missed = true;
  std::vector<IndexLinkConfig> links;      // composite: weight re-sets, date order
  // Later methodology versions ([[indices.versions]]): complete copies of this entry with the
  // version's overrides applied, in effective-date order; their own `versions` are empty.
  std::vector<IndexConfig> versions;
};

struct FixConfig {
  std::string host = "0.0.0.0";
  uint16_t port = 0;
  int32_t heartbeat_seconds = 30;
  std::string dictionary_path;  // the exchange's FIX 4.4 data dictionary XML
  // Messages one session's outbound queue holds; a session that falls this far behind is
  // disconnected as a slow consumer.
  int32_t outbound_queue = 16384;
};

struct RedisConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string key_prefix = "dazong";
};

struct HttpConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

struct ExchangeConfig {
  std::string name;
  std::string comp_id;   // the exchange's SenderCompID
  std::string data_dir;  // RocksDB, FIX session stores and logs live below it
  // "unrestricted" (every trading mode may be enabled) or "cn-spot" (only listing, one-sided
  // auction and negotiated trade, as Chinese spot-market rules require).
  std::string profile = "unrestricted";
  // Nice value of the sequencer thread (and its committer), -20..19. Below the process's own
  // value it needs CAP_SYS_NICE; the daemon warns and keeps the process's value if refused.
  // A higher priority than the gateway's threads keeps the threads it wakes while handing out
  // a group's reports from preempting it before the next group's synced write starts.
  int sequencer_nice = 0;
  // Size in MiB of the journal's write-ahead log files, taken from a pool of files written
  // with zeros ahead of use so that each synced group overwrites instead of appending (about
  // half the sync latency and CPU on a journaling file system); 0: RocksDB's own log files.
  int journal_wal_prewrite_mb = 0;
  FixConfig fix;
  RedisConfig redis;
  HttpConfig http;
  std::vector<InstrumentConfig> instruments;
  std::vector<MemberConfig> members;
  std::vector<WarehouseConfig> warehouses;
  std::vector<BankConfig> banks;
  std::vector<SupervisorConfig> supervisors;
  std::vector<OperatorConfig> operators;
  std::vector<IndexConfig> indices;

  const InstrumentConfig* FindInstrument(std::string_view symbol) const;
  const InstrumentConfig* FindInstrument(InstrumentId id) const;
  const MemberConfig* FindMember(MemberId id) const;
  const MemberConfig* FindMemberByCode(std::string_view code) const;
  // The member and session that own a FIX SenderCompID, if any.
  struct SessionOwner {
    const MemberConfig* member = nullptr;
    const FixSessionConfig* session = nullptr;
  };
  std::optional<SessionOwner> FindSession(std::string_view comp_id) const;
};

// The static price band of an instrument: prices in [low, high] are accepted.
struct PriceBand {
  Price low;
  Price high;
};
// Band = reference × (1 ± bps/10000), rounded inward to whole ticks.
PriceBand ComputePriceBand(const InstrumentConfig& instrument);

// Parses and validates TOML text. `base_dir` resolves relative paths.
absl::StatusOr<ExchangeConfig> ParseConfig(std::string_view toml_text, std::string_view base_dir);
// Reads, parses and validates a file; errors name the file.
absl::StatusOr<ExchangeConfig> LoadConfigFile(const std::string& path);

}  // namespace dazong
