#include "dazong/index/index_service.h"

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "dazong/common/thread_name.h"
#include "dazong/index/journal_inputs.h"
#include "spdlog/spdlog.h"

namespace dazong::index {
namespace {

constexpr size_t kFreshLimit = 65536;
// A publication slower than this (or a failed one) makes the calculation thread stop
// publishing directly; the publisher thread re-enables it once it has caught up quickly.
constexpr int64_t kDirectMaxUs = 5000;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IndexService>> IndexService::Create(const ExchangeConfig& config,
                                                                   IndexServiceOptions options) {
  absl::StatusOr<Methodology> m = Methodology::Build(config, options.additions, options.versions);
  if (!m.ok()) return m.status();
  if (options.data_dir.empty()) return absl::InvalidArgumentError("index data_dir is empty");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", options.data_dir, ": ", ec.message()));
  }
  absl::StatusOr<std::unique_ptr<Outbox>> outbox = Outbox::Open(options.data_dir + "/outbox");
  if (!outbox.ok()) return outbox.status();
  if (options.redis_from_config) {
    options.redis.host = config.redis.host;
    options.redis.port = config.redis.port;
    options.redis.prefix = config.redis.key_prefix;
  }
  return std::unique_ptr<IndexService>(
      new IndexService(config, std::move(options), std::make_unique<Methodology>(*std::move(m)),
                       *std::move(outbox)));
}

IndexService::IndexService(const ExchangeConfig& config, IndexServiceOptions options,
                           std::unique_ptr<Methodology> methodology, std::unique_ptr<Outbox> outbox)
    : config_(config),
      options_(std::move(options)),
      methodology_(std::move(methodology)),
      outbox_(std::move(outbox)) {
  engine_ = std::make_unique<IndexEngine>(*methodology_, options_.engine);
  redis_ = std::make_unique<RedisIndexPublisher>(options_.redis);
  published_ = 0;
}

IndexService::~IndexService() { Stop(0); }

absl::Status IndexService::Start() {
  absl::StatusOr<std::optional<std::pair<LocalDay, std::string>>> checkpoint =
      outbox_->LatestCheckpoint();
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->has_value()) {
    absl::Status s = engine_->LoadState((*checkpoint)->second);
    if (!s.ok()) return s;
    resume_from_ = UtcOfLocal((*checkpoint)->first, 0);
  }
  calc_thread_ = std::thread([this] {
    SetThreadName("index-calc");
    CalcLoop();
  });
  pub_thread_ = std::thread([this] {
    SetThreadName("index-pub");
    PublishLoop();
  });
  return absl::OkStatus();
}

void IndexService::Stop(int grace_ms) {
  if (calc_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(in_mu_);
      stop_calc_ = true;
    }
    in_cv_.notify_one();
    calc_thread_.join();
  }
  if (pub_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(pub_mu_);
      stop_pub_ = true;
      pub_deadline_ms_ = NowMs() + grace_ms;
    }
    pub_cv_.notify_one();
    pub_thread_.join();
  }
}

void IndexService::Push(Input input) {
  {
    std::lock_guard<std::mutex> lock(in_mu_);
    inputs_.push_back(std::move(input));
  }
  in_cv_.notify_one();
}

void IndexService::OnTrade(const exchange::TradeRecord& t) {
  IndexTrade trade;
  trade.trade_id = t.trade_id.value();
  trade.time = t.time;
  trade.instrument = t.instrument.value();
  trade.price = t.price.raw();
  trade.quantity = t.quantity.raw();
  trade.buyer = t.buyer.value();
  trade.seller = t.seller.value();
  Input in;
  in.type = Input::Type::kTrade;
  in.trade = trade;
  Push(std::move(in));
}

void IndexService::OnBook(InstrumentId instrument, Price best_bid, Price best_ask, Timestamp time) {
  Input in;
  in.type = Input::Type::kBbo;
  in.bbo = Bbo{instrument.value(), time, best_bid.raw(), best_ask.raw()};
  Push(std::move(in));
}

void IndexService::OnTime(Timestamp now) {
  Input in;
  in.type = Input::Type::kTime;
  in.time = now - options_.watermark_lag_ns;
  Push(std::move(in));
}

void IndexService::OnBust(TradeId trade, Timestamp time, std::string reason) {
  Input in;
  in.type = Input::Type::kBust;
  in.trade.trade_id = trade.value();
  in.trade.time = time;
  in.reason = std::move(reason);
  Push(std::move(in));
}

void IndexService::OnEvents(std::span<const Event> events) {
  std::unique_lock<std::mutex> lock(in_mu_);
  bool traded = false;
  for (const Event& e : events) {
    if (const auto* t = std::get_if<TradeEvent>(&e.body)) {
      traded = true;
      Input in;
      in.type = Input::Type::kTrade;
      IndexTrade& trade = in.trade;
      trade.trade_id = t->trade_id.value();
      trade.time = t->time;
      trade.instrument = t->instrument.value();
      trade.price = t->price.raw();
      trade.quantity = t->quantity.raw();
      trade.buyer = t->buy.member.value();
      trade.seller = t->sell.member.value();
      inputs_.push_back(std::move(in));
    } else if (const auto* b = std::get_if<BboChanged>(&e.body)) {
      Input in;
      in.type = Input::Type::kBbo;
      in.bbo = BboOf(*b, e.time);
      inputs_.push_back(std::move(in));
    }
  }
  if (events.empty()) return;
  Input in;
  in.type = Input::Type::kTime;
  in.time = events.back().time;
  inputs_.push_back(std::move(in));
  // The calculation thread is woken for a trade and for the first hand-over of each second.
  // Book changes and time within a second already handed over wait in order for the next
  // wake-up. Every boundary the engine acts on (an interval, a fixing window, midnight) is a
  // whole second, and so is the default watermark lag, so the first input past a boundary
  // always wakes the thread (with a lag that is not a whole second, such a record can wait up
  // to a second). The records are the same; only book inputs are applied later. This spares
  // a thread wake-up per group of orders that trade nothing.
  const int64_t second = in.time / 1'000'000'000;
  if (!traded && second == woken_second_) return;
  woken_second_ = second;
  lock.unlock();
  in_cv_.notify_one();
}

void IndexService::OnRecoveredEvents(std::span<const Event> events) {
  if (!events.empty() && events.front().time >= resume_from_) OnEvents(events);
}

uint64_t IndexService::backlog() const {
  return outbox_->next() - 1 - sent_.load(std::memory_order_acquire);
}

void IndexService::CalcLoop() {
  std::vector<Input> batch;
  std::vector<IndexRecord> records;
  std::vector<std::string> encoded;
  std::vector<Fields> fields;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(in_mu_);
      in_cv_.wait(lock, [&] { return stop_calc_ || !inputs_.empty(); });
      if (inputs_.empty() && stop_calc_) return;
      batch.swap(inputs_);
    }
    records.clear();
    for (Input& in : batch) {
      switch (in.type) {
        case Input::Type::kTrade:
          engine_->OnTrade(in.trade, records);
          break;
        case Input::Type::kBbo:
          engine_->OnBbo(in.bbo, records);
          break;
        case Input::Type::kTime:
          engine_->OnTime(in.time, records);
          break;
        case Input::Type::kBust: {
          absl::Status s = engine_->OnBust(in.trade.trade_id, in.trade.time, in.reason, records);
          if (!s.ok()) spdlog::warn("index: bust of trade {}: {}", in.trade.trade_id, s.ToString());
          break;
        }
      }
    }
    batch.clear();
    late_.store(engine_->late_inputs(), std::memory_order_release);
    encoded.clear();
    fields.clear();
    for (const IndexRecord& r : records) {
      fields.push_back(RecordFields(r, *methodology_));
      encoded.push_back(EncodeFields(fields.back()));
    }
    std::optional<std::pair<LocalDay, std::string>> checkpoint = engine_->TakeCheckpoint();
    if (encoded.empty() && !checkpoint.has_value()) continue;
    const uint64_t first = outbox_->next();
    absl::Status s = outbox_->Append(encoded, checkpoint);
    if (!s.ok()) {
      // The records can be rebuilt from the journal on the next start; say so loudly.
      spdlog::error("index: outbox write failed, {} records not queued: {}", encoded.size(),
                    s.ToString());
      continue;
    }
    produced_.fetch_add(encoded.size(), std::memory_order_acq_rel);
    const size_t direct = PublishDirect(first, fields);
    if (direct == fields.size()) continue;
    {
      std::lock_guard<std::mutex> lock(pub_mu_);  // also: no lost wake-up between check and wait
      for (size_t i = direct; i < fields.size(); ++i) fresh_.emplace_back(first + i, std::move(fields[i]));
      while (fresh_.size() > kFreshLimit) fresh_.pop_front();
    }
    pub_cv_.notify_one();
  }
}

size_t IndexService::PublishDirect(uint64_t first, const std::vector<Fields>& fields) {
  if (fields.empty() || !direct_ok_.load(std::memory_order_acquire)) return 0;
  // Never waits: if the publisher thread is publishing, it gets these records too.
  std::unique_lock<std::mutex> lock(redis_mu_, std::try_to_lock);
  if (!lock.owns_lock() || sent_.load(std::memory_order_acquire) + 1 != first) return 0;
  const int64_t start = NowUs();
  std::string error;
  const size_t done = redis_->PublishBatch(fields, &error);
  if (done > 0) {
    sent_.store(first + done - 1, std::memory_order_release);
    published_.fetch_add(done, std::memory_order_acq_rel);
    direct_.fetch_add(done, std::memory_order_acq_rel);
  }
  if (done < fields.size() || NowUs() - start > kDirectMaxUs) {
    // Down or slow: the publisher thread retries (with its back-off) from here on.
    direct_ok_.store(false, std::memory_order_release);
  }
  return done;
}

void IndexService::PublishLoop() {
  std::vector<std::pair<uint64_t, std::string>> entries;
  std::vector<Fields> batch;
  std::vector<uint64_t> numbers;
  int backoff_ms = 20;
  bool reported_down = false;
  // What is in Redis (sent_) is recorded in the outbox (MarkPublished, a RocksDB write that
  // also deletes the entries) when the publisher goes idle, and at most every kMarkEveryMs
  // while records keep coming, not after every batch: after a crash the unmarked tail is
  // published again and recognised by calc id (no duplicate).
  constexpr int64_t kMarkEveryMs = 100;
  int64_t last_mark_ms = NowMs();
  sent_.store(outbox_->published(), std::memory_order_release);
  const auto mark = [&] {
    const uint64_t sent = sent_.load(std::memory_order_acquire);
    if (sent <= outbox_->published()) return;
    absl::Status s = outbox_->MarkPublished(sent);
    if (!s.ok()) spdlog::error("index: outbox mark failed: {}", s.ToString());
    last_mark_ms = NowMs();
  };
  for (;;) {
    if (sent_.load(std::memory_order_acquire) + 1 >= outbox_->next()) mark();  // idle
    {
      std::unique_lock<std::mutex> lock(pub_mu_);
      pub_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] {
        return stop_pub_ || sent_.load(std::memory_order_acquire) + 1 < outbox_->next();
      });
      if (stop_pub_ && (sent_.load(std::memory_order_acquire) + 1 >= outbox_->next() ||
                        NowMs() > pub_deadline_ms_)) {
        lock.unlock();
        mark();
        return;
      }
    }
    // Held while publishing: the calculation thread publishes only when it can take it.
    std::unique_lock<std::mutex> redis_lock(redis_mu_);
    const uint64_t from = sent_.load(std::memory_order_acquire) + 1;
    if (from >= outbox_->next()) continue;
    entries.clear();
    batch.clear();
    numbers.clear();
    absl::Status s;
    {
      std::lock_guard<std::mutex> lock(pub_mu_);
      while (!fresh_.empty() && fresh_.front().first < from) fresh_.pop_front();
      // Taken out: if the publication fails, the next attempt reads them from the outbox.
      while (!fresh_.empty() && fresh_.front().first == from + batch.size() &&
             batch.size() < options_.publish_batch) {
        numbers.push_back(fresh_.front().first);
        batch.push_back(std::move(fresh_.front().second));
        fresh_.pop_front();
      }
    }
    if (batch.empty()) {
      s = outbox_->Read(from, options_.publish_batch, entries);
      if (!s.ok() || entries.empty() || entries.front().first != from) {
        spdlog::error("index: outbox read at {} failed: {}", from, s.ToString());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      for (const auto& [n, bytes] : entries) {
        absl::StatusOr<Fields> f = DecodeFields(bytes);
        if (!f.ok()) {
          spdlog::error("index: outbox entry {} is corrupt: {}", n, f.status().ToString());
          break;
        }
        numbers.push_back(n);
        batch.push_back(*std::move(f));
      }
      if (batch.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
    }
    std::string error;
    const int64_t start_us = NowUs();
    const size_t done = redis_->PublishBatch(batch, &error);
    const bool fast = NowUs() - start_us <= kDirectMaxUs;
    if (done > 0) {
      sent_.store(numbers[done - 1], std::memory_order_release);
      published_.fetch_add(done, std::memory_order_acq_rel);
    }
    // The calculation thread may publish its next records itself once this thread has caught
    // up and Redis answered quickly.
    direct_ok_.store(done == batch.size() && fast &&
                         sent_.load(std::memory_order_acquire) + 1 >= outbox_->next(),
                     std::memory_order_release);
    redis_lock.unlock();
    if (done > 0 && NowMs() - last_mark_ms >= kMarkEveryMs) mark();
    if (done < batch.size()) {
      redis_up_.store(false, std::memory_order_release);
      if (!reported_down) {
        spdlog::warn("index: redis unavailable ({}); {} records queued", error, backlog());
      }
      reported_down = true;
      const int64_t until = NowMs() + backoff_ms;
      std::unique_lock<std::mutex> lock(pub_mu_);
      pub_cv_.wait_until(lock, std::chrono::steady_clock::now() + std::chrono::milliseconds(until - NowMs()),
                         [&] { return stop_pub_ && NowMs() > pub_deadline_ms_; });
      backoff_ms = std::min(backoff_ms * 2, 1000);
      continue;
    }
    if (reported_down) spdlog::info("index: redis is back; publishing resumed");
    reported_down = false;
    redis_up_.store(true, std::memory_order_release);
    backoff_ms = 20;
  }
}

}  // namespace dazong::index
