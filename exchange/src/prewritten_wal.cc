#include "prewritten_wal.h"

#include <fcntl.h>
#include <linux/ioprio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "dazong/common/thread_name.h"

namespace dazong::exchange {
namespace {

constexpr char kSparePrefix[] = "spare-";
constexpr char kSpareSuffix[] = ".wal";
constexpr char kMaking[] = "making.tmp";

rocksdb::IOStatus IoError(const std::string& what, int err) {
  return rocksdb::IOStatus::IOError(what, std::strerror(err));
}

bool AllDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RocksDB names its write-ahead logs <number>.log.
bool IsLogName(const std::string& path) {
  const std::filesystem::path p(path);
  return p.extension() == ".log" && AllDigits(p.stem().string());
}

absl::Status ErrnoError(int err, const std::string& what) {
  return absl::Status(absl::ErrnoToStatusCode(err), absl::StrCat(what, ": ", std::strerror(err)));
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("open ", dir));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError(err, absl::StrCat("fsync ", dir));
  return absl::OkStatus();
}

// A log file over a prewritten file: writes land at the logical end, sync is fdatasync, and
// closing cuts the unused zeros off.
//
// Every write covers whole file-system blocks: the block holding the logical end is written
// again from its start, with the bytes it already holds (kept in `pending_`), the new data
// and zeros up to the next block boundary, which is what the file holds there anyway. A write
// into part of a block that is not in the page cache (and a pool file, zeroed with direct
// I/O, is not) would make the kernel read that block from the disk first, inside the synced
// group's write.
class PrewrittenLogFile final : public rocksdb::FSWritableFile {
 public:
  PrewrittenLogFile(int fd, std::string path, size_t block) : fd_(fd), path_(std::move(path)), block_(block) {
    pending_.reserve(2 * block_);
  }
  ~PrewrittenLogFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&,
                           rocksdb::IODebugContext*) override {
    if (data.empty()) return rocksdb::IOStatus::OK();
    const uint64_t block_start = size_ - pending_.size();
    pending_.append(data.data(), data.size());
    const size_t used = pending_.size();
    pending_.append(RoundUp(used) - used, '\0');
    if (rocksdb::IOStatus s = WriteAll(pending_.data(), pending_.size(), block_start); !s.ok()) {
      pending_.resize(used - data.size());
      return s;
    }
    size_ += data.size();
    // Keep only the bytes of the block that now holds the logical end.
    const size_t keep_from = used - used % block_;
    pending_.erase(0, keep_from);
    pending_.resize(used - keep_from);
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();  // nothing is buffered here
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (::fdatasync(fd_) != 0) return IoError(absl::StrCat("fdatasync ", path_), errno);
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (::fsync(fd_) != 0) return IoError(absl::StrCat("fsync ", path_), errno);
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError(absl::StrCat("truncate ", path_), errno);
    size_ = size;
    // The block now holding the logical end, read back (RocksDB truncates only when closing).
    const uint64_t block_start = size - size % block_;
    pending_.resize(static_cast<size_t>(size - block_start));
    size_t got = 0;
    while (got < pending_.size()) {
      const ssize_t n = ::pread(fd_, pending_.data() + got, pending_.size() - got, static_cast<off_t>(block_start + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : EIO;
        pending_.clear();
        return IoError(absl::StrCat("read back ", path_), err);
      }
      got += static_cast<size_t>(n);
    }
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (fd_ < 0) return rocksdb::IOStatus::OK();
    // The zeros past the last record are not needed once nothing more is written; the cut
    // is not synced (if it is lost, the reader skips them as before).
    const int truncated = ::ftruncate(fd_, static_cast<off_t>(size_));
    const int err = errno;
    const int closed = ::close(fd_);
    fd_ = -1;
    if (truncated != 0) return IoError(absl::StrCat("truncate ", path_), err);
    if (closed != 0) return IoError(absl::StrCat("close ", path_), errno);
    return rocksdb::IOStatus::OK();
  }
  uint64_t GetFileSize(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override { return size_; }

 private:
  size_t RoundUp(size_t n) const { return (n + block_ - 1) / block_ * block_; }

  rocksdb::IOStatus WriteAll(const char* p, size_t left, uint64_t offset) {
    while (left > 0) {
      const ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError(absl::StrCat("write ", path_), errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
      offset += static_cast<uint64_t>(n);
    }
    return rocksdb::IOStatus::OK();
  }

  int fd_;
  const std::string path_;
  const size_t block_;
  uint64_t size_ = 0;     // the logical end: the bytes RocksDB appended
  std::string pending_;   // the bytes of the block holding the logical end, before it
};

}  // namespace

PrewrittenWalFileSystem::PrewrittenWalFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base,
                                                 std::string pool_dir, uint64_t file_bytes, int spares)
    : rocksdb::FileSystemWrapper(base),
      pool_dir_(std::move(pool_dir)),
      file_bytes_(file_bytes),
      spares_(std::max(1, spares)) {}

PrewrittenWalFileSystem::~PrewrittenWalFileSystem() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (refill_.joinable()) refill_.join();
}

absl::Status PrewrittenWalFileSystem::Start() {
  std::error_code ec;
  std::filesystem::create_directories(pool_dir_, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", pool_dir_, ": ", ec.message()));
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(pool_dir_, ec)) {
    const std::string stem = entry.path().stem().string();
    const std::string number = stem.rfind(kSparePrefix, 0) == 0 ? stem.substr(sizeof(kSparePrefix) - 1) : "";
    const bool spare = entry.path().extension() == kSpareSuffix && AllDigits(number);
    std::error_code size_ec;
    // Only whole pool files of the configured size are used; anything else (a file left
    // half-made by a crash, a size from an earlier configuration) is removed.
    if (spare && std::filesystem::file_size(entry.path(), size_ec) == file_bytes_ && !size_ec) {
      found.push_back(entry.path().string());
      next_name_ = std::max<uint64_t>(next_name_, std::strtoull(number.c_str(), nullptr, 10) + 1);
    } else {
      std::filesystem::remove(entry.path(), size_ec);
    }
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", pool_dir_, ": ", ec.message()));
  std::sort(found.begin(), found.end());
  {
    std::lock_guard lock(mu_);
    ready_.assign(found.begin(), found.end());
  }
  if (found.empty()) {
    if (absl::Status s = MakeSpare(); !s.ok()) return s;
  }
  refill_ = std::thread([this] {
    SetThreadName("wal-prewrite");
    LowerThreadPriority();
    // Idle I/O class: the zeros are written when the journal's synced writes leave the disk
    // idle (where the I/O scheduler honours it).
    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0));
    RefillLoop();
  });
  return absl::OkStatus();
}

absl::Status PrewrittenWalFileSystem::MakeSpare() {
  uint64_t n;
  {
    std::lock_guard lock(mu_);
    n = next_name_++;
  }
  const std::string making = absl::StrCat(pool_dir_, "/", kMaking);
  // Direct I/O where the file system has it (not tmpfs): the zeros go from one aligned buffer
  // to the disk without being copied through the page cache and written back.
  constexpr size_t kChunk = 1 << 20;
  int fd = -1;
  if (file_bytes_ % 4096 == 0) fd = ::open(making.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644);
  if (fd < 0) fd = ::open(making.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("create ", making));
  // One page-aligned chunk of zeros for every pool, made once and never written to.
  static const char* const zeros = [] {
    void* chunk = std::aligned_alloc(4096, kChunk);
    if (chunk != nullptr) std::memset(chunk, 0, kChunk);
    return static_cast<const char*>(chunk);
  }();
  if (zeros == nullptr) {
    ::close(fd);
    return absl::ResourceExhaustedError("no memory for the zero buffer");
  }
  uint64_t written = 0;
  int err = 0;
  while (written < file_bytes_ && err == 0) {
    {
      std::lock_guard lock(mu_);
      if (stop_) err = ECANCELED;
    }
    if (err != 0) break;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(kChunk, file_bytes_ - written));
    const ssize_t w = ::pwrite(fd, zeros, chunk, static_cast<off_t>(written));
    if (w < 0) {
      if (errno != EINTR) err = errno;
      continue;
    }
    written += static_cast<uint64_t>(w);
  }
  if (err == 0 && ::fdatasync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) {
    ::unlink(making.c_str());
    return ErrnoError(err, absl::StrCat("prewrite ", making));
  }
  const std::string spare = absl::StrCat(pool_dir_, "/", kSparePrefix, absl::Dec(n, absl::kZeroPad12), kSpareSuffix);
  if (::rename(making.c_str(), spare.c_str()) != 0) return ErrnoError(errno, absl::StrCat("rename ", making));
  if (absl::Status s = SyncDirectory(pool_dir_); !s.ok()) return s;
  std::lock_guard lock(mu_);
  ready_.push_back(spare);
  return absl::OkStatus();
}

void PrewrittenWalFileSystem::RefillLoop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || static_cast<int>(ready_.size()) < spares_; });
      if (stop_) return;
    }
    absl::Status made = MakeSpare();
    if (absl::IsCancelled(made)) return;  // stopping in the middle of a file
    if (!made.ok()) {
      // A full or failing disk: log files are then created as RocksDB creates them. Try again
      // later rather than spin.
      spdlog::warn("journal: cannot prewrite a log file in {} (next log files are plain appends): {}",
                   pool_dir_, made.ToString());
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(5), [&] { return stop_; });
      if (stop_) return;
    }
  }
}

rocksdb::IOStatus PrewrittenWalFileSystem::NewWritableFile(const std::string& fname,
                                                           const rocksdb::FileOptions& options,
                                                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                           rocksdb::IODebugContext* dbg) {
  if (!IsLogName(fname)) return target()->NewWritableFile(fname, options, result, dbg);
  std::string spare;
  {
    std::lock_guard lock(mu_);
    if (!ready_.empty()) {
      spare = std::move(ready_.front());
      ready_.pop_front();
    }
  }
  cv_.notify_all();
  if (spare.empty() || ::rename(spare.c_str(), fname.c_str()) != 0) {
    return target()->NewWritableFile(fname, options, result, dbg);
  }
  const int fd = ::open(fname.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return IoError(absl::StrCat("open ", fname), errno);
  // The file system's block size (4 KiB on ext4 and tmpfs): the unit a write must cover whole.
  struct stat st {};
  size_t block = 4096;
  if (::fstat(fd, &st) == 0 && st.st_blksize >= 512 && st.st_blksize <= (1 << 16) &&
      (st.st_blksize & (st.st_blksize - 1)) == 0) {
    block = static_cast<size_t>(st.st_blksize);
  }
  result->reset(new PrewrittenLogFile(fd, fname, block));
  std::lock_guard lock(mu_);
  ++handed_out_;
  return rocksdb::IOStatus::OK();
}

uint64_t PrewrittenWalFileSystem::handed_out() const {
  std::lock_guard lock(mu_);
  return handed_out_;
}

}  // namespace dazong::exchange
