#include "guarded_acceptor.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "dazong/common/thread_name.h"
#include "spdlog/spdlog.h"

namespace dazong::fix_gateway {
namespace {

using Clock = std::chrono::steady_clock;

// How long the guard waits for a connection's first complete message before it leaves the
// connection to QuickFIX as it is.
constexpr auto kFirstMessageWait = std::chrono::seconds(2);
// How long a session held by another connection may take to free up (a client reconnecting
// right after its connection dropped, before the exchange has finished with the old one).
constexpr auto kDuplicateGrace = std::chrono::milliseconds(1000);
constexpr size_t kPeekBytes = 4096;

// The value of `tag` in a raw FIX message ("\x01<tag>=value\x01"), or "" if absent.
std::string RawField(const std::string& bytes, const std::string& tag) {
  const std::string key = tag + "=";
  size_t at = 0;
  if (bytes.compare(0, key.size(), key) != 0) {
    at = bytes.find("\x01" + key);
    if (at == std::string::npos) return "";
    ++at;
  }
  at += key.size();
  const size_t end = bytes.find('\x01', at);
  return end == std::string::npos ? "" : bytes.substr(at, end - at);
}

thread_local OutboundBatch* current_batch = nullptr;

}  // namespace

OutChannel::OutChannel(int fd) : fd_(fd) { pending_.reserve(OutboundBatch::kMaxGatheredBytes + 4096); }

bool OutChannel::Send(const std::string& message) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (OutboundBatch* batch = OutboundBatch::Current(); batch != nullptr) {
    if (pending_.empty()) batch->Hold(shared_from_this());
    pending_.append(message);
    return pending_.size() < OutboundBatch::kMaxGatheredBytes || WriteLocked();
  }
  if (pending_.empty()) return Write(message.data(), message.size());
  pending_.append(message);
  return WriteLocked();
}

void OutChannel::Flush() {
  std::lock_guard lock(mu_);
  if (!closed_) WriteLocked();
}

void OutChannel::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  pending_.clear();
}

bool OutChannel::WriteLocked() {
  const bool ok = Write(pending_.data(), pending_.size());
  pending_.clear();
  return ok;
}

bool OutChannel::Write(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

namespace {

// QuickFIX's threaded connection whose sends go through an OutChannel (QuickFIX 1.15.1's own
// send writes with one send() call per message).
class GatheringConnection final : public FIX::ThreadedSocketConnection {
 public:
  GatheringConnection(int fd, Sessions sessions, FIX::Log* log)
      : ThreadedSocketConnection(fd, std::move(sessions), log), out_(std::make_shared<OutChannel>(fd)) {}
  ~GatheringConnection() override { out_->Close(); }

 private:
  // Both are FIX::Responder's, called by the session (under its lock) and by the base class.
  bool send(const std::string& message) override { return out_->Send(message); }
  void disconnect() override {
    out_->Close();
    ThreadedSocketConnection::disconnect();
  }

  std::shared_ptr<OutChannel> out_;
};

}  // namespace

OutboundBatch::OutboundBatch() {
  if (current_batch == nullptr) {
    current_batch = this;
    active_ = true;
  }
}

OutboundBatch::~OutboundBatch() {
  if (!active_) return;
  current_batch = nullptr;
  for (const auto& channel : held_) channel->Flush();
}

OutboundBatch* OutboundBatch::Current() { return current_batch; }

void OutboundBatch::Hold(std::shared_ptr<OutChannel> channel) {
  for (const auto& held : held_) {
    if (held == channel) return;
  }
  held_.push_back(std::move(channel));
}

GuardedAcceptor::GuardedAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                                 const FIX::SessionSettings& settings, FIX::LogFactory& log,
                                 GuardedAcceptorOptions options)
    : FIX::Acceptor(application, store, settings, log), options_(options) {}

GuardedAcceptor::GuardedAcceptor(FIX::Application& application, FIX::MessageStoreFactory& store,
                                 const FIX::SessionSettings& settings, GuardedAcceptorOptions options)
    : FIX::Acceptor(application, store, settings), options_(options) {}

GuardedAcceptor::~GuardedAcceptor() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

GuardedAcceptor::Verdict GuardedAcceptor::Inspect(const std::string& bytes, FIX::SessionID* session) {
  // A complete message ends with the checksum field "10=nnn\x01".
  const size_t checksum = bytes.find("\x01" "10=");
  if (checksum == std::string::npos || bytes.find('\x01', checksum + 1) == std::string::npos) {
    return bytes.size() >= kPeekBytes ? Verdict::kPass : Verdict::kWaitForMore;
  }
  const std::string message = bytes.substr(0, bytes.find('\x01', checksum + 1) + 1);
  if (RawField(message, "35") != "A") return Verdict::kPass;
  const std::string begin = RawField(message, "8");
  const std::string sender = RawField(message, "49");
  const std::string target = RawField(message, "56");
  if (begin.empty() || sender.empty() || target.empty()) return Verdict::kPass;
  // The session as the acceptor knows it: our CompID is its sender.
  const FIX::SessionID id(begin, target, sender);
  if (FIX::Session::lookupSession(id) == nullptr) return Verdict::kPass;  // QuickFIX refuses it
  if (!FIX::Session::isSessionRegistered(id)) return Verdict::kPass;
  *session = id;
  return Verdict::kDuplicate;
}

void GuardedAcceptor::onInitialize(const FIX::SessionSettings&) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw FIX::RuntimeError(absl::StrCat("socket: ", std::strerror(errno)));
  const int on = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(options_.port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw FIX::RuntimeError(absl::StrCat("cannot listen on port ", options_.port, ": ", why));
  }
}

void GuardedAcceptor::onStart() {
  while (!stopping_.load() && !isStopped()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {  // e.g. out of descriptors: do not spin on a listening socket that stays readable
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (fd >= FD_SETSIZE) {
      // QuickFIX's connection select()s on its socket: a descriptor this high would overflow
      // its fd_set. Refuse the connection rather than corrupt memory.
      spdlog::error("FIX: connection refused: socket descriptor {} exceeds select()'s limit of {}", fd,
                    FD_SETSIZE - 1);
      ::close(fd);
      continue;
    }
    if (options_.no_delay) {
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
    if (options_.send_buffer_bytes > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options_.send_buffer_bytes, sizeof(options_.send_buffer_bytes));
    }
    uint64_t id = 0;
    {
      std::lock_guard lock(mu_);
      id = ++next_connection_;
      connections_.emplace(id, fd);
      ++threads_;
    }
    try {
      std::thread([this, id, fd] {
        SetThreadName("fix-in-" + std::to_string(id));
        Serve(id, fd);
      }).detach();
    } catch (const std::system_error& e) {
      spdlog::error("FIX: connection refused: no thread for it: {}", e.what());
      ::close(fd);
      std::lock_guard lock(mu_);
      connections_.erase(id);
      --threads_;
    }
  }
}

void GuardedAcceptor::Serve(uint64_t id, int fd) {
  if (Admit(fd)) {
    // As FIX::ThreadedSocketAcceptor's connection thread: read until the connection ends; it
    // closes its socket itself.
    GatheringConnection connection(fd, getSessions(), getLog());
    while (connection.read()) {
    }
  }
  std::lock_guard lock(mu_);
  connections_.erase(id);
  --threads_;
  idle_.notify_all();
}

bool GuardedAcceptor::Admit(int fd) {
  const auto until = Clock::now() + kFirstMessageWait;
  std::string bytes;
  FIX::SessionID id;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0 || stopping_.load()) return true;
    if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200))) <= 0) continue;
    char buf[kPeekBytes];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_PEEK);
    if (n <= 0) return true;  // closed or failed: QuickFIX finds out itself
    const size_t seen = bytes.size();
    bytes.assign(buf, static_cast<size_t>(n));
    const Verdict verdict = Inspect(bytes, &id);
    if (verdict == Verdict::kPass) return true;
    if (verdict == Verdict::kDuplicate) break;
    // Incomplete: the peeked bytes stay readable, so wait for more before peeking again.
    if (bytes.size() == seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Held by another connection: give it a moment to free up (a reconnect after a drop).
  const auto grace = Clock::now() + kDuplicateGrace;
  while (FIX::Session::isSessionRegistered(id) && Clock::now() < grace) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!FIX::Session::isSessionRegistered(id)) return true;
  RefuseDuplicate(fd, id);
  return false;
}

void GuardedAcceptor::RefuseDuplicate(int fd, const FIX::SessionID& id) {
  FIX::Message logout;
  FIX::Header& header = logout.getHeader();
  header.setField(FIX::BeginString(id.getBeginString()));
  header.setField(FIX::MsgType(FIX::MsgType_Logout));
  header.setField(FIX::SenderCompID(id.getSenderCompID()));
  header.setField(FIX::TargetCompID(id.getTargetCompID()));
  // Not part of the session's numbering (nothing is stored): the number the session that is
  // logged on will use next. A QuickFIX initiator does not check it on a Logout.
  int next = 1;
  if (FIX::Session* session = FIX::Session::lookupSession(id)) next = session->getExpectedSenderNum();
  header.setField(FIX::MsgSeqNum(next));
  header.setField(FIX::SendingTime());
  logout.setField(FIX::Text(kDuplicateText));
  const std::string text = logout.toString();
  spdlog::warn("FIX {}: refused a second connection while the CompID is logged on",
               id.getTargetCompID().getValue());
  ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  // Let the Logout reach the peer before the close (a close with unread input sends RST).
  char drain[1024];
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0 && ::recv(fd, drain, sizeof(drain), 0) <= 0) break;
  }
  ::close(fd);
}

void GuardedAcceptor::onStop() {
  stopping_.store(true);
  std::unique_lock lock(mu_);
  // Wake every connection thread: its read fails and it ends (and closes its socket).
  for (const auto& [id, fd] : connections_) ::shutdown(fd, SHUT_RDWR);
  idle_.wait_for(lock, std::chrono::seconds(10), [&] { return threads_ == 0; });
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

}  // namespace dazong::fix_gateway
