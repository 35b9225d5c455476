// PrewrittenWalFileSystem: the journal's RocksDB file system, whose write-ahead log files are
// taken from a pool of files already written with zeros and synced.
//
// A synced append to a new log file makes fdatasync commit metadata too (the file's size and
// its newly allocated blocks: a file-system journal transaction). Overwriting blocks that are
// already written, in a file whose size already covers them, leaves fdatasync only the data
// and the device flush: on this machine's disk about half the latency and CPU per synced
// group (docs/benchmarks.md, "Journal sync"). Blocks reserved with fallocate do not help: they
// are unwritten extents, converted (metadata again) at the first sync after a write.
//
// RocksDB's log reader skips zero-filled space (record type 0 is reserved for preallocated
// files), so recovery reads such a log file like any other. Past its prewritten size a log
// file grows by plain appends. The pool lives in a subdirectory of the store, on the same file
// system; RocksDB makes the rename of a pool file into a log name durable with its own fsync of
// the directory before the first synced write to that log. A background thread refills the
// pool; when no file is ready, a log file is created as RocksDB creates it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "rocksdb/file_system.h"

namespace dazong::exchange {

class PrewrittenWalFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  // `pool_dir` holds up to `spares` files of `file_bytes` zeros each.
  PrewrittenWalFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base, std::string pool_dir,
                          uint64_t file_bytes, int spares);
  ~PrewrittenWalFileSystem() override;

  // Creates the pool directory, drops files left half-made by a crash, makes one pool file
  // now if none is ready (so that the log RocksDB opens first is already prewritten) and
  // starts the refill thread.
  absl::Status Start();

  const char* Name() const override { return "DazongPrewrittenWal"; }
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;

  // Log files handed out from the pool so far (for tests and benchmarks).
  uint64_t handed_out() const;

 private:
  absl::Status MakeSpare();
  void RefillLoop();

  const std::string pool_dir_;
  const uint64_t file_bytes_;
  const int spares_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_;  // pool file paths, oldest first
  uint64_t next_name_ = 0;
  uint64_t handed_out_ = 0;
  bool stop_ = false;
  std::thread refill_;
};

}  // namespace dazong::exchange
