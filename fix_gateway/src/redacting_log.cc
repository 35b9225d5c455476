#include "redacting_log.h"

namespace dazong::fix_gateway {
namespace {

class RedactingLog final : public FIX::Log {
 public:
  explicit RedactingLog(FIX::Log* inner) : inner_(inner) {}
  FIX::Log* inner() const { return inner_; }
  void clear() override { inner_->clear(); }
  void backup() override { inner_->backup(); }
  void onIncoming(const std::string& m) override { inner_->onIncoming(RedactSecrets(m)); }
  void onOutgoing(const std::string& m) override { inner_->onOutgoing(RedactSecrets(m)); }
  void onEvent(const std::string& m) override { inner_->onEvent(RedactSecrets(m)); }

 private:
  FIX::Log* inner_;
};

}  // namespace

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
