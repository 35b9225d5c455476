#include "redacting_log.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>

namespace dazong::fix_gateway {
namespace {

// One append-only text file with a write buffer.
class BufferedFile {
 public:
  static int64_t NowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  explicit BufferedFile(const std::string& path) : file_(std::fopen(path.c_str(), "ab")) {
    if (file_ != nullptr) std::setvbuf(file_, nullptr, _IONBF, 0);  // our own buffer only
    buffer_.reserve(kFlushBytes + 4096);
  }
  ~BufferedFile() {
    Flush();
    if (file_ != nullptr) std::fclose(file_);
  }
  void Line(const std::string& text, bool flush_now) {
    const int64_t us = NowMicros();
    AppendStamp(us);
    buffer_.append(text);
    buffer_.push_back('\n');
    // A clock stepped back also flushes.
    if (flush_now || buffer_.size() >= kFlushBytes || us - last_flush_us_ >= kFlushAfterUs || us < last_flush_us_) {
      Flush();
      last_flush_us_ = us;
    }
  }
  // "YYYYMMDD-HH:MM:SS.uuuuuu : ". The date and time of day are formatted once per second.
  void AppendStamp(int64_t us) {
    const int64_t second = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    if (second != stamp_second_) {
      const std::time_t secs = static_cast<std::time_t>(second);
      std::tm tm{};
      gmtime_r(&secs, &tm);
      std::snprintf(stamp_, sizeof(stamp_), "%04d%02d%02d-%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      stamp_second_ = second;
    }
    char micros[9] = {0, 0, 0, 0, 0, 0, ' ', ':', ' '};
    int64_t fraction = us - second * 1000000;
    for (int i = 5; i >= 0; --i) {
      micros[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    buffer_.append(stamp_, kStampDateBytes);
    buffer_.append(micros, sizeof(micros));
  }

  void Flush() {
    if (file_ != nullptr && !buffer_.empty()) {
      std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    }
    buffer_.clear();
  }
  void Truncate(const std::string& path) {
    buffer_.clear();
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ != nullptr) std::setvbuf(file_, nullptr, _IONBF, 0);
  }

 private:
  static constexpr size_t kFlushBytes = 64 * 1024;
  static constexpr int64_t kFlushAfterUs = 100'000;
  static constexpr size_t kStampDateBytes = 18;  // "YYYYMMDD-HH:MM:SS."
  std::FILE* file_;
  std::string buffer_;
  int64_t last_flush_us_ = NowMicros();
  int64_t stamp_second_ = INT64_MIN;
  char stamp_[64] = {};
};

class BufferedFileLog final : public FIX::Log {
 public:
  explicit BufferedFileLog(const std::string& prefix)
      : messages_path_(prefix + "messages.current.log"),
        events_path_(prefix + "event.current.log"),
        messages_(messages_path_),
        events_(events_path_) {}
  void clear() override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.Truncate(messages_path_);
    events_.Truncate(events_path_);
  }
  void backup() override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.Flush();
    events_.Flush();
  }
  void onIncoming(const std::string& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.Line(m, false);
  }
  void onOutgoing(const std::string& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.Line(m, false);
  }
  void onEvent(const std::string& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.Flush();  // the messages leading up to the event are on disk with it
    events_.Line(m, true);
  }

 private:
  std::mutex mu_;
  std::string messages_path_;
  std::string events_path_;
  BufferedFile messages_;
  BufferedFile events_;
};

class RedactingLog final : public FIX::Log {
 public:
  explicit RedactingLog(FIX::Log* inner) : inner_(inner) {}
  FIX::Log* inner() const { return inner_; }
  void clear() override { inner_->clear(); }
  void backup() override { inner_->backup(); }
  // Copies only a message that has a secret to hide.
  void onIncoming(const std::string& m) override {
    if (HasSecret(m)) return inner_->onIncoming(RedactSecrets(m));
    inner_->onIncoming(m);
  }
  void onOutgoing(const std::string& m) override {
    if (HasSecret(m)) return inner_->onOutgoing(RedactSecrets(m));
    inner_->onOutgoing(m);
  }
  void onEvent(const std::string& m) override {
    if (HasSecret(m)) return inner_->onEvent(RedactSecrets(m));
    inner_->onEvent(m);
  }

 private:
  FIX::Log* inner_;
};

}  // namespace

bool HasSecret(const std::string& message) {
  return message.find("554=") != std::string::npos || message.find("925=") != std::string::npos;
}

std::string RedactSecrets(const std::string& message) {
  std::string out = message;
  for (const char* tag : {"554=", "925="}) {
    size_t pos = 0;
    const std::string needle = tag;
    while ((pos = out.find(needle, pos)) != std::string::npos) {
      // Only a whole tag: at the start or right after a field separator.
      if (pos != 0 && out[pos - 1] != '\x01') {
        pos += needle.size();
        continue;
      }
      const size_t value = pos + needle.size();
      size_t end = out.find('\x01', value);
      if (end == std::string::npos) end = out.size();
      out.replace(value, end - value, "***");
      pos = value + 3;
    }
  }
  return out;
}

FIX::Log* BufferedFileLogFactory::create() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  return new BufferedFileLog(dir_ + "/GLOBAL.");
}
FIX::Log* BufferedFileLogFactory::create(const FIX::SessionID& id) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  return new BufferedFileLog(dir_ + "/" + id.getBeginString().getValue() + "-" +
                             id.getSenderCompID().getValue() + "-" +
                             id.getTargetCompID().getValue() + ".");
}
void BufferedFileLogFactory::destroy(FIX::Log* log) { delete log; }

FIX::Log* RedactingLogFactory::create() { return new RedactingLog(inner_->create()); }
FIX::Log* RedactingLogFactory::create(const FIX::SessionID& id) {
  return new RedactingLog(inner_->create(id));
}
void RedactingLogFactory::destroy(FIX::Log* log) {
  auto* redacting = static_cast<RedactingLog*>(log);
  inner_->destroy(redacting->inner());
  delete redacting;
}

}  // namespace dazong::fix_gateway
