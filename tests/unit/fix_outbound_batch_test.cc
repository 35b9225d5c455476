// OutChannel and OutboundBatch (fix_gateway/src/guarded_acceptor.h): the gateway's sender
// threads gather the reports they drain in one go and write them with one send(); every other
// send is written at once, after what was gathered, so a session's messages keep their order.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "guarded_acceptor.h"

namespace dazong::fix_gateway {
namespace {

// A connected socket pair: the channel writes to `write_fd`, the test reads `read_fd`.
class SocketPair {
 public:
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    write_fd = fds[0];
    read_fd = fds[1];
  }
  ~SocketPair() {
    if (write_fd >= 0) ::close(write_fd);
    ::close(read_fd);
  }
  void CloseWriter() {
    ::close(write_fd);
    write_fd = -1;
  }
  // What can be read now, without waiting.
  std::string ReadAvailable() const {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(read_fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Everything until the writer closes.
  std::string ReadToEnd() const {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(read_fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  int write_fd = -1;
  int read_fd = -1;
};

TEST(OutChannelTest, WithoutABatchEverySendIsWrittenAtOnce) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  ASSERT_TRUE(channel->Send("one|"));
  EXPECT_EQ(pair.ReadAvailable(), "one|");
  ASSERT_TRUE(channel->Send("two|"));
  EXPECT_EQ(pair.ReadAvailable(), "two|");
}

TEST(OutChannelTest, ABatchWritesWhatItGatheredWhenItEnds) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  {
    OutboundBatch batch;
    EXPECT_EQ(OutboundBatch::Current(), &batch);
    ASSERT_TRUE(channel->Send("a|"));
    ASSERT_TRUE(channel->Send("b|"));
    ASSERT_TRUE(channel->Send("c|"));
    EXPECT_EQ(pair.ReadAvailable(), "");
  }
  EXPECT_EQ(OutboundBatch::Current(), nullptr);
  EXPECT_EQ(pair.ReadAvailable(), "a|b|c|");
}

TEST(OutChannelTest, ABatchWritesEarlyOnceEnoughIsGathered) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  const std::string message(1000, 'x');
  OutboundBatch batch;
  size_t sent = 0;
  while (sent < OutboundBatch::kMaxGatheredBytes) {
    ASSERT_TRUE(channel->Send(message));
    sent += message.size();
  }
  // The send that reached the limit wrote everything gathered, itself included.
  EXPECT_EQ(pair.ReadAvailable().size(), sent);
  ASSERT_TRUE(channel->Send("tail|"));
  EXPECT_EQ(pair.ReadAvailable(), "");
}

TEST(OutChannelTest, ASendFromAnotherThreadGoesAfterWhatTheBatchGathered) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  OutboundBatch batch;
  ASSERT_TRUE(channel->Send("report-1|"));
  ASSERT_TRUE(channel->Send("report-2|"));
  // E.g. QuickFIX answering a TestRequest on the connection's own thread.
  std::thread other([&] { EXPECT_TRUE(channel->Send("heartbeat|")); });
  other.join();
  EXPECT_EQ(pair.ReadAvailable(), "report-1|report-2|heartbeat|");
  ASSERT_TRUE(channel->Send("report-3|"));
  EXPECT_EQ(pair.ReadAvailable(), "");
}

TEST(OutChannelTest, AClosedChannelWritesNothing) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  {
    OutboundBatch batch;
    ASSERT_TRUE(channel->Send("gathered|"));
    channel->Close();
    EXPECT_FALSE(channel->Send("late|"));
  }
  EXPECT_FALSE(channel->Send("after|"));
  EXPECT_EQ(pair.ReadAvailable(), "");
}

TEST(OutChannelTest, AFailedSocketIsReported) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  ::shutdown(pair.write_fd, SHUT_WR);
  EXPECT_FALSE(channel->Send("lost|"));
}

TEST(OutChannelTest, BatchesDoNotNest) {
  SocketPair pair;
  auto channel = std::make_shared<OutChannel>(pair.write_fd);
  OutboundBatch outer;
  {
    OutboundBatch inner;
    EXPECT_EQ(OutboundBatch::Current(), &outer);
    ASSERT_TRUE(channel->Send("x|"));
  }
  EXPECT_EQ(pair.ReadAvailable(), "");
}

// Random interleavings: a sender thread in batches of random size and a second thread sending
// alone, on one channel, with a reader draining the socket. Every message arrives whole, once,
// and in each thread's order.
TEST(OutChannelTest, ConcurrentSendersKeepEachThreadsOrder) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    SocketPair pair;
    auto channel = std::make_shared<OutChannel>(pair.write_fd);
    std::string received;
    std::thread reader([&] { received = pair.ReadToEnd(); });
    constexpr int kMessages = 4000;
    std::thread batched([&] {
      std::mt19937 rng(seed);
      int i = 0;
      while (i < kMessages) {
        OutboundBatch batch;
        const int n = static_cast<int>(rng() % 40) + 1;
        for (int k = 0; k < n && i < kMessages; ++k, ++i) {
          // Sizes vary so that some batches reach the early-write limit.
          const std::string pad(rng() % 600, 'p');
          EXPECT_TRUE(channel->Send("B" + std::to_string(i) + pad + "|"));
        }
      }
    });
    std::thread alone([&] {
      for (int i = 0; i < kMessages / 4; ++i) EXPECT_TRUE(channel->Send("A" + std::to_string(i) + "|"));
    });
    batched.join();
    alone.join();
    pair.CloseWriter();
    reader.join();

    int next_b = 0;
    int next_a = 0;
    size_t at = 0;
    while (at < received.size()) {
      const size_t end = received.find('|', at);
      ASSERT_NE(end, std::string::npos) << "seed " << seed << ": torn message at " << at;
      const std::string message = received.substr(at, end - at);
      at = end + 1;
      const size_t digits_end = message.find_first_not_of("0123456789", 1);
      const int n = std::stoi(message.substr(1, digits_end == std::string::npos ? std::string::npos : digits_end - 1));
      if (message[0] == 'B') {
        ASSERT_EQ(n, next_b++) << "seed " << seed;
      } else {
        ASSERT_EQ(message[0], 'A');
        ASSERT_EQ(n, next_a++) << "seed " << seed;
      }
    }
    EXPECT_EQ(next_b, kMessages) << "seed " << seed;
    EXPECT_EQ(next_a, kMessages / 4) << "seed " << seed;
  }
}

}  // namespace
}  // namespace dazong::fix_gateway
