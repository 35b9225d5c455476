// Helpers for integration tests that run real servers: a child process with its output in a
// log file, a free loopback port, and waiting for a condition with a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace dazong::testing {

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Polls `condition` every 20 ms until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// Replaces the first `pattern` after the first `after` (from the start if empty) in `text`
// (the integration tests' way of deriving a test config from config/demo.toml). Fails the
// test if either is missing.
inline void ReplaceOnce(std::string& text, const std::string& pattern, const std::string& with,
                        const std::string& after = "") {
  const size_t start = after.empty() ? 0 : text.find(after);
  ASSERT_NE(start, std::string::npos) << after;
  const size_t at = text.find(pattern, start);
  ASSERT_NE(at, std::string::npos) << pattern;
  text.replace(at, pattern.size(), with);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A child process whose stdout and stderr go to `log_path`. Killed (SIGKILL) on destruction.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path)
      : argv_(std::move(argv)), log_path_(std::move(log_path)) {}
  ~ChildProcess() { Kill(SIGKILL); }

  bool Start() {
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> args;
      for (std::string& a : argv_) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    return pid_ > 0;
  }

  // Sends `signal` and waits for the exit; returns the wait status (or -1 if not running).
  int Kill(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // Sends `signal` without waiting (SIGSTOP / SIGCONT to stall a server and resume it).
  void Signal(int signal) {
    if (pid_ > 0) kill(pid_, signal);
  }

  // False once the process has exited (it is then reaped, and exit_status() tells how).
  bool running() {
    if (pid_ <= 0) return false;
    if (waitpid(pid_, &status_, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }
  int exit_status() const { return status_; }
  std::string log() const { return ReadFile(log_path_); }

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  pid_t pid_ = -1;
  int status_ = 0;
};

}  // namespace dazong::testing
