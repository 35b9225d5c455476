// The daemon's HTTP/JSON API (docs/receipts.md, "HTTP API"): warehouse-receipt ledger commands
// and reads for warehouses, banks, members and supervisors, and the exchange operator's
// controls (freeze / unfreeze, instrument phase, halt, resume, mass cancel).
//
// Authentication: "Authorization: Bearer <token>", checked against each principal's
// api_token_hash (argon2id) in the config; a verified token is cached so that only its first
// use pays for argon2. An optional "X-Dazong-Principal: <code>" header names the principal, so
// that only its hash is tried. Every route checks the caller's role.
//
// Writes are journaled commands: the handler queues them to the sequencer and answers only
// after the group commit that made them durable (OnLedgerResult). Reads are QueryCommands: they
// run on the sequencer thread after everything queued before them is committed, so they never
// race the state. Errors are JSON {"code","message"} with an HTTP status, and change nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "dazong/common/config.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::api {

struct ApiOptions {
  int request_timeout_ms = 15000;  // how long a handler waits for the sequencer
  size_t threads = 32;             // HTTP worker threads (requests served concurrently)
};

class ApiServer final : public exchange::SequencerHooks, public EventSink {
 public:
  // Everything given must outlive the server. `ledger` and `core` are read only from the
  // sequencer thread (in RunQuery).
  ApiServer(const ExchangeConfig& config, CommandQueue& commands, const receipts::Ledger& ledger,
            const exchange::ExchangeCore& core, ApiOptions options = {});
  ~ApiServer() override;

  // Binds config.http.host:port and starts serving on a thread of its own.
  absl::Status Start();
  void Stop();

  // SequencerHooks (sequencer thread).
  void OnLedgerResult(uint64_t ticket, SeqNo seq,
                      std::span<const receipts::LedgerEvent> events) override;
  void RunQuery(uint64_t ticket) override;
  // EventSink (sequencer thread): notes the results of the operator's commands.
  void OnEvents(std::span<const Event> events) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Attaches the API to a daemon: builds the server, makes it the sequencer's hooks and one of
// its sinks. Call before the sequencer runs; Start() the result once the sequencer runs.
std::unique_ptr<ApiServer> AttachApi(const ExchangeConfig& config, CommandQueue& commands,
                                     const receipts::Ledger& ledger,
                                     const exchange::ExchangeCore& core,
                                     exchange::Sequencer& sequencer);

}  // namespace dazong::api
