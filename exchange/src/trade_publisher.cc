#include "dazong/exchange/trade_publisher.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "dazong/common/thread_name.h"
#include "spdlog/spdlog.h"

namespace dazong::exchange {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

constexpr uint64_t kBatch = 256;  // trades per pipelined round trip

}  // namespace

// One hiredis connection; reconnects on demand.
class TradePublisher::Connection {
 public:
  Connection(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~Connection() { Close(); }

  bool Ensure() {
    if (ctx_ != nullptr) return true;
    timeval timeout{1, 0};
    ctx_ = redisConnectWithTimeout(host_.c_str(), port_, timeout);
    if (ctx_ == nullptr || ctx_->err) {
      if (ctx_ != nullptr) last_error_ = ctx_->errstr;
      Close();
      return false;
    }
    redisSetTimeout(ctx_, timeout);
    return true;
  }

  // Runs a command; nullptr (and the connection closed) on an I/O error.
  Reply Command(const std::vector<std::string>& args) {
    if (!Append(args)) return nullptr;
    return GetReply();
  }

  // Pipelining: Append queues a command in the output buffer (sent by the first GetReply);
  // GetReply returns the replies in order. false / nullptr (and the connection closed) on an
  // I/O error.
  bool Append(const std::vector<std::string>& args) {
    if (!Ensure()) return false;
    argv_.clear();
    lens_.clear();
    for (const std::string& a : args) {
      argv_.push_back(a.data());
      lens_.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv_.data(), lens_.data()) != REDIS_OK) {
      last_error_ = ctx_->errstr;
      Close();
      return false;
    }
    return true;
  }
  Reply GetReply() {
    if (ctx_ == nullptr) return nullptr;
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      last_error_ = ctx_->errstr;
      Close();
      return nullptr;
    }
    return Reply(static_cast<redisReply*>(raw));
  }

  const std::string& last_error() const { return last_error_; }

 private:
  void Close() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }

  std::string host_;
  int port_;
  redisContext* ctx_ = nullptr;
  std::vector<const char*> argv_;
  std::vector<size_t> lens_;
  std::string last_error_;
};

std::string TradePublisher::StreamKey(const std::string& prefix, const std::string& symbol) {
  return absl::StrCat(prefix, ":trades:", symbol);
}

TradePublisher::TradePublisher(const ExchangeConfig& config, const JournalStore& store)
    : config_(config), store_(store) {}

TradePublisher::~TradePublisher() { Stop(0); }

void TradePublisher::Start(uint64_t last_trade_id) {
  durable_.store(last_trade_id, std::memory_order_release);
  thread_ = std::thread([this] {
    SetThreadName("trade-pub");
    LowerThreadPriority();
    RunLoop();
  });
}

void TradePublisher::Stop(int grace_ms) {
  if (!thread_.joinable()) return;
  stop_deadline_ms_.store(NowMs() + grace_ms, std::memory_order_release);
  stop_.store(true, std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_acq_rel);
  wake_.notify_all();
  thread_.join();
}

void TradePublisher::OnEvents(std::span<const Event> events) {
  uint64_t newest = 0;
  for (const Event& e : events) {
    if (const auto* trade = std::get_if<TradeEvent>(&e.body)) newest = trade->trade_id.value();
  }
  if (newest == 0) return;
  durable_.store(newest, std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_acq_rel);
  wake_.notify_one();
}

void TradePublisher::RunLoop() {
  Connection redis(config_.redis.host, config_.redis.port);
  // Per instrument, the last trade id its stream holds; -1 until read from Redis.
  std::map<uint32_t, int64_t> stream_last;
  bool resumed = false;
  uint64_t next = 1;
  int backoff_ms = 50;
  bool reported_down = false;
  struct Pending {
    uint64_t id;
    uint32_t instrument;
    bool sent;  // false: already in its stream
  };
  std::vector<Pending> batch;
  batch.reserve(kBatch);

  auto wait_backoff = [&] {
    const int64_t until = NowMs() + backoff_ms;
    while (NowMs() < until && !stop_.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    backoff_ms = std::min(backoff_ms * 2, 2000);
  };

  for (;;) {
    if (stop_.load(std::memory_order_acquire) &&
        (NowMs() > stop_deadline_ms_.load(std::memory_order_acquire) ||
         published_.load(std::memory_order_acquire) >= durable_.load(std::memory_order_acquire))) {
      return;
    }
    if (!resumed) {
      // Find where each stream stopped, so a restart publishes exactly what is missing.
      bool ok = true;
      for (const InstrumentConfig& instrument : config_.instruments) {
        Reply r = redis.Command({"XREVRANGE", StreamKey(config_.redis.key_prefix, instrument.symbol),
                                 "+", "-", "COUNT", "1"});
        if (r == nullptr || r->type != REDIS_REPLY_ARRAY) {
          ok = false;
          break;
        }
        int64_t last = 0;
        if (r->elements == 1) {
          // Entry id is "<ms>-<trade id>".
          std::string_view id(r->element[0]->element[0]->str, r->element[0]->element[0]->len);
          uint64_t trade_id = 0;
          if (absl::SimpleAtoi(std::string(id.substr(id.find('-') + 1)), &trade_id)) last = static_cast<int64_t>(trade_id);
        }
        stream_last[instrument.id.value()] = last;
      }
      if (!ok) {
        if (!reported_down) spdlog::warn("redis unavailable ({}); trades will be published when it returns", redis.last_error());
        reported_down = true;
        wait_backoff();
        continue;
      }
      int64_t min_last = INT64_MAX;
      for (const auto& [id, last] : stream_last) min_last = std::min(min_last, last);
      next = stream_last.empty() ? 1 : static_cast<uint64_t>(min_last) + 1;
      resumed = true;
    }
    const uint32_t generation = wake_.load(std::memory_order_acquire);
    const uint64_t durable = durable_.load(std::memory_order_acquire);
    if (next > durable) {
      published_.store(durable, std::memory_order_release);
      if (stop_.load(std::memory_order_acquire)) return;
      wake_.wait(generation, std::memory_order_acquire);
      continue;
    }
    // Up to kBatch durable trades in one pipelined round trip: Redis answers each XADD in
    // order, so what is published is always a prefix of what was sent.
    const uint64_t last = std::min(durable, next + kBatch - 1);
    batch.clear();
    bool read_failed = false;
    for (uint64_t id = next; id <= last; ++id) {
      absl::StatusOr<TradeRecord> trade = store_.GetTrade(TradeId(id));
      if (!trade.ok()) {
        spdlog::error("publisher cannot read trade {}: {}", id, trade.status().ToString());
        read_failed = true;
        break;
      }
      const InstrumentConfig* instrument = config_.FindInstrument(trade->instrument);
      const bool skip = instrument == nullptr || static_cast<int64_t>(id) <= stream_last[trade->instrument.value()];
      batch.push_back(Pending{id, trade->instrument.value(), !skip});
      if (skip) continue;  // already in its stream
      const MemberConfig* buyer = config_.FindMember(trade->buyer);
      const MemberConfig* seller = config_.FindMember(trade->seller);
      if (!redis.Append({
              "XADD", StreamKey(config_.redis.key_prefix, instrument->symbol), "MAXLEN", "~", "1000000",
              absl::StrCat(trade->time / 1000000, "-", trade->trade_id.value()),
              "trade_id", absl::StrCat(trade->trade_id.value()),
              "seq", absl::StrCat(trade->seq.value()),
              "symbol", instrument->symbol,
              "price", FormatPrice(trade->price),
              "price_fen", absl::StrCat(trade->price.raw()),
              "quantity", absl::StrCat(trade->quantity.raw()),
              "notional_fen", absl::StrCat(trade->notional.raw()),
              "aggressor", trade->aggressor == Side::kBuy ? "B" : "S",
              "buyer", buyer != nullptr ? buyer->code : "",
              "seller", seller != nullptr ? seller->code : "",
              "time_ns", absl::StrCat(trade->time)})) {
        break;
      }
    }
    bool redis_down = false;
    bool refused = false;
    for (const Pending& p : batch) {
      if (p.sent) {
        Reply r = redis.GetReply();
        if (r == nullptr) {
          redis_down = true;
          break;
        }
        if (r->type == REDIS_REPLY_ERROR &&
            std::string_view(r->str, r->len).find("equal or smaller") == std::string_view::npos) {
          spdlog::error("redis refused trade {}: {}", p.id, std::string_view(r->str, r->len));
          // Such refusals (a key of the wrong type, Redis out of memory) refuse the later
          // entries of the same stream too, so retrying from here leaves no gap.
          refused = true;  // later replies of this batch are still read, then discarded
          continue;
        }
        if (refused) continue;
        stream_last[p.instrument] = static_cast<int64_t>(p.id);
      }
      if (refused) continue;
      if (reported_down) spdlog::info("redis is back; publishing resumed at trade {}", p.id);
      reported_down = false;
      backoff_ms = 50;
      published_.store(p.id, std::memory_order_release);
      next = p.id + 1;
    }
    if (redis_down) {
      if (!reported_down) spdlog::warn("redis unavailable ({}); trades will be published when it returns", redis.last_error());
      reported_down = true;
      resumed = false;  // re-read the streams' tails after reconnecting
      wait_backoff();
      continue;
    }
    if (refused || read_failed) wait_backoff();
  }
}

}  // namespace dazong::exchange
