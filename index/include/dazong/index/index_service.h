// IndexService: the price-index service the daemon runs next to the sequencer.
//
//   sequencer (dispatch) ──OnEvents──► input buffer (never waits
//   on I/O or on the calculation: a short lock and a push_back)
//        calculation thread: IndexEngine → records → Outbox (own RocksDB) in one write each
//                            batch; then, when the publisher thread is idle and caught up and
//                            Redis is answering quickly, it publishes that batch itself
//        publisher thread:   Outbox → Redis (RedisIndexPublisher, pipelined EVALSHA) → mark;
//                            takes over whenever Redis is down, slow, or there is a backlog
//
// If Redis is down or slow, records wait in the outbox and are published in order when it
// returns; a retry never duplicates (the script is idempotent by calc id). On start the engine
// resumes from its last midnight checkpoint: feed every journal trade with
// time >= resume_from() (in journal order) before live events; records already published are
// recognised by calc id and not written twice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/common/event_sink.h"
#include "dazong/exchange/journal_codec.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/index/engine.h"
#include "dazong/index/outbox.h"
#include "dazong/index/parameters.h"
#include "dazong/index/redis_publisher.h"

namespace dazong::index {

struct IndexServiceOptions {
  std::string data_dir;  // the outbox RocksDB is created here (e.g. <exchange data_dir>/index)
  RedisTarget redis;     // host, port and prefix default from ExchangeConfig.redis if empty
  bool redis_from_config = true;
  // OnTime(now) advances the engine to now - watermark_lag_ns, so a trade stamped just before
  // `now` that is still being committed is not late (docs: "time contract").
  int64_t watermark_lag_ns = 2'000'000'000;
  std::map<std::string, ParameterAdditions> additions;
  std::vector<VersionSpec> versions;
  EngineOptions engine;
  size_t publish_batch = 256;
};

class IndexService final : public EventSink {
 public:
  // Validates the methodology and opens the outbox. `config` must outlive the service.
  static absl::StatusOr<std::unique_ptr<IndexService>> Create(const ExchangeConfig& config,
                                                              IndexServiceOptions options);
  ~IndexService() override;

  // Loads the last checkpoint and starts both threads.
  absl::Status Start();
  // Trades with time >= this must be fed (again) after Start(); 0 means all of the journal.
  Timestamp resume_from() const { return resume_from_; }
  // Processes what was fed, then publishes for up to `grace_ms` while Redis answers; records
  // not yet published stay in the outbox for the next start.
  void Stop(int grace_ms = 2000);

  // Non-blocking inputs, to be called from one thread (the sequencer's event path) in time
  // order.
  void OnTrade(const exchange::TradeRecord& trade);
  void OnBook(InstrumentId instrument, Price best_bid, Price best_ask, Timestamp time);
  void OnTime(Timestamp now);
  void OnBust(TradeId trade, Timestamp time, std::string reason);
  // EventSink: TradeEvents become trades, BboChanged events book states (the close quotes of
  // fallback level 3); every event's time advances the watermark.
  void OnEvents(std::span<const Event> events) override;
  // The catch-up after Start(), before live events: the events of each command the
  // sequencer's recovery replays (Sequencer::Recover's `replayed`); those of commands at or
  // after resume_from() go to OnEvents, exactly as the sequencer passed them live.
  void OnRecoveredEvents(std::span<const Event> events);

  const Methodology& methodology() const { return *methodology_; }
  uint64_t records_produced() const { return produced_.load(std::memory_order_acquire); }
  uint64_t records_published() const { return published_.load(std::memory_order_acquire); }
  // Of those, the records the calculation thread published itself (no hand-off).
  uint64_t records_published_directly() const { return direct_.load(std::memory_order_acquire); }
  // Outbox entries not yet in Redis.
  uint64_t backlog() const;
  bool redis_up() const { return redis_up_.load(std::memory_order_acquire); }
  uint64_t late_inputs() const { return late_.load(std::memory_order_acquire); }

 private:
  struct Input {
    enum class Type : uint8_t { kTrade, kBbo, kTime, kBust } type = Type::kTime;
    IndexTrade trade;  // kTrade; kBust: trade_id and time
    Bbo bbo;           // kBbo
    Timestamp time = 0;  // kTime
    std::string reason;  // kBust
  };

  IndexService(const ExchangeConfig& config, IndexServiceOptions options,
               std::unique_ptr<Methodology> methodology, std::unique_ptr<Outbox> outbox);
  void Push(Input input);
  void CalcLoop();
  void PublishLoop();
  // Called by the calculation thread with the records it just appended (outbox numbers from
  // `first`): publishes them itself when that keeps the order; returns how many are in Redis.
  size_t PublishDirect(uint64_t first, const std::vector<Fields>& fields);

  const ExchangeConfig& config_;
  IndexServiceOptions options_;
  std::unique_ptr<Methodology> methodology_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<IndexEngine> engine_;
  Timestamp resume_from_ = 0;

  std::mutex in_mu_;
  std::condition_variable in_cv_;
  std::vector<Input> inputs_;
  bool stop_calc_ = false;
  // The second (of event time) of the last hand-over that woke the calculation thread: book
  // and time inputs within that second wait for the next trade or the next second.
  int64_t woken_second_ = INT64_MIN;

  std::mutex pub_mu_;
  std::condition_variable pub_cv_;
  // Records just appended to the outbox, handed to the publisher without a read back (bounded;
  // the publisher reads the outbox when it is behind this window).
  // They are handed over as field lists, so the publisher does not decode what was just encoded.
  std::deque<std::pair<uint64_t, Fields>> fresh_;
  bool stop_pub_ = false;
  int64_t pub_deadline_ms_ = 0;

  // The Redis connection, used by whichever thread publishes: the publisher thread, or the
  // calculation thread itself when the publisher is idle and caught up and Redis answered
  // quickly last time (one thread hand-off less per record; see PublishDirect).
  std::mutex redis_mu_;
  std::unique_ptr<RedisIndexPublisher> redis_;  // guarded by redis_mu_
  std::atomic<bool> direct_ok_{false};

  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> direct_{0};
  std::atomic<uint64_t> sent_{0};  // last outbox number in Redis (the outbox's mark may lag)
  std::atomic<uint64_t> late_{0};
  std::atomic<bool> redis_up_{false};
  std::thread calc_thread_;
  std::thread pub_thread_;
};

}  // namespace dazong::index
