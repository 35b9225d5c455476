// A QuickFIX message store that keeps a session's sequence numbers and outbound messages in
// one memory-mapped file per session, so that storing a message or advancing a sequence
// number is a memory copy instead of system calls. QuickFIX's FileStore costs about ten
// system calls per message (seek to the end, which re-reads and stats the file, writes,
// flushes, and a rewrite of the sequence-number file in each direction).
//
// Guarantee, the same as FileStore's: what was stored survives a crash of the process (the
// pages belong to the kernel's page cache the moment they are written) but not a power loss
// or a kernel crash before the kernel writes them back. A message is stored before QuickFIX
// sends it, so after a process crash the session resumes with the sequence numbers the
// counterparty saw, and a ResendRequest finds every message that was sent.
//
// File layout (host byte order, checked by a magic number): a 4 KB header (magic, creation
// time, next sender and target sequence numbers), then segments of `segment_bytes`, each
// allocated on disk (fallocate) before use so that a full disk is an error at allocation,
// never a fault while writing. A record is {u32 length + 1, u32 sequence number, message,
// zero padding to 8 bytes}; the length word is written last, so a record cut short by a crash
// reads as the end. A record never spans two segments.
//
// Thread safety: QuickFIX calls a session's store under the session's lock; one store is
// never used by two threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dazong/quickfix.h"

namespace dazong::fix_store {

class MappedFileStore final : public FIX::MessageStore {
 public:
  static constexpr size_t kDefaultSegmentBytes = size_t{8} << 20;

  // Opens (or creates) the store of `session` in directory `dir`. Throws FIX::ConfigError
  // when the file cannot be opened or is not a store of this format.
  MappedFileStore(const std::string& dir, const FIX::SessionID& session,
                  size_t segment_bytes = kDefaultSegmentBytes);
  ~MappedFileStore() override;
  MappedFileStore(const MappedFileStore&) = delete;
  MappedFileStore& operator=(const MappedFileStore&) = delete;

  bool set(int seq, const std::string& message) override;
  void get(int begin, int end, std::vector<std::string>& out) const override;
  int getNextSenderMsgSeqNum() const override;
  int getNextTargetMsgSeqNum() const override;
  void setNextSenderMsgSeqNum(int seq) override;
  void setNextTargetMsgSeqNum(int seq) override;
  void incrNextSenderMsgSeqNum() override;
  void incrNextTargetMsgSeqNum() override;
  FIX::UtcTimeStamp getCreationTime() const override;
  void reset() override;
  void refresh() override;

  // The file holding this session's store.
  const std::string& path() const { return path_; }

 private:
  struct Header;

  void Open();
  void Close();
  void MapSegment(size_t index);
  void Scan();
  Header& header() const { return *reinterpret_cast<Header*>(header_map_); }
  char* At(uint64_t offset) const;
  void PrefaultAhead(uint64_t until);

  // Pages are faulted in ahead of the writes, this many bytes at a time, with one
  // madvise(MADV_POPULATE_WRITE) instead of a page fault per 4 KB page on the sender's path.
  static constexpr uint64_t kPrefaultBytes = 256 * 1024;

  std::string path_;
  size_t segment_bytes_;
  int fd_ = -1;
  void* header_map_ = nullptr;
  std::vector<char*> segments_;
  uint64_t end_ = 0;                 // file offset where the next record goes
  std::vector<uint64_t> offsets_;    // sequence number -> file offset of its record (0: none)
  uint64_t prefaulted_end_ = 0;      // file offset up to which pages were faulted in
  bool prefault_works_ = true;       // false once the kernel refused MADV_POPULATE_WRITE
};

// Creates a MappedFileStore per session in one directory (FileStorePath of the settings, or
// the directory given).
class MappedFileStoreFactory final : public FIX::MessageStoreFactory {
 public:
  explicit MappedFileStoreFactory(std::string dir, size_t segment_bytes = MappedFileStore::kDefaultSegmentBytes)
      : dir_(std::move(dir)), segment_bytes_(segment_bytes) {}

  FIX::MessageStore* create(const FIX::SessionID& session) override;
  void destroy(FIX::MessageStore* store) override;

 private:
  std::string dir_;
  size_t segment_bytes_;
};

}  // namespace dazong::fix_store
