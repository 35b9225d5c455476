// RedactingLogFactory: QuickFIX message logs with secrets removed. QuickFIX logs every
// inbound Logon verbatim, Password(554) included; this wrapper rewrites the value of 554 and
// 925 (NewPassword) to "***" before the wrapped log sees the message.
#pragma once

#include <memory>
#include <string>

#include "dazong/quickfix.h"

namespace dazong::fix_gateway {

// Returns `message` with the values of tags 554 and 925 replaced by "***".
std::string RedactSecrets(const std::string& message);
// False only when `message` certainly has neither tag (then RedactSecrets would return it as is).
bool HasSecret(const std::string& message);

// BufferedFileLogFactory: per-session message and event logs in `dir`, named as QuickFIX's
// FileLog names them (FIX.4.4-DAZONG-HUAXIN-OE.messages.current.log, .event.current.log), in
// the same "time : message" lines, but buffered: a log is written out when 64 KB have
// gathered, when 100 ms have passed since it was last written out (checked at the next line),
// at every session event (logon, logout, errors: rare and wanted at once) and when the
// session's log is destroyed. QuickFIX's FileLog writes and flushes every message, two system
// calls per order on this path; the durable record of orders is the exchange's journal, so a
// crash may lose the last 100 ms of message log lines, never an order.
class BufferedFileLogFactory final : public FIX::LogFactory {
 public:
  explicit BufferedFileLogFactory(std::string dir) : dir_(std::move(dir)) {}
  FIX::Log* create() override;
  FIX::Log* create(const FIX::SessionID& id) override;
  void destroy(FIX::Log* log) override;

 private:
  std::string dir_;
};

class RedactingLogFactory final : public FIX::LogFactory {
 public:
  explicit RedactingLogFactory(std::unique_ptr<FIX::LogFactory> inner) : inner_(std::move(inner)) {}
  FIX::Log* create() override;
  FIX::Log* create(const FIX::SessionID& id) override;
  void destroy(FIX::Log* log) override;

 private:
  std::unique_ptr<FIX::LogFactory> inner_;
};

}  // namespace dazong::fix_gateway
