#include "dazong/mapped_file_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dazong::fix_store {
namespace {

constexpr uint64_t kHeaderBytes = 4096;
constexpr char kMagic[8] = {'D', 'Z', 'F', 'I', 'X', 'M', 'S', '1'};
constexpr uint32_t kSkipRestOfSegment = 0xFFFFFFFFu;  // length word: continue at the next segment
constexpr uint64_t kRecordHeaderBytes = 8;

uint64_t Padded(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

[[noreturn]] void ThrowIo(const std::string& what, const std::string& path) {
  throw FIX::IOException(what + " " + path + ": " + std::strerror(errno));
}

int64_t NowMillis() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string FileName(const FIX::SessionID& s) {
  std::string name = s.getBeginString().getValue() + "-" + s.getSenderCompID().getValue() + "-" +
                     s.getTargetCompID().getValue();
  if (!s.getSessionQualifier().empty()) name += "-" + s.getSessionQualifier();
  return name + ".store";
}

}  // namespace

// The first bytes of the file. Sequence numbers are atomics so that a reader of the mapping
// (a test, or a tool inspecting a live store) never sees a torn value.
struct MappedFileStore::Header {
  char magic[8];
  int64_t creation_ms;
  std::atomic<uint64_t> next_sender;
  std::atomic<uint64_t> next_target;
  uint64_t segment_bytes;
};


MappedFileStore::MappedFileStore(const std::string& dir, const FIX::SessionID& session, size_t segment_bytes)
    : path_((std::filesystem::path(dir) / FileName(session)).string()), segment_bytes_(segment_bytes) {
  if (segment_bytes_ < 4096 || segment_bytes_ % 4096 != 0) {
    throw FIX::ConfigError("MappedFileStore: segment size must be a positive multiple of 4096");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  try {
    Open();
  } catch (const FIX::IOException& e) {
    Close();
    throw FIX::ConfigError(e.what());
  }
}

MappedFileStore::~MappedFileStore() { Close(); }

void MappedFileStore::Open() {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) ThrowIo("cannot open FIX message store", path_);
  struct stat st {};
  if (fstat(fd_, &st) != 0) ThrowIo("cannot stat FIX message store", path_);
  const bool fresh = st.st_size == 0;
  if (fresh && ftruncate(fd_, kHeaderBytes) != 0) ThrowIo("cannot size FIX message store", path_);
  if (!fresh && static_cast<uint64_t>(st.st_size) < kHeaderBytes) {
    errno = EINVAL;
    ThrowIo("truncated FIX message store", path_);
  }
  static_assert(sizeof(Header) <= kHeaderBytes);
  header_map_ = mmap(nullptr, kHeaderBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (header_map_ == MAP_FAILED) {
    header_map_ = nullptr;
    ThrowIo("cannot map FIX message store", path_);
  }
  Header& h = header();
  if (fresh) {
    h.creation_ms = NowMillis();
    h.next_sender.store(1);
    h.next_target.store(1);
    h.segment_bytes = segment_bytes_;
    std::memcpy(h.magic, kMagic, sizeof(kMagic));  // last: a half-made header reads as foreign
  } else if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) {
    errno = EINVAL;
    ThrowIo("not a Dazong FIX message store (bad magic)", path_);
  } else if (h.segment_bytes < 4096 || h.segment_bytes % 4096 != 0) {
    errno = EINVAL;
    ThrowIo("corrupt FIX message store header (segment size)", path_);
  } else {
    segment_bytes_ = h.segment_bytes;  // the file's own geometry wins
  }
  const uint64_t data_bytes = static_cast<uint64_t>(fresh ? 0 : st.st_size) - (fresh ? 0 : kHeaderBytes);
  const size_t mapped = data_bytes / segment_bytes_;
  for (size_t i = 0; i < mapped; ++i) MapSegment(i);
  if (segments_.empty()) MapSegment(0);
  Scan();
}

void MappedFileStore::Close() {
  for (char* s : segments_) munmap(s, segment_bytes_);
  segments_.clear();
  if (header_map_ != nullptr) munmap(header_map_, kHeaderBytes);
  header_map_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  offsets_.clear();
  end_ = 0;
  prefaulted_end_ = 0;
}

// Maps segment `index`, allocating its blocks first when the file does not reach it yet.
void MappedFileStore::MapSegment(size_t index) {
  const uint64_t begin = kHeaderBytes + index * segment_bytes_;
  struct stat st {};
  if (fstat(fd_, &st) != 0) ThrowIo("cannot stat FIX message store", path_);
  if (static_cast<uint64_t>(st.st_size) < begin + segment_bytes_) {
    const int rc = posix_fallocate(fd_, static_cast<off_t>(begin), static_cast<off_t>(segment_bytes_));
    if (rc != 0) {
      errno = rc;
      ThrowIo("cannot allocate space for FIX message store", path_);
    }
  }
  void* p = mmap(nullptr, segment_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(begin));
  if (p == MAP_FAILED) ThrowIo("cannot map FIX message store", path_);
  segments_.push_back(static_cast<char*>(p));
}

void MappedFileStore::PrefaultAhead(uint64_t until) {
  const uint64_t segment = (end_ - kHeaderBytes) / segment_bytes_;
  const uint64_t segment_begin = kHeaderBytes + segment * segment_bytes_;
  const uint64_t segment_end = segment_begin + segment_bytes_;
  // From the page holding end_ (earlier pages of a new segment are never written); segments
  // start on a page boundary, so this page is in end_'s segment.
  const uint64_t from = std::max(prefaulted_end_, end_ & ~uint64_t{4095});
  const uint64_t to = std::min(segment_end, (std::max(until, from + kPrefaultBytes) + 4095) & ~uint64_t{4095});
  if (prefault_works_ && to > from && madvise(At(from), to - from, MADV_POPULATE_WRITE) != 0) {
    prefault_works_ = false;
  }
  prefaulted_end_ = to;
}

char* MappedFileStore::At(uint64_t offset) const {
  const uint64_t rel = offset - kHeaderBytes;
  return segments_[rel / segment_bytes_] + rel % segment_bytes_;
}

// Rebuilds the sequence-number index and the append position from the records.
void MappedFileStore::Scan() {
  offsets_.assign(1024, 0);
  uint64_t pos = kHeaderBytes;
  uint32_t last_seq = 0;
  const uint64_t limit = kHeaderBytes + segments_.size() * segment_bytes_;
  while (pos < limit) {
    const uint64_t room = segment_bytes_ - (pos - kHeaderBytes) % segment_bytes_;
    uint32_t word = 0;
    if (room >= kRecordHeaderBytes) {
      word = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(At(pos))).load(std::memory_order_acquire);
    } else {
      word = kSkipRestOfSegment;
    }
    if (word == 0) break;
    if (word == kSkipRestOfSegment) {
      pos += room;
      continue;
    }
    const uint64_t length = word - 1;
    if (kRecordHeaderBytes + length > room) break;  // cannot be ours: treat as the end
    uint32_t seq = 0;
    std::memcpy(&seq, At(pos) + 4, sizeof(seq));
    if (seq >= offsets_.size()) offsets_.resize(std::max<size_t>(offsets_.size() * 2, seq + 1), 0);
    offsets_[seq] = pos;
    last_seq = seq;
    pos += Padded(kRecordHeaderBytes + length);
  }
  end_ = pos;
  // A crash between storing message N and advancing the sender number leaves N stored: the
  // counterparty may have received it, so the next message must not reuse its number.
  if (last_seq != 0 && header().next_sender.load() <= last_seq) header().next_sender.store(last_seq + 1ull);
}

bool MappedFileStore::set(int seq, const std::string& message) {
  if (seq <= 0) throw FIX::IOException("MappedFileStore: sequence number must be positive");
  const uint64_t need = Padded(kRecordHeaderBytes + message.size());
  if (need > segment_bytes_) throw FIX::IOException("MappedFileStore: message larger than a store segment");
  const uint64_t rel = end_ - kHeaderBytes;
  size_t segment = rel / segment_bytes_;
  if (segment_bytes_ - rel % segment_bytes_ < need) {
    // Mark the rest of this segment unused and continue at the start of the next one.
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(At(end_)))
        .store(kSkipRestOfSegment, std::memory_order_release);
    ++segment;
    end_ = kHeaderBytes + segment * segment_bytes_;
  }
  if (segment == segments_.size()) MapSegment(segment);
  if (end_ + need > prefaulted_end_) PrefaultAhead(end_ + need);
  char* record = At(end_);
  const uint32_t seq32 = static_cast<uint32_t>(seq);
  std::memcpy(record + 4, &seq32, sizeof(seq32));
  std::memcpy(record + kRecordHeaderBytes, message.data(), message.size());
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(record))
      .store(static_cast<uint32_t>(message.size() + 1), std::memory_order_release);
  if (seq32 >= offsets_.size()) offsets_.resize(std::max<size_t>(offsets_.size() * 2, seq32 + 1), 0);
  offsets_[seq32] = end_;
  end_ += need;
  return true;
}

void MappedFileStore::get(int begin, int end, std::vector<std::string>& out) const {
  out.clear();
  if (begin < 1) begin = 1;
  for (int64_t seq = begin; seq <= end && static_cast<uint64_t>(seq) < offsets_.size(); ++seq) {
    const uint64_t at = offsets_[static_cast<size_t>(seq)];
    if (at == 0) continue;
    const char* record = At(at);
    uint32_t word = 0;
    std::memcpy(&word, record, sizeof(word));
    out.emplace_back(record + kRecordHeaderBytes, word - 1);
  }
}

int MappedFileStore::getNextSenderMsgSeqNum() const { return static_cast<int>(header().next_sender.load()); }
int MappedFileStore::getNextTargetMsgSeqNum() const { return static_cast<int>(header().next_target.load()); }
void MappedFileStore::setNextSenderMsgSeqNum(int seq) { header().next_sender.store(static_cast<uint64_t>(seq)); }
void MappedFileStore::setNextTargetMsgSeqNum(int seq) { header().next_target.store(static_cast<uint64_t>(seq)); }
void MappedFileStore::incrNextSenderMsgSeqNum() { header().next_sender.fetch_add(1); }
void MappedFileStore::incrNextTargetMsgSeqNum() { header().next_target.fetch_add(1); }

FIX::UtcTimeStamp MappedFileStore::getCreationTime() const {
  const int64_t ms = header().creation_ms;
  return FIX::UtcTimeStamp(static_cast<time_t>(ms / 1000), static_cast<int>(ms % 1000));
}

// A new trading session: sequence numbers back to 1, stored messages dropped, a new creation
// time. The file keeps one allocated segment.
void MappedFileStore::reset() {
  for (char* s : segments_) munmap(s, segment_bytes_);
  segments_.clear();
  Header& h = header();
  h.next_sender.store(1);
  h.next_target.store(1);
  h.creation_ms = NowMillis();
  if (ftruncate(fd_, kHeaderBytes) != 0) ThrowIo("cannot truncate FIX message store", path_);
  MapSegment(0);
  Scan();
}

// QuickFIX calls this at every logon (RefreshOnLogon) for stores shared by a standby engine.
// This store is the file's only writer and its state is the mapped file itself, so there is
// nothing to reload unless the file was changed behind its back (its size differs from what
// is mapped): then everything is reloaded from the file.
void MappedFileStore::refresh() {
  struct stat st {};
  if (fstat(fd_, &st) == 0 &&
      static_cast<uint64_t>(st.st_size) == kHeaderBytes + segments_.size() * segment_bytes_) {
    return;
  }
  Close();
  Open();
}

FIX::MessageStore* MappedFileStoreFactory::create(const FIX::SessionID& session) {
  return new MappedFileStore(dir_, session, segment_bytes_);
}

void MappedFileStoreFactory::destroy(FIX::MessageStore* store) { delete store; }

}  // namespace dazong::fix_store
