// FixGateway: the exchange's FIX 4.4 acceptor for member firms.
//
// Turns FIX into commands and events into FIX; keeps no exchange state beyond sessions.
// Logon checks Password(554) against the member registry's argon2id hash. Inbound messages
// are handled on QuickFIX's acceptor thread, which only validates, translates and pushes a
// command to the sequencer's queue. Events arrive through OnEvents() on the sequencer thread,
// are copied into the gateway's outbound queue, and are sent by the gateway's sender thread,
// so a slow socket never blocks the sequencer. No QuickFIX type appears in this header.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/common/event_sink.h"

namespace dazong::fix_gateway {

struct FixGatewayOptions {
  std::string store_dir;  // QuickFIX session stores (sequence numbers, sent messages)
  std::string log_dir;    // QuickFIX message logs; empty for none
};

class FixGateway final : public EventSink {
 public:
  // `config` and `commands` must outlive the gateway.
  static absl::StatusOr<std::unique_ptr<FixGateway>> Create(const ExchangeConfig& config,
                                                            CommandQueue& commands,
                                                            const FixGatewayOptions& options);
  ~FixGateway() override;

  // Starts accepting connections on config.fix.port.
  absl::Status Start();
  // Logs every session out and stops. Idempotent.
  void Stop();

  void OnEvents(std::span<const Event> events) override;

  class Impl;

 private:
  explicit FixGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dazong::fix_gateway
