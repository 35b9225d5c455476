// ledger_bench: throughput of the warehouse-receipt ledger inside the real sequencer.
//
//   ledger_bench --config config/demo.toml --dir DIR [--trades N] [--api-receipts N]
//                [--api-clients N]
//
// 1. Settled trades per second with synced group commit: the ledger is seeded with N receipts
//    of 10 t (M001) and cash (M002); then N crossing pairs (M001 sells 10 t, M002 buys 10 t)
//    go through the command queue into the sequencer (ExchangeCore + Ledger + RocksDB journal,
//    one synced WriteBatch per group). Timed from the first order queued to the last committed.
// 2. Raw RocksDB: the same number of synced WriteBatches with the same entries and bytes per
//    batch, on the same disk (a sibling directory), in the same run.
// 3. Receipt registrations per second through the HTTP API: --api-clients concurrent clients
//    POST /receipts to an ApiServer on the running sequencer.
// Prints one line per figure. Never run as a test.
#include <ctime>
#include <httplib.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "dazong/api/http_api.h"
#include "dazong/common/clock.h"
#include "dazong/common/config.h"
#include "dazong/common/credentials.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/history.h"
#include "dazong/warehouse_receipts/ledger.h"
#include "nlohmann/json.hpp"

namespace {

using namespace dazong;
using Steady = std::chrono::steady_clock;
namespace r = receipts;

const char* kGrade = "HRB400E 20mm, GB/T 1499.2-2018";

r::ReceiptElements Elements(const std::string& holder, int64_t kg, const std::string& lot) {
  r::ReceiptElements e;
  e.depositor = holder;
  e.commodity = "rebar";
  e.grade = kGrade;
  e.brand = "Baosteel";
  e.packaging = "bundles";
  e.unit = "kg";
  e.quantity = Quantity::FromRaw(kg);
  e.lots = {lot};
  e.storage_location = "Yard 1";
  e.inspection_certificate = "CIQ-" + lot;
  e.expiry = r::EndOfDayCst("2099-12-31").value();
  e.storage_fee_terms = "0.30 yuan/t/day";
  e.insurance = "PICC";
  return e;
}

CommandBody Envelope(const r::LedgerCommand& cmd) {
  LedgerCommandEnvelope env;
  env.principal = r::PrincipalString(r::CommandActor(cmd));
  r::EncodeLedgerCommand(cmd, env.payload);
  return env;
}

void Push(CommandQueue& q, CommandBody body) {
  while (!q.TryPush(body)) std::this_thread::yield();
}

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

NewOrderCommand PairOrder(Side side, int64_t i) {
  NewOrderCommand o;
  o.member = MemberId(side == Side::kSell ? 1 : 2);
  o.instrument = InstrumentId(1);
  o.side = side;
  o.tif = TimeInForce::kGtc;
  o.price = Price::FromRaw(365000);
  o.quantity = Quantity::FromRaw(10000);
  o.cl_ord_id.Assign((side == Side::kSell ? "S" : "B") + std::to_string(i));
  return o;
}

// --apply-only 1: the sequencer thread's work alone (core + ledger, the same commands, no
// store, no queue, no threads): CPU time per settled trade.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// resting: sell orders only (nothing matches), so every order reserves receipts while the
// seller's earlier receipts are already held: the cost of finding free receipts.
int ApplyOnly(const ExchangeConfig& config, int64_t trades, bool resting) {
  r::Ledger ledger(config);
  exchange::ExchangeCore core(config, &ledger);
  std::vector<Event> events;
  std::vector<r::LedgerEvent> ledger_events;
  uint64_t seq = 0;
  auto apply = [&](CommandBody body) {
    SequencedCommand cmd{SeqNo(++seq), static_cast<Timestamp>(1'800'000'000'000'000'000 + seq),
                         std::move(body)};
    events.clear();
    ledger_events.clear();
    exchange::ApplyJournaled(cmd, core, &ledger, events, ledger_events);
  };
  const auto w = r::Principal::Warehouse(config.warehouses[0].code);
  const auto bank = r::Principal::Bank(config.banks[0].code);
  apply(Envelope(r::ReportStock{w, "rebar", kGrade, Quantity::FromRaw(2'000'000'000)}));
  for (int64_t i = 1; i <= trades; ++i) {
    apply(Envelope(r::RegisterReceipt{w, static_cast<uint64_t>(i), "M001",
                                      Elements("M001", 10000, "B-" + std::to_string(i))}));
  }
  apply(Envelope(r::Deposit{bank, "M002", Money::FromRaw(4'000'000'000'000'000), "bench"}));
  ledger.TakeChanges();
  std::vector<NewOrderCommand> orders;
  for (int64_t i = 0; i < trades; ++i) {
    orders.push_back(PairOrder(Side::kSell, i));
    if (!resting) orders.push_back(PairOrder(Side::kBuy, i));
  }
  const uint64_t history_before = ledger.history().size();
  const auto t0 = Steady::now();
  const double cpu0 = ThreadCpuSeconds();
  for (const NewOrderCommand& o : orders) {
    apply(o);
    if (seq % 512 == 0) ledger.TakeChanges();
  }
  const double s = Seconds(Steady::now() - t0);
  const double cpu = ThreadCpuSeconds() - cpu0;
  if (resting) {
    const bool all_rest = ledger.state().orders.size() == static_cast<size_t>(trades);
    std::printf("apply_only_resting_sells orders=%lld seconds=%.3f cpu_us_per_order=%.2f all_resting=%s\n",
                static_cast<long long>(trades), s, cpu * 1e6 / static_cast<double>(trades),
                all_rest ? "yes" : "NO");
    return all_rest ? 0 : 1;
  }
  const bool settled = ledger.state().settled_trades.size() == static_cast<size_t>(trades) &&
                       ledger.settlement_anomalies() == 0;
  // cpu_us_per_trade: this thread's CPU time, less disturbed by other jobs on the machine
  // than the wall-clock us_per_trade.
  std::printf("apply_only trades=%lld seconds=%.3f us_per_trade=%.2f cpu_us_per_trade=%.2f "
              "trade_history_records=%llu history_bytes_per_trade=%.0f settled=%s\n",
              static_cast<long long>(trades), s, s * 1e6 / static_cast<double>(trades),
              cpu * 1e6 / static_cast<double>(trades),
              static_cast<unsigned long long>(ledger.history().size() - history_before),
              [&] {
                // No store, so nothing is trimmed: every record is still in memory.
                uint64_t bytes = 0;
                for (uint64_t i = history_before; i < ledger.history().size(); ++i) {
                  bytes += ledger.history().encoded(i).size();
                }
                return static_cast<double>(bytes) / static_cast<double>(trades);
              }(),
              settled ? "yes" : "NO");
  return settled ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "config/demo.toml";
  std::string dir = "/tmp/dazong-ledger-bench";
  int64_t trades = 100000;
  int64_t api_receipts = 4000;
  int api_clients = 32;
  bool apply_only = false;
  bool resting = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--config") config_path = argv[i + 1];
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--trades") trades = std::stoll(argv[i + 1]);
    else if (a == "--api-receipts") api_receipts = std::stoll(argv[i + 1]);
    else if (a == "--api-clients") api_clients = std::stoi(argv[i + 1]);
    else if (a == "--apply-only") apply_only = std::string(argv[i + 1]) == "1";
    else if (a == "--resting-sells") resting = std::string(argv[i + 1]) == "1";
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  absl::StatusOr<ExchangeConfig> loaded = LoadConfigFile(config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    return 2;
  }
  ExchangeConfig config = *loaded;
  if (apply_only) return ApplyOnly(config, trades, resting);
  // Bench tokens for the warehouse (the demo hashes stay untouched in the file).
  config.warehouses[0].api_token_hash = HashSecret("bench-token").value();
  config.http.host = "127.0.0.1";
  config.http.port = 0;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto store = exchange::JournalStore::Open(dir + "/journal");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  r::Ledger ledger(config);
  exchange::ExchangeCore core(config, &ledger);
  CommandQueue commands(1 << 16);
  exchange::Sequencer sequencer(core, **store, SystemClock::Instance(), commands, &ledger);
  if (!sequencer.Recover().ok()) return 1;
  std::thread seq_thread([&] {
    absl::Status s = sequencer.Run();
    if (!s.ok()) std::fprintf(stderr, "sequencer: %s\n", s.ToString().c_str());
  });

  // Seed: stock, N receipts of 10 t for M001, cash for M002 (untimed).
  const auto w = r::Principal::Warehouse(config.warehouses[0].code);
  const auto bank = r::Principal::Bank(config.banks[0].code);
  Push(commands, Envelope(r::ReportStock{w, "rebar", kGrade, Quantity::FromRaw(2'000'000'000)}));
  for (int64_t i = 1; i <= trades; ++i) {
    r::RegisterReceipt reg{w, static_cast<uint64_t>(i), "M001", Elements("M001", 10000, "B-" + std::to_string(i))};
    Push(commands, Envelope(reg));
  }
  Push(commands, Envelope(r::Deposit{bank, "M002", Money::FromRaw(4'000'000'000'000'000), "bench"}));
  const uint64_t seeded = static_cast<uint64_t>(trades) + 2;
  while (sequencer.last_seq() < seeded) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (ledger.state().receipts.size() != static_cast<size_t>(trades)) {
    std::fprintf(stderr, "seeding failed: %zu receipts\n", ledger.state().receipts.size());
    return 1;
  }

  // 1. Settled trades through the sequencer.
  const exchange::JournalStore::CommitStats before = (*store)->commit_stats();
  const exchange::Sequencer::Stats seq_before = sequencer.stats();
  std::vector<std::string> copies;  // the trading phase's batches, for the raw comparison
  copies.reserve(static_cast<size_t>(trades / 64 + 16));
  (*store)->CopyBatchesTo(&copies);
  const uint64_t first_seq = sequencer.last_seq();
  const auto t0 = Steady::now();
  std::thread producer([&] {
    NewOrderCommand sell;
    sell.member = MemberId(1);
    sell.instrument = InstrumentId(1);
    sell.side = Side::kSell;
    sell.tif = TimeInForce::kGtc;
    sell.price = Price::FromRaw(365000);
    sell.quantity = Quantity::FromRaw(10000);
    NewOrderCommand buy = sell;
    buy.member = MemberId(2);
    buy.side = Side::kBuy;
    for (int64_t i = 0; i < trades; ++i) {
      sell.cl_ord_id.Assign("S" + std::to_string(i));
      buy.cl_ord_id.Assign("B" + std::to_string(i));
      Push(commands, sell);
      Push(commands, buy);
    }
  });
  const uint64_t target = first_seq + 2 * static_cast<uint64_t>(trades);
  while (sequencer.last_seq() < target) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const double ledger_s = Seconds(Steady::now() - t0);
  producer.join();
  const exchange::JournalStore::CommitStats after = (*store)->commit_stats();
  (*store)->CopyBatchesTo(nullptr);
  const exchange::Sequencer::Stats seq_after = sequencer.stats();
  const uint64_t batches = after.batches - before.batches;
  const uint64_t entries = after.entries - before.entries;
  const uint64_t bytes = after.bytes - before.bytes;
  const bool settled = core.last_trade_id() == static_cast<uint64_t>(trades) &&
                       ledger.state().settled_trades.size() == static_cast<size_t>(trades) &&
                       ledger.settlement_anomalies() == 0 && ledger.Verify().ok();
  std::printf("settled_trades=%lld seconds=%.3f trades_per_s=%.0f batches=%llu entries_per_batch=%.1f "
              "bytes_per_batch=%.0f all_settled_and_verified=%s\n",
              static_cast<long long>(trades), ledger_s, trades / ledger_s,
              static_cast<unsigned long long>(batches), static_cast<double>(entries) / batches,
              static_cast<double>(bytes) / batches, settled ? "yes" : "NO");
  // Per settled trade (two orders): the sequencer thread's apply and wait, the committer's
  // synced write and dispatch (the pipeline overlaps apply with commit).
  auto per_trade_us = [&](int64_t after_ns, int64_t before_ns) {
    return static_cast<double>(after_ns - before_ns) / 1000.0 / static_cast<double>(trades);
  };
  std::printf("per_trade_us apply=%.2f wait=%.2f commit=%.2f dispatch=%.2f groups=%llu\n",
              per_trade_us(seq_after.apply_ns, seq_before.apply_ns),
              per_trade_us(seq_after.wait_ns, seq_before.wait_ns),
              per_trade_us(seq_after.commit_ns, seq_before.commit_ns),
              per_trade_us(seq_after.dispatch_ns, seq_before.dispatch_ns),
              static_cast<unsigned long long>(seq_after.groups - seq_before.groups));

  // 2. Raw RocksDB: the very same batches (copied as Commit wrote them), written again with
  // sync=true into a fresh database with the store's options, on the same disk.
  {
    rocksdb::Options options;
    exchange::JournalStore::ConfigureOptions(options);
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(options, dir + "/raw", &raw).ok()) return 1;
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    uint64_t raw_bytes = 0;
    const auto r0 = Steady::now();
    for (const std::string& rep : copies) {
      rocksdb::WriteBatch batch(rep);
      raw_bytes += batch.GetDataSize();
      if (!db->Write(wo, &batch).ok()) return 1;
    }
    const double raw_s = Seconds(Steady::now() - r0);
    std::printf("raw_rocksdb batches=%zu bytes_per_batch=%.0f seconds=%.3f "
                "equivalent_trades_per_s=%.0f ledger_vs_raw=%.2f\n",
                copies.size(), static_cast<double>(raw_bytes) / static_cast<double>(copies.size()),
                raw_s, trades / raw_s, (trades / ledger_s) / (trades / raw_s));
  }

  // 3. Receipt registrations through the HTTP API.
  {
    const int port = 18000 + static_cast<int>(::getpid() % 20000);
    config.http.port = static_cast<uint16_t>(port);
    api::ApiOptions options;
    options.threads = static_cast<size_t>(api_clients);
    api::ApiServer server(config, commands, ledger, core, options);
    sequencer.SetHooks(&server);  // set while idle: the queue is empty
    if (!server.Start().ok()) {
      std::fprintf(stderr, "cannot start the API on %d\n", port);
      return 1;
    }
    std::atomic<int64_t> next{static_cast<int64_t>(trades) + 1};
    const int64_t last = trades + api_receipts;
    std::atomic<int64_t> ok{0};
    std::atomic<int64_t> failures{0};
    // Warm the token cache (argon2 once).
    {
      httplib::Client c("127.0.0.1", port);
      c.Get("/api/v1/whoami", {{"Authorization", "Bearer bench-token"}, {"X-Dazong-Principal", config.warehouses[0].code}});
    }
    const auto a0 = Steady::now();
    std::vector<std::thread> clients;
    for (int t = 0; t < api_clients; ++t) {
      clients.emplace_back([&] {
        httplib::Client c("127.0.0.1", port);
        httplib::Headers h{{"Authorization", "Bearer bench-token"}, {"X-Dazong-Principal", config.warehouses[0].code}};
        for (int64_t s = next++; s <= last; s = next++) {
          nlohmann::json e{{"depositor", "M003"}, {"commodity", "rebar"}, {"grade", kGrade}, {"brand", "Baosteel"},
                           {"packaging", "bundles"}, {"unit", "kg"}, {"quantity", 10000},
                           {"lots", {"API-" + std::to_string(s)}}, {"storage_location", "Yard 1"},
                           {"inspection_certificate", "CIQ"}, {"expiry", "2099-12-31"},
                           {"storage_fee_terms", "x"}, {"insurance", "y"}};
          nlohmann::json body{{"serial", s}, {"holder", "M003"}, {"elements", e}};
          auto res = c.Post("/api/v1/receipts", h, body.dump(), "application/json");
          if (res && res->status == 200) {
            ++ok;
          } else if (failures.fetch_add(1) < 3) {
            std::fprintf(stderr, "registration %lld failed: %s\n", static_cast<long long>(s),
                         res ? (std::to_string(res->status) + " " + res->body).c_str()
                             : httplib::to_string(res.error()).c_str());
          }
        }
      });
    }
    for (std::thread& t : clients) t.join();
    const double api_s = Seconds(Steady::now() - a0);
    std::printf("api_registrations=%lld ok=%lld clients=%d seconds=%.3f registrations_per_s=%.0f\n",
                static_cast<long long>(api_receipts), static_cast<long long>(ok.load()), api_clients,
                api_s, ok.load() / api_s);
    server.Stop();
    sequencer.SetHooks(nullptr);
  }

  // 4. The history verifier (GET /verify, `dazong-receipts verify`) over everything above: the
  // whole log rebuilt, the hash chain and every invariant checked after every command.
  {
    const auto v0 = Steady::now();
    const receipts::HistoryReport report =
        receipts::VerifyHistory(ledger.config(), ledger.history(), &ledger.state());
    const double verify_s = Seconds(Steady::now() - v0);
    std::printf("history_verify records=%llu seconds=%.3f records_per_s=%.0f ok=%s\n",
                static_cast<unsigned long long>(report.records), verify_s,
                static_cast<double>(report.records) / verify_s, report.ok ? "yes" : "NO");
  }

  commands.Interrupt();
  seq_thread.join();
  return 0;
}
