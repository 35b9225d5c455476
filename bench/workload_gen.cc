// dazong-workload-gen: writes a seeded replay file (the replay format of issue 3, read by
// dazong-replay) for the matching benchmarks.
//
// Usage:
//   dazong-workload-gen [--seed S] [--ops N] [--resting N] [--mix 45/45/10[/R]|adds]
//                       [--band T] --out FILE
//
//   --seed     generator seed (default 1); the same seed gives the same file everywhere
//   --ops      operations after the warm-up (default 1000000)
//   --resting  N, the book size to build first and hold (default 5000; the issue's
//              workloads use 5000 and 50000)
//   --mix      add/cancel/aggressive[/replace] percentages (default 45/45/10), or "adds"
//              for the adds-only workload (alternating sides over a narrow band)
//   --band     adds-only: half-width of the band in ticks (default 10)
//   --out      output file ("-" for stdout)
//
// The model (mid random walk, passive adds near the mid, cancels of random live orders,
// IOCs that cross up to three levels, the controller that holds N orders, the warm-up) is
// documented in bench/workload.h and docs/benchmarks.md. The warm-up is exactly the first
// `resting` lines (0 for adds-only); pass it to `dazong-replay --warmup` so that only the
// steady state is measured. A summary goes to stderr.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "workload.h"

namespace {

bool ParseU64(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

int Usage() {
  std::fprintf(stderr,
               "usage: dazong-workload-gen [--seed S] [--ops N] [--resting N] "
               "[--mix 45/45/10[/R]|adds] [--band T] --out FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  dazong::bench::WorkloadParams params;
  std::string out_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t n = 0;
    if (arg == "--seed" && ParseU64(value, &n)) {
      params.seed = n;
    } else if (arg == "--ops" && ParseU64(value, &n)) {
      params.ops = n;
    } else if (arg == "--resting" && ParseU64(value, &n) && n <= (1u << 26)) {
      params.resting = static_cast<uint32_t>(n);
    } else if (arg == "--band" && ParseU64(value, &n) && n >= 1 && n <= 1000000) {
      params.band = static_cast<int64_t>(n);
    } else if (arg == "--mix" && value != nullptr) {
      if (!dazong::bench::ParseMix(value, &params.mix)) return Usage();
    } else if (arg == "--out" && value != nullptr) {
      out_path = value;
    } else {
      return Usage();
    }
    ++i;
  }
  if (out_path.empty()) return Usage();

  dazong::bench::WorkloadStats stats;
  const std::vector<dazong::bench::Op> ops = dazong::bench::GenerateWorkload(params, &stats);

  FILE* out = out_path == "-" ? stdout : std::fopen(out_path.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "dazong-workload-gen: cannot open %s: %s\n", out_path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::vector<char> buffer(1 << 20);
  size_t used = 0;
  for (const dazong::bench::Op& op : ops) {
    if (buffer.size() - used < 128) {
      std::fwrite(buffer.data(), 1, used, out);
      used = 0;
    }
    used += static_cast<size_t>(dazong::bench::FormatOp(op, buffer.data() + used, 128));
  }
  std::fwrite(buffer.data(), 1, used, out);
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::fprintf(stderr, "dazong-workload-gen: write failed: %s\n", std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr,
               "dazong-workload-gen: seed %llu, %zu lines; warm-up: the first %llu lines "
               "(use --warmup %llu); after it: %llu adds, %llu cancels, %llu aggressive IOC, "
               "%llu replaces; resting %llu..%llu; prices %lld..%lld\n",
               static_cast<unsigned long long>(params.seed), ops.size(),
               static_cast<unsigned long long>(stats.warmup_ops),
               static_cast<unsigned long long>(stats.warmup_ops),
               static_cast<unsigned long long>(stats.adds),
               static_cast<unsigned long long>(stats.cancels),
               static_cast<unsigned long long>(stats.aggressive),
               static_cast<unsigned long long>(stats.replaces),
               static_cast<unsigned long long>(stats.min_resting),
               static_cast<unsigned long long>(stats.max_resting),
               static_cast<long long>(stats.min_price), static_cast<long long>(stats.max_price));
  return 0;
}
