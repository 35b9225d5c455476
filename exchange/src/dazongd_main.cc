// dazongd: the exchange daemon. Loads the configuration, recovers the state from the journal,
// then runs the sequencer thread, the FIX gateway and the Redis trade publisher until SIGINT
// or SIGTERM. Usage: dazongd --config FILE
#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "dazong/api/http_api.h"
#include "dazong/common/clock.h"
#include "dazong/common/config.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/common/thread_name.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/exchange/order_status.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/exchange/trade_publisher.h"
#include "dazong/api/ledger_positions.h"
#include "dazong/fix_gateway/fix_gateway.h"
#include "dazong/index/index_service.h"
#include "dazong/warehouse_receipts/ledger.h"
#include "spdlog/spdlog.h"

namespace {

constexpr size_t kCommandQueueCapacity = 1 << 16;
constexpr int kTimerTickMs = 1000;

int Usage() {
  std::fprintf(stderr, "usage: dazongd --config FILE\n");
  return 2;
}

int Run(const std::string& config_path) {
  using namespace dazong;
  absl::StatusOr<ExchangeConfig> config = LoadConfigFile(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "dazongd: configuration error: %s\n", config.status().message().data());
    return 2;
  }
  const std::filesystem::path data_dir(config->data_dir);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "dazongd: cannot create data directory %s: %s\n", data_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }

  // Signals go to the main thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  exchange::JournalStore::OpenOptions store_options;
  store_options.wal_prewrite_bytes = static_cast<uint64_t>(config->journal_wal_prewrite_mb) << 20;
  auto store = exchange::JournalStore::Open((data_dir / "journal").string(),
                                            exchange::JournalStore::Mode::kReadWrite, store_options);
  if (!store.ok()) {
    spdlog::critical("{}", store.status().ToString());
    return 1;
  }
  // The warehouse-receipt ledger reserves for every order and settles every trade (DvP).
  receipts::Ledger ledger(*config);
  exchange::ExchangeCore core(*config, &ledger);
  CommandQueue commands(kCommandQueueCapacity);
  exchange::Sequencer sequencer(core, **store, SystemClock::Instance(), commands, &ledger);
  // The price-index service: resumes from its last checkpoint, so recovery feeds it the
  // journal's trades and book states from that point (in journal order) before any live event.
  index::IndexServiceOptions index_options;
  index_options.data_dir = (data_dir / "index").string();
  auto index_service = index::IndexService::Create(*config, index_options);
  if (!index_service.ok()) {
    spdlog::critical("index service: {}", index_service.status().ToString());
    return 1;
  }
  if (absl::Status s = (*index_service)->Start(); !s.ok()) {
    spdlog::critical("index service: {}", s.ToString());
    return 1;
  }
  if (absl::Status s = sequencer.Recover([&](std::span<const Event> events) {
        (*index_service)->OnRecoveredEvents(events);
      });
      !s.ok()) {
    spdlog::critical("recovery failed: {}", s.ToString());
    return 1;
  }
  spdlog::info("recovered {} journaled commands, {} trades, {} ledger records (verified)",
               sequencer.last_seq(), core.last_trade_id(), ledger.history().size());

  exchange::TradePublisher publisher(*config, **store);
  auto gateway = fix_gateway::FixGateway::Create(
      *config, commands,
      {(data_dir / "fix" / "store").string(), (data_dir / "fix" / "log").string()});
  if (!gateway.ok()) {
    spdlog::critical("{}", gateway.status().ToString());
    return 1;
  }
  // The FIX gateway's first market-data snapshots show the recovered books.
  {
    std::vector<fix_gateway::MarketSeed> seeds;
    for (const InstrumentConfig& instrument : config->instruments) {
      const matching::OrderBook& book = core.book(instrument.id);
      fix_gateway::MarketSeed seed{instrument.id, book.phase(), core.band(instrument.id).low,
                                   core.band(instrument.id).high, {}};
      std::vector<matching::Level> levels(static_cast<size_t>(instrument.depth_levels));
      for (Side side : {Side::kBuy, Side::kSell}) {
        const uint32_t n = book.Depth(side, static_cast<uint32_t>(levels.size()), levels.data());
        for (uint32_t r = 0; r < n; ++r) {
          seed.levels.push_back(DepthChanged{instrument.id, side, r, levels[r].price, levels[r].quantity,
                                             levels[r].orders});
        }
      }
      seeds.push_back(std::move(seed));
    }
    (*gateway)->SeedMarketData(seeds);
  }

  sequencer.AddSink(gateway->get());
  sequencer.AddSink(&publisher);
  sequencer.AddSink(index_service->get());
  std::unique_ptr<api::ApiServer> http_api = api::AttachApi(*config, commands, ledger, core, sequencer);
  // RequestForPositions (AN) over FIX: read from the ledger on the sequencer thread.
  api::LedgerPositions positions(*config, commands, ledger, SystemClock::Instance());
  sequencer.SetQueryRunner(QueryClient::kFixPositions, &positions);
  // OrderStatusRequest (H) over FIX: read from the core on the sequencer thread.
  exchange::CoreOrderStatus order_status(core, commands);
  sequencer.SetQueryRunner(QueryClient::kFixOrderStatus, &order_status);
  (*gateway)->SetPositionsSource(&positions);
  (*gateway)->SetOrderStatusSource(&order_status);
  publisher.Start(core.last_trade_id());

  absl::Status sequencer_status;
  std::thread sequencer_thread([&] {
    SetThreadName("sequencer");
    // Before Run(), so that the committer thread it starts inherits the value.
    if (config->sequencer_nice != 0 && !SetThreadNice(config->sequencer_nice)) {
      spdlog::warn("exchange.sequencer_nice = {} refused ({}; needs CAP_SYS_NICE): the sequencer "
                   "runs at the process's priority",
                   config->sequencer_nice, std::strerror(errno));
    }
    sequencer_status = sequencer.Run();
    if (!sequencer_status.ok()) {
      spdlog::critical("sequencer stopped: {}", sequencer_status.ToString());
      kill(getpid(), SIGTERM);
    }
  });

  // Time-driven changes (GTD expiry, the end of a volatility auction) happen when a command
  // carries a time at or after them; a journaled tick each second makes sure one comes.
  std::atomic<bool> ticking{true};
  std::thread ticker([&] {
    SetThreadName("ticker");
    while (ticking.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kTimerTickMs));
      if (ticking.load(std::memory_order_acquire)) commands.TryPush(TimerCommand{});
    }
  });
  auto stop_ticker = [&] {
    ticking.store(false, std::memory_order_release);
    ticker.join();
  };

  absl::Status started = (*gateway)->Start();
  if (started.ok() && config->http.port != 0) started = http_api->Start();
  if (!started.ok()) {
    spdlog::critical("{}", started.ToString());
    http_api->Stop();
    (*gateway)->Stop();
    stop_ticker();
    commands.Interrupt();
    sequencer_thread.join();
    publisher.Stop(0);
    (*index_service)->Stop(0);
    return 1;
  }
  std::printf(
      "dazongd ready: %s, FIX 4.4 on port %u (SenderCompID %s), HTTP API on %s:%u, Redis %s:%u, "
      "data in %s\n",
      config->name.c_str(), config->fix.port, config->comp_id.c_str(), config->http.host.c_str(),
      config->http.port, config->redis.host.c_str(), config->redis.port, data_dir.c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: shutting down", signal);
  http_api->Stop();
  (*gateway)->Stop();
  stop_ticker();
  commands.Interrupt();
  sequencer_thread.join();
  publisher.Stop(2000);
  (*index_service)->Stop(2000);
  spdlog::info("stopped at seq {}", sequencer.last_seq());
  {
    // Where the sequencer's time went, for operators sizing the machine and the disk.
    const exchange::Sequencer::Stats st = sequencer.stats();
    const double groups = st.groups > 0 ? static_cast<double>(st.groups) : 1.0;
    spdlog::info(
        "sequencer: {} commands in {} group commits; per group: apply {:.1f} us, synced write "
        "{:.1f} us, dispatch {:.1f} us, waiting for the previous commit {:.1f} us",
        st.commands, st.groups, static_cast<double>(st.apply_ns) / groups / 1e3,
        static_cast<double>(st.commit_ns) / groups / 1e3,
        static_cast<double>(st.dispatch_ns) / groups / 1e3,
        static_cast<double>(st.wait_ns) / groups / 1e3);
  }
  return sequencer_status.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else {
      return Usage();
    }
  }
  if (config_path.empty()) return Usage();
  return Run(config_path);
}
