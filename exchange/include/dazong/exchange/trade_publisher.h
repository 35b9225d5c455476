// TradePublisher: appends every durable trade to a Redis stream per instrument,
// "<prefix>:trades:<SYMBOL>", with the stream entry id "<time ms>-<trade id>".
//
// Redis distributes; it is not the record. The publisher reads trades from the JournalStore
// (not from the event), so if Redis is down or slow, trading goes on and the publisher
// catches up in order when Redis returns: no gap, and no duplicate, because an entry id that
// already exists is refused by Redis and counted as published. On start it resumes after the
// last entry each stream holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dazong/common/config.h"
#include "dazong/common/event_sink.h"
#include "dazong/exchange/journal_store.h"

namespace dazong::exchange {

class TradePublisher final : public EventSink {
 public:
  // `config` and `store` must outlive the publisher.
  TradePublisher(const ExchangeConfig& config, const JournalStore& store);
  ~TradePublisher() override;

  // Starts the publishing thread; `last_trade_id` is the last durable trade at start.
  void Start(uint64_t last_trade_id);
  // Stops after publishing what it can within `grace_ms` when Redis is reachable.
  void Stop(int grace_ms = 2000);

  void OnEvents(std::span<const Event> events) override;

  uint64_t published_through() const { return published_.load(std::memory_order_acquire); }
  static std::string StreamKey(const std::string& prefix, const std::string& symbol);

 private:
  class Connection;
  void RunLoop();

  const ExchangeConfig& config_;
  const JournalStore& store_;
  std::atomic<uint64_t> durable_{0};    // last trade id known durable
  std::atomic<uint64_t> published_{0};  // every trade up to here is in Redis
  std::atomic<uint32_t> wake_{0};       // bumped on new trades and on stop
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> stop_deadline_ms_{0};
  std::thread thread_;
};

}  // namespace dazong::exchange
