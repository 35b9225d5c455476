// fix_store_bench: what a FIX session store costs per message, for QuickFIX's stores and the
// exchange's MappedFileStore. Each iteration does what QuickFIX does for one order answered
// by one report: count the inbound message, store the outbound one (a 300-byte
// ExecutionReport) and count it. The stores live in a temporary directory under $TMPDIR
// (default /tmp), so the file stores pay the real file system's costs (not a sync: neither
// store syncs).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "dazong/mapped_file_store.h"
#include "dazong/quickfix.h"

namespace {

const FIX::SessionID kSession(FIX::BeginString_FIX44, "DAZONG", "HUAXIN-OE");

std::string TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/dazong-store-bench-XXXXXX";
  return mkdtemp(pattern.data());
}

template <typename MakeStore>
void Run(benchmark::State& state, MakeStore make) {
  const std::string dir = TempDir();
  {
    std::unique_ptr<FIX::MessageStore> store = make(dir);
    const std::string report(300, 'x');
    int seq = store->getNextSenderMsgSeqNum();
    for (auto _ : state) {
      store->incrNextTargetMsgSeqNum();
      store->set(seq, report);
      store->incrNextSenderMsgSeqNum();
      ++seq;
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}

void BM_QuickFixFileStore(benchmark::State& state) {
  Run(state, [](const std::string& dir) { return std::make_unique<FIX::FileStore>(dir, kSession); });
}
void BM_MappedFileStore(benchmark::State& state) {
  Run(state, [](const std::string& dir) {
    return std::make_unique<dazong::fix_store::MappedFileStore>(dir, kSession);
  });
}
void BM_QuickFixMemoryStore(benchmark::State& state) {
  Run(state, [](const std::string&) { return std::make_unique<FIX::MemoryStore>(); });
}

BENCHMARK(BM_QuickFixFileStore)->Iterations(200000);
BENCHMARK(BM_MappedFileStore)->Iterations(200000);
BENCHMARK(BM_QuickFixMemoryStore)->Iterations(200000);

}  // namespace

BENCHMARK_MAIN();
