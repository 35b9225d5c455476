// ExchangeCore: the whole exchange state that the sequencer owns: one order book per
// instrument, every open order's client ids and notional totals, each member's ClOrdIDs, the
// id counters, and the reservation ledger hook.
//
// Pure and deterministic. Apply() takes a sequenced command and appends the events it causes;
// the same commands in the same order always give the same events, which is how recovery
// rebuilds the state from the journal. A rejected command changes nothing but the events.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "dazong/common/commands.h"
#include "dazong/common/config.h"
#include "dazong/common/events.h"
#include "dazong/common/order_status.h"
#include "dazong/common/reservations.h"
#include "dazong/matching/order_book.h"
#include "dazong/exchange/schedule.h"

namespace dazong::exchange {

// PriceBand and ComputePriceBand live with the instrument configuration (common/config.h).

// The matching core's configuration for an instrument.
matching::BookConfig MakeBookConfig(const InstrumentConfig& instrument);

class ExchangeCore {
 public:
  // `config` (and `ledger`, when given) must outlive the core. Without a ledger nothing is
  // reserved or settled (matching only).
  explicit ExchangeCore(const ExchangeConfig& config, ReservationLedger* ledger = nullptr);
  ~ExchangeCore();

  // Applies one command; appends its events (each stamped with cmd.seq and cmd.time) to `out`.
  void Apply(const SequencedCommand& cmd, std::vector<Event>& out);

  const matching::OrderBook& book(InstrumentId instrument) const;
  const PriceBand& band(InstrumentId instrument) const;
  uint64_t last_order_id() const { return next_order_id_ - 1; }
  uint64_t last_trade_id() const { return next_trade_id_ - 1; }

  // What the core knows of `member`'s order known as `cl_ord_id` (its entry ClOrdID or that of
  // a cancel/replace request for it), for OrderStatusRequest: an open order's current state,
  // or only that it is closed (the core keeps no final state of closed orders), or unknown.
  // Read-only and allocation-free; call on the thread that applies commands.
  OrderStatusAnswer FindOrder(MemberId member, const ClOrdId& cl_ord_id) const;

 private:
  class BookListener;
  struct Instrument {
    const InstrumentConfig* config;
    PriceBand band;
    std::unique_ptr<BookListener> listener;
    std::unique_ptr<matching::OrderBook> book;
    TradingSchedule schedule;
    TradingSchedule::Slot applied;  // the timetable slot last put into effect
    bool schedule_started = false;
  };
  // What the core keeps about an open order beyond the book.
  struct OrderMeta {
    ClOrdId cl_ord_id;
    uint32_t session = 0;
    InstrumentId instrument;
    Money cum_notional;
  };
  struct MemberOrderKey {
    MemberId member;
    ClOrdId cl_ord_id;
    friend bool operator==(const MemberOrderKey&, const MemberOrderKey&) = default;
    friend bool operator<(const MemberOrderKey& a, const MemberOrderKey& b) {
      if (a.member != b.member) return a.member.value() < b.member.value();
      return a.cl_ord_id.view() < b.cl_ord_id.view();
    }
    template <typename H>
    friend H AbslHashValue(H h, const MemberOrderKey& k) {
      return H::combine(std::move(h), k.member, k.cl_ord_id);
    }
  };
  // The request being applied, for the listener callbacks it causes.
  struct Context {
    SeqNo seq;
    Timestamp time = 0;
    std::vector<Event>* out = nullptr;
    ClOrdId request_cl_ord_id;
    ClOrdId orig_cl_ord_id;
    uint32_t request_session = 0;
  };

  void ApplyNewOrder(const NewOrderCommand& cmd);
  void ApplyCancel(const CancelOrderCommand& cmd);
  void ApplyReplace(const ReplaceOrderCommand& cmd);
  void ApplyMassCancel(const MassCancelCommand& cmd);
  void ApplyPhase(const PhaseCommand& cmd);
  void ApplyTimer();
  // Puts the timetable slot in force at ctx_.time into effect for every scheduled instrument
  // not halted; sets next_schedule_check_.
  void ApplySchedules();
  // Appends the event to the command's output, built in place (an Event is 272 bytes: no
  // temporaries copied through).
  template <typename T>
  void Emit(T&& body) {
    Event& e = ctx_.out->emplace_back();
    e.seq = ctx_.seq;
    e.time = ctx_.time;
    e.body.template emplace<std::decay_t<T>>(std::forward<T>(body));
  }
  OrderView View(const matching::Order& order) const;
  Instrument* FindInstrument(InstrumentId id);
  // For a cancel or replace request with its own `request_cl_ord_id`: the member's open order
  // whose latest ClOrdID is `cl_ord_id`, or null with `reason` set (bad or reused request id,
  // unknown or closed order, or a ClOrdID the order had before a replace).
  const OrderId* FindOpenOrder(MemberId member, const ClOrdId& request_cl_ord_id,
                               const ClOrdId& cl_ord_id, RejectReason* reason) const;

  const ExchangeConfig& config_;
  NoReservations no_reservations_;
  ReservationLedger* ledger_;
  std::vector<Instrument> instruments_;  // index = InstrumentId - 1
  absl::flat_hash_map<OrderId, OrderMeta> open_orders_;
  // Every ClOrdID of the trading day. A B-tree: it grows a node at a time, where a hash table
  // of a day's orders rehashes every entry at once (a stall of tens of ms for every order
  // behind it, seen as the p99 of the FIX benchmark).
  // Its nodes are 1 KB instead of absl::btree_map's 256 bytes: a slot (key and id) is 48
  // bytes, so a 256-byte node held 4 and a day's ClOrdIDs made a tree 7-8 levels deep, each
  // insert splitting nodes often. (absl::btree_map is this class with TargetNodeSize 256.)
  using ClOrdIdIndex = absl::container_internal::btree_map_container<
      absl::container_internal::btree<absl::container_internal::map_params<
          MemberOrderKey, OrderId, std::less<MemberOrderKey>,
          std::allocator<std::pair<const MemberOrderKey, OrderId>>, /*TargetNodeSize=*/1024,
          /*IsMulti=*/false>>>;
  ClOrdIdIndex cl_ord_ids_;
  uint64_t next_order_id_ = 1;
  uint64_t next_trade_id_ = 1;
  Timestamp next_schedule_check_ = 0;
  Context ctx_;
};

}  // namespace dazong::exchange
