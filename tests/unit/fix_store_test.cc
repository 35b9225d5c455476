// MappedFileStore: the FIX session store of the gateway. Messages and sequence numbers survive
// reopening (a restart), across segment boundaries; a crash between storing a message and
// advancing the sender number, and a record cut short, are both recovered; reset starts a
// new session; foreign files and oversized messages are refused without changing anything.
#include "dazong/mapped_file_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../support/temp_dir.h"

namespace dazong::fix_store {
namespace {

const FIX::SessionID kSession(FIX::BeginString_FIX44, "DAZONG", "HUAXIN-OE");

std::string Message(int seq, size_t size) {
  std::string m = "8=FIX.4.4|34=" + std::to_string(seq) + "|";
  while (m.size() < size) m.push_back(static_cast<char>('a' + (m.size() + seq) % 26));
  return m;
}

std::vector<std::string> Get(const FIX::MessageStore& store, int begin, int end) {
  std::vector<std::string> out;
  store.get(begin, end, out);
  return out;
}

TEST(MappedFileStoreTest, FreshStoreStartsAtOneAndRecordsItsCreationTime) {
  testing::TempDir dir;
  const time_t before = time(nullptr);
  MappedFileStore store(dir.path(), kSession);
  EXPECT_EQ(store.getNextSenderMsgSeqNum(), 1);
  EXPECT_EQ(store.getNextTargetMsgSeqNum(), 1);
  EXPECT_GE(store.getCreationTime().getTimeT(), before);
  EXPECT_LE(store.getCreationTime().getTimeT(), time(nullptr));
  EXPECT_TRUE(Get(store, 1, 100).empty());
  EXPECT_EQ(std::filesystem::path(store.path()).filename(), "FIX.4.4-DAZONG-HUAXIN-OE.store");
}

TEST(MappedFileStoreTest, MessagesAndSequenceNumbersSurviveReopeningAcrossSegments) {
  testing::TempDir dir;
  constexpr size_t kSegment = 4096;
  std::vector<std::string> sent;
  time_t created = 0;
  {
    MappedFileStore store(dir.path(), kSession, kSegment);
    created = store.getCreationTime().getTimeT();
    for (int seq = 1; seq <= 200; ++seq) {
      sent.push_back(Message(seq, 100 + (seq * 37) % 900));  // several per 4 KB segment
      ASSERT_TRUE(store.set(seq, sent.back()));
      store.incrNextSenderMsgSeqNum();
      store.incrNextTargetMsgSeqNum();
    }
    EXPECT_EQ(Get(store, 1, 200), sent);
  }
  EXPECT_GT(std::filesystem::file_size(dir.path() + "/FIX.4.4-DAZONG-HUAXIN-OE.store"), 20 * kSegment);
  MappedFileStore store(dir.path(), kSession, kSegment);
  EXPECT_EQ(store.getNextSenderMsgSeqNum(), 201);
  EXPECT_EQ(store.getNextTargetMsgSeqNum(), 201);
  EXPECT_EQ(store.getCreationTime().getTimeT(), created);
  EXPECT_EQ(Get(store, 1, 200), sent);
  EXPECT_EQ(Get(store, 50, 52), std::vector<std::string>(sent.begin() + 49, sent.begin() + 52));
  EXPECT_EQ(Get(store, 199, 1000), std::vector<std::string>(sent.begin() + 198, sent.end()));
  EXPECT_TRUE(Get(store, 300, 400).empty());
  EXPECT_TRUE(Get(store, 10, 9).empty());
  // Appending after a reopen continues where the file ended.
  ASSERT_TRUE(store.set(201, Message(201, 3000)));
  store.refresh();  // at a logon: nothing changed behind its back, so nothing to reload
  EXPECT_EQ(Get(store, 201, 201), std::vector<std::string>{Message(201, 3000)});
  EXPECT_EQ(Get(store, 1, 1), std::vector<std::string>{sent[0]});
}

TEST(MappedFileStoreTest, AMessageStoredButNotCountedBeforeACrashIsNotReusedAfterwards) {
  testing::TempDir dir;
  {
    MappedFileStore store(dir.path(), kSession);
    ASSERT_TRUE(store.set(1, Message(1, 80)));
    store.incrNextSenderMsgSeqNum();
    ASSERT_TRUE(store.set(2, Message(2, 80)));  // the process dies before the increment
  }
  MappedFileStore store(dir.path(), kSession);
  EXPECT_EQ(store.getNextSenderMsgSeqNum(), 3);
  EXPECT_EQ(Get(store, 1, 2).size(), 2u);
}

TEST(MappedFileStoreTest, ARecordCutShortReadsAsTheEndAndIsOverwritten) {
  testing::TempDir dir;
  std::string path;
  {
    MappedFileStore store(dir.path(), kSession);
    path = store.path();
    for (int seq = 1; seq <= 3; ++seq) {
      ASSERT_TRUE(store.set(seq, Message(seq, 64)));
      store.incrNextSenderMsgSeqNum();
    }
  }
  // The third record's length word never made it: zero it in the file (4 KB header, two
  // 72-byte records before it).
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  const uint32_t zero = 0;
  ASSERT_EQ(pwrite(fd, &zero, sizeof(zero), 4096 + 2 * 72), static_cast<ssize_t>(sizeof(zero)));
  ::close(fd);
  MappedFileStore store(dir.path(), kSession);
  EXPECT_EQ(Get(store, 1, 3), (std::vector<std::string>{Message(1, 64), Message(2, 64)}));
  EXPECT_EQ(store.getNextSenderMsgSeqNum(), 4);  // the header had counted it: never reused
  ASSERT_TRUE(store.set(4, Message(4, 64)));
  MappedFileStore reopened(dir.path(), kSession);
  EXPECT_EQ(Get(reopened, 1, 4), (std::vector<std::string>{Message(1, 64), Message(2, 64), Message(4, 64)}));
}

TEST(MappedFileStoreTest, ResetStartsANewSession) {
  testing::TempDir dir;
  MappedFileStore store(dir.path(), kSession, 4096);
  for (int seq = 1; seq <= 100; ++seq) {
    ASSERT_TRUE(store.set(seq, Message(seq, 500)));
    store.incrNextSenderMsgSeqNum();
  }
  store.setNextTargetMsgSeqNum(42);
  store.reset();
  EXPECT_EQ(store.getNextSenderMsgSeqNum(), 1);
  EXPECT_EQ(store.getNextTargetMsgSeqNum(), 1);
  EXPECT_TRUE(Get(store, 1, 100).empty());
  EXPECT_EQ(std::filesystem::file_size(store.path()), 4096u + 4096u);
  ASSERT_TRUE(store.set(1, Message(1, 10)));
  MappedFileStore reopened(dir.path(), kSession, 4096);
  EXPECT_EQ(Get(reopened, 1, 100), std::vector<std::string>{Message(1, 10)});
}

TEST(MappedFileStoreTest, RefusesForeignFilesAndOversizedMessagesWithoutChangingAnything) {
  testing::TempDir dir;
  {
    std::ofstream(dir.path() + "/FIX.4.4-DAZONG-HUAXIN-OE.store") << std::string(8192, 'x');
  }
  EXPECT_THROW(MappedFileStore(dir.path(), kSession), FIX::ConfigError);
  EXPECT_THROW(MappedFileStore(dir.path(), kSession, 1000), FIX::ConfigError);

  testing::TempDir other;
  MappedFileStore store(other.path(), kSession, 4096);
  ASSERT_TRUE(store.set(1, Message(1, 100)));
  EXPECT_THROW(store.set(2, std::string(5000, 'z')), FIX::IOException);
  EXPECT_THROW(store.set(0, "x"), FIX::IOException);
  EXPECT_EQ(Get(store, 1, 5), std::vector<std::string>{Message(1, 100)});
  ASSERT_TRUE(store.set(2, Message(2, 100)));
  MappedFileStore reopened(other.path(), kSession, 4096);
  EXPECT_EQ(Get(reopened, 1, 5), (std::vector<std::string>{Message(1, 100), Message(2, 100)}));
}

TEST(MappedFileStoreTest, FactoryCreatesOneStorePerSession) {
  testing::TempDir dir;
  MappedFileStoreFactory factory(dir.path());
  const FIX::SessionID other(FIX::BeginString_FIX44, "DAZONG", "JINLU-OE");
  FIX::MessageStore* a = factory.create(kSession);
  FIX::MessageStore* b = factory.create(other);
  a->incrNextSenderMsgSeqNum();
  EXPECT_EQ(a->getNextSenderMsgSeqNum(), 2);
  EXPECT_EQ(b->getNextSenderMsgSeqNum(), 1);
  factory.destroy(a);
  factory.destroy(b);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/FIX.4.4-DAZONG-JINLU-OE.store"));
}

}  // namespace
}  // namespace dazong::fix_store
