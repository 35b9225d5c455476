// Commands: the only way anything changes exchange state. Gateways and the API build them;
// the sequencer numbers, stamps and journals them, then applies them to the core. Plain
// values, no pointers, so a command can be journaled and replayed byte for byte.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "dazong/common/clock.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"
#include "dazong/common/phase.h"
#include "dazong/common/reservations.h"
#include "dazong/common/short_string.h"
#include "dazong/common/side.h"

namespace dazong {

// Most receipts one sell order may name for delivery (FIX NoReceipts(20010) on a
// NewOrderSingle). They are held inline, so a command stays a plain value that travels through
// the bounded command queue without any heap allocation; each one costs 16 bytes of every
// queued command (see the static_assert on CommandBody below).
inline constexpr size_t kMaxNamedReceipts = 4;

// Enter an order. `member` is the authenticated member (the gateway sets it from the session,
// never from the message body).
// `session` is the gateway's slot for the session that sent it (a routing tag for replies;
// the core only copies it into events).
struct NewOrderCommand {
  uint32_t session = 0;
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  Price price;                 // limit orders
  Quantity quantity;
  Price protection_price;      // market orders: never trade beyond it (0: the band's edge)
  Timestamp expire_time = 0;   // GTD orders
  SelfTradePrevention stp = SelfTradePrevention::kNone;
  // Sells only: the receipts to deliver, receipts[0, receipt_count), quantities summing to
  // `quantity`. None: the ledger takes the member's oldest free receipts.
  uint8_t receipt_count = 0;
  std::array<NamedReceipt, kMaxNamedReceipts> receipts{};

  std::span<const NamedReceipt> named_receipts() const {
    return {receipts.data(), receipt_count <= kMaxNamedReceipts ? receipt_count : kMaxNamedReceipts};
  }
  // Appends a named receipt; false when kMaxNamedReceipts are already named.
  bool AddReceipt(uint64_t receipt_id, Quantity qty) {
    if (receipt_count >= kMaxNamedReceipts) return false;
    receipts[receipt_count++] = NamedReceipt{receipt_id, qty};
    return true;
  }
};

// Cancel the member's order that it entered as `orig_cl_ord_id`.
struct CancelOrderCommand {
  uint32_t session = 0;
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;       // this request's id
  ClOrdId orig_cl_ord_id;  // the order to cancel
  Side side = Side::kBuy;
};

// Cancel-replace the member's order `orig_cl_ord_id`: new limit price and new total order
// quantity (FIX OrderQty: filled so far plus the new open quantity).
struct ReplaceOrderCommand {
  uint32_t session = 0;
  MemberId member;
  InstrumentId instrument;
  ClOrdId cl_ord_id;
  ClOrdId orig_cl_ord_id;
  Side side = Side::kBuy;
  Price price;
  Quantity quantity;
};

// Cancel many open orders at once. A member's request only ever touches its own orders; the
// operator's (member 0) may name a member or none (everyone).
struct MassCancelCommand {
  uint32_t session = 0;
  MemberId member;          // requester; 0: the operator
  ClOrdId cl_ord_id;
  InstrumentId instrument;  // 0: every instrument
  bool any_side = true;
  Side side = Side::kBuy;   // when !any_side
  MemberId target_member;   // operator only; 0: every member
};

// Operator and schedule: move an instrument (0: every instrument) to a phase, halt or resume.
struct PhaseCommand {
  enum class Action : uint8_t { kSetPhase = 1, kHalt = 2, kResume = 3 };
  InstrumentId instrument;
  Action action = Action::kSetPhase;
  Phase phase = Phase::kContinuous;
};

// A clock tick journaled like any command, so time-driven changes (GTD expiry, the end of a
// volatility auction) happen at the same point on replay.
struct TimerCommand {};

// A warehouse-receipt ledger command from the HTTP API, journaled like an order: `principal`
// is the authenticated actor ("member:M001", PrincipalString) and `payload` the command as
// receipts::EncodeLedgerCommand wrote it (its actor must be `principal`). `ticket` is the
// API's routing tag for the reply (like `session`: the ledger only copies it).
struct LedgerCommandEnvelope {
  uint64_t ticket = 0;
  std::string principal;
  std::string payload;
};

// A read: the sequencer runs the query registered under `ticket` on its own thread after the
// group commit that follows everything queued before it. Never journaled, no sequence number.
// Who registered a query, so the sequencer hands it to the right runner.
enum class QueryClient : uint8_t { kApi = 0, kFixPositions = 1, kFixOrderStatus = 2 };
inline constexpr size_t kQueryClients = 3;
struct QueryCommand {
  uint64_t ticket = 0;
  QueryClient client = QueryClient::kApi;
};

using CommandBody = std::variant<NewOrderCommand, CancelOrderCommand, ReplaceOrderCommand,
                                 MassCancelCommand, PhaseCommand, TimerCommand,
                                 LedgerCommandEnvelope, QueryCommand>;

// Commands are copied by value through the command queue: keep them small. The named receipts
// made NewOrderCommand the largest body (about 160 bytes); grow kMaxNamedReceipts only with care.
static_assert(sizeof(CommandBody) <= 168, "CommandBody grew: commands travel by value");

// A command as the sequencer journals it: its global sequence number and the time stamp it
// was given, which is the only time the core ever sees.
struct SequencedCommand {
  SeqNo seq;
  Timestamp time = 0;
  CommandBody body;
};

}  // namespace dazong
