// FixGateway: the exchange's FIX 4.4 acceptor for member firms, market-data subscribers and
// supervisors' drop copy (docs/fix-rules-of-engagement.md is the published contract).
//
// Turns FIX into commands and events into FIX; keeps no exchange state beyond sessions (a
// per-member cache of the orders it has reported, for cancel-on-disconnect and for the final
// state of closed orders in OrderStatusRequest answers, and the public market-data picture it
// publishes). Open orders' status comes from the core (SetOrderStatusSource).
//
// Threads: each connection is read on its own thread by QuickFIX's ThreadedSocketConnection,
// run by the gateway's GuardedAcceptor (ThreadedSocketAcceptor's model, plus a Logout that
// says why to a second connection of a CompID that is logged on) (so the
// argon2id check of one Logon never stalls another session); that thread validates,
// translates and pushes a command to the sequencer's queue. OnEvents() runs on the sequencer
// thread and only copies each event into the bounded outbound queue of the session(s) it is
// for (and into the market-data thread's queue); it never blocks and never allocates unless a
// queue overflows. Each session has its own sender thread; a session whose queue overflows
// is disconnected as a slow consumer, and what it was due is kept in its QuickFIX store for
// resend. No QuickFIX type appears in this header.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dazong/common/config.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/order_status.h"
#include "dazong/common/positions.h"

namespace dazong::fix_gateway {

struct FixGatewayOptions {
  std::string store_dir;  // QuickFIX session stores (sequence numbers, sent messages)
  std::string log_dir;    // QuickFIX message logs; empty for none
};

// The public state of one instrument when the gateway starts (after journal recovery), so
// the first market-data snapshot is right.
struct MarketSeed {
  InstrumentId instrument;
  Phase phase = Phase::kContinuous;
  Price band_low;
  Price band_high;
  std::vector<DepthChanged> levels;  // published depth, both sides
};

class FixGateway final : public EventSink {
 public:
  // `config` and `commands` must outlive the gateway.
  static absl::StatusOr<std::unique_ptr<FixGateway>> Create(const ExchangeConfig& config,
                                                            CommandQueue& commands,
                                                            const FixGatewayOptions& options);
  ~FixGateway() override;

  // Call before Start(): the recovered public state of each instrument.
  void SeedMarketData(const std::vector<MarketSeed>& seeds);
  // Call before Start(): where RequestForPositions (AN) is answered from (the ledger). Without
  // one, AN gets BusinessMessageReject 380=3. `source` must outlive the gateway's sessions.
  void SetPositionsSource(PositionsSource* source);
  // Call before Start(): where OrderStatusRequest (H) is answered from (the core, on the
  // sequencer thread). Without one, H is answered from the reports this gateway has sent since
  // it started. `source` must outlive the gateway's sessions.
  void SetOrderStatusSource(OrderStatusSource* source);

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
