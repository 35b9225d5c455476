// GuardedAcceptor: QuickFIX's threaded acceptor (one thread per connection, each running a
// FIX::ThreadedSocketConnection, as FIX::ThreadedSocketAcceptor does) with one addition: it
// looks at each connection's first message before QuickFIX reads it, and answers a Logon for
// a CompID whose session another connection holds with a Logout whose Text says so.
//
// Why: QuickFIX 1.15.1 handles a second connection for a session that is in use inside
// ThreadedSocketConnection::setSession, before the application sees anything: it waits up to
// 5 s for the session to free up and then closes the socket without a word. The guard peeks
// (MSG_PEEK, so QuickFIX still reads every byte itself) at the first complete message; when it
// is a Logon for a session that stays held for kDuplicateGrace, the guard sends
// Logout(58="CompID is already logged on") and closes the connection. Anything else goes to
// QuickFIX unchanged.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <map>
#include <memory>
#include <string>

#include "absl/container/inlined_vector.h"

#include "dazong/quickfix.h"

namespace dazong::fix_gateway {

struct GuardedAcceptorOptions {
  int port = 0;
  bool no_delay = true;        // TCP_NODELAY on every connection
  int send_buffer_bytes = 0;   // SO_SNDBUF; 0: the system's default
};

class OutChannel;

// OutboundBatch: while one is alive on a thread, what that thread sends on the acceptor's
// connections is gathered per connection and written with one send() when the batch ends (or
// once a connection has kMaxGatheredBytes waiting). A send from another thread, or from a
// thread with no batch, first writes what is gathered on that connection and then its own
// message, so a session's messages always leave in the order QuickFIX numbered them. A
// message gathered on a connection that closes before the batch ends is not lost: QuickFIX has
// stored it, and the counterparty's ResendRequest after its next logon gets it.
//
// For a sender thread that drains several queued reports in a row: one system call (and one
// wake-up of the reader at the other end) for the lot instead of one per message. Batches do
// not nest: an inner one does nothing.
class OutboundBatch {
 public:
  static constexpr size_t kMaxGatheredBytes = 16 * 1024;

  OutboundBatch();
  ~OutboundBatch();
  OutboundBatch(const OutboundBatch&) = delete;
  OutboundBatch& operator=(const OutboundBatch&) = delete;

  // The batch active on this thread, or null.
  static OutboundBatch* Current();
  // Called by a connection when it first gathers bytes for this batch.
  void Hold(std::shared_ptr<OutChannel> channel);

 private:
  bool active_ = false;
  absl::InlinedVector<std::shared_ptr<OutChannel>, 2> held_;
};

// The sending half of one connection: its socket and the bytes an OutboundBatch gathered for
// it. Shared by the connection and the batches holding it, so a batch never writes to a
// socket that was closed (and whose descriptor may since have been reused) after it gathered
// bytes. Thread-safe; writes are blocking, in full, in the order of the Send calls.
class OutChannel : public std::enable_shared_from_this<OutChannel> {
 public:
  explicit OutChannel(int fd);
  OutChannel(const OutChannel&) = delete;
  OutChannel& operator=(const OutChannel&) = delete;

  // Gathers `message` when this thread has an OutboundBatch, else writes it (after anything
  // gathered). False when the socket failed or was closed.
  bool Send(const std::string& message);
  // Writes what is gathered.
  void Flush();
  // Before the socket is closed: drops what is gathered; nothing is written after this.
  void Close();

 private:
  bool WriteLocked();
  bool Write(const char* data, size_t size);

  const int fd_;
  std::mutex mu_;
  bool closed_ = false;
  std::string pending_;
};

class GuardedAcceptor final : public FIX::Acceptor {
 public:
  // The Logout text for a second connection of a CompID in use.
  static constexpr const char* kDuplicateText = "CompID is already logged on";

  GuardedAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                  const FIX::SessionSettings& settings, FIX::LogFactory& log, GuardedAcceptorOptions options);
  GuardedAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                  const FIX::SessionSettings& settings, GuardedAcceptorOptions options);
  ~GuardedAcceptor() override;

  // What the guard decides about a connection's first bytes (exposed for tests).
  enum class Verdict { kPass, kWaitForMore, kDuplicate };
  // `bytes` is what has arrived so far; for a Logon of a session in use, `session` is it.
  static Verdict Inspect(const std::string& bytes, FIX::SessionID* session);

 private:
  void onConfigure(const FIX::SessionSettings&) override {}
  void onInitialize(const FIX::SessionSettings&) override;
  void onStart() override;
  bool onPoll(double) override { return false; }
  void onStop() override;

  void Serve(uint64_t id, int fd);
  // Peeks at the first message; false when the connection was refused (and closed).
  bool Admit(int fd);
  void RefuseDuplicate(int fd, const FIX::SessionID& id);

  GuardedAcceptorOptions options_;
  int listen_fd_ = -1;
  std::mutex mu_;
  std::condition_variable idle_;
  std::map<uint64_t, int> connections_;  // connection number -> socket, while served
  uint64_t next_connection_ = 0;
  int threads_ = 0;            // connection threads still running
  std::atomic<bool> stopping_{false};
};

}  // namespace dazong::fix_gateway
