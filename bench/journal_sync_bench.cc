// journal-sync-bench: what one synced write of a journal group costs on the disk under DIR,
// by how the log file's blocks were prepared (docs/benchmarks.md, "Journal sync"):
//   append     a new file, each write extends it (RocksDB's own log files)
//   fallocate  blocks reserved with fallocate(KEEP_SIZE) first (unwritten extents)
//   prewritten the file written with zeros and synced first, then overwritten from offset 0,
//              its blocks still in the page cache
//   uncached   the same, with the file's pages dropped from the page cache before the writes
//              (as a pool file zeroed with direct I/O is): a write into part of a block makes
//              the kernel read the block from the disk first
//   blocks     uncached, but each write covers whole 4 KiB blocks (the block's earlier bytes,
//              the record, zeros to the boundary): what the exchange's log files do
//              (exchange.journal_wal_prewrite_mb, exchange/src/prewritten_wal.h)
// Each write is `bytes` long, followed by fdatasync; it prints the latency percentiles and the
// CPU time of the writing thread per write (on a VM this includes the exits that submitting
// the I/O costs).
//
// usage: journal-sync-bench DIR [writes=3000] [bytes=600] [rounds=3]
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int64_t Ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool Prepare(int fd, const std::string& mode, size_t total) {
  if (mode == "fallocate") return fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(total)) == 0;
  if (mode == "prewritten" || mode == "uncached" || mode == "blocks") {
    const std::vector<char> zeros(1 << 20, 0);
    for (size_t at = 0; at < total; at += zeros.size()) {
      if (pwrite(fd, zeros.data(), std::min(zeros.size(), total - at), static_cast<off_t>(at)) < 0) return false;
    }
    if (fdatasync(fd) != 0) return false;
    return mode == "prewritten" || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  }
  return mode == "append";
}

constexpr size_t kBlock = 4096;

// Writes `record` at `offset`; with `whole_blocks`, as whole blocks from the start of the block
// holding `offset` (`block` keeps that block's bytes before `offset`, zeros after them).
bool WriteRecord(int fd, const std::vector<char>& record, size_t offset, bool whole_blocks, std::vector<char>& block) {
  if (!whole_blocks) {
    return pwrite(fd, record.data(), record.size(), static_cast<off_t>(offset)) == static_cast<ssize_t>(record.size());
  }
  const size_t start = offset - offset % kBlock;
  const size_t used = offset - start + record.size();
  const size_t whole = (used + kBlock - 1) / kBlock * kBlock;
  block.resize(whole, 0);
  std::copy(record.begin(), record.end(), block.begin() + static_cast<std::ptrdiff_t>(offset - start));
  if (pwrite(fd, block.data(), whole, static_cast<off_t>(start)) != static_cast<ssize_t>(whole)) return false;
  const size_t keep = used - used % kBlock;
  block.erase(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(keep));
  block.resize(used - keep);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: journal-sync-bench DIR [writes=3000] [bytes=600] [rounds=3]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int writes = argc > 2 ? std::atoi(argv[2]) : 3000;
  const size_t bytes = argc > 3 ? static_cast<size_t>(std::atoll(argv[3])) : 600;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
  if (writes <= 0 || bytes == 0 || rounds <= 0) {
    std::fprintf(stderr, "journal-sync-bench: writes, bytes and rounds must be positive\n");
    return 2;
  }
  const std::string path = dir + "/journal-sync-bench.dat";
  const std::vector<char> record(bytes, 'x');
  for (int round = 1; round <= rounds; ++round) {
    for (const std::string mode : {"append", "fallocate", "prewritten", "uncached", "blocks"}) {
      unlink(path.c_str());
      const int fd = open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
      if (fd < 0 || !Prepare(fd, mode, static_cast<size_t>(writes) * bytes + 4096)) {
        std::perror("journal-sync-bench: prepare");
        return 1;
      }
      std::vector<int64_t> latency(static_cast<size_t>(writes));
      std::vector<char> block;
      block.reserve(2 * kBlock + bytes);
      const int64_t cpu0 = Ns(CLOCK_THREAD_CPUTIME_ID);
      for (int i = 0; i < writes; ++i) {
        const int64_t t0 = Ns(CLOCK_MONOTONIC);
        if (!WriteRecord(fd, record, static_cast<size_t>(i) * bytes, mode == "blocks", block) || fdatasync(fd) != 0) {
          std::perror("journal-sync-bench: write");
          return 1;
        }
        latency[static_cast<size_t>(i)] = Ns(CLOCK_MONOTONIC) - t0;
      }
      const int64_t cpu = Ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
      close(fd);
      unlink(path.c_str());
      std::sort(latency.begin(), latency.end());
      auto pct = [&](double p) {
        return static_cast<double>(latency[std::min(latency.size() - 1, static_cast<size_t>(p * writes))]) / 1000.0;
      };
      std::printf("round %d %-10s writes=%d bytes=%zu p50=%.0f us p90=%.0f us p99=%.0f us cpu_per_write=%.1f us\n",
                  round, mode.c_str(), writes, bytes, pct(0.5), pct(0.9), pct(0.99),
                  static_cast<double>(cpu) / 1000.0 / writes);
    }
  }
  return 0;
}
