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
