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
#include <string>

#include "dazong/quickfix.h"

namespace dazong::fix_gateway {

struct GuardedAcceptorOptions {
  int port = 0;
  bool no_delay = true;        // TCP_NODELAY on every connection
  int send_buffer_bytes = 0;   // SO_SNDBUF; 0: the system's default
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
