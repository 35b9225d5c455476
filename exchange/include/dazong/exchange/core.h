// ExchangeCore: the whole exchange state that the sequencer owns: one order book per
// instrument, every order's fill totals, each member's ClOrdIDs, and the id counters.
//
// Pure and deterministic. Apply() takes a sequenced command and appends the events it causes;
// the same commands in the same order always give the same events, which is how recovery
// rebuilds the state from the journal. A rejected command changes nothing but the events.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dazong/common/commands.h"
#include "dazong/common/config.h"
#include "dazong/common/events.h"
#include "dazong/matching/order_book.h"

namespace dazong::exchange {

// The static price band of an instrument: prices in [low, high] are accepted.
struct PriceBand {
  Price low;
  Price high;
};
// Band = reference × (1 ± bps/10000), rounded inward to whole ticks.
PriceBand ComputePriceBand(const InstrumentConfig& instrument);

class ExchangeCore {
 public:
  // `config` must outlive the core.
  explicit ExchangeCore(const ExchangeConfig& config);

  // Applies one command; appends its events (each stamped with cmd.seq) to `out`.
  void Apply(const SequencedCommand& cmd, std::vector<Event>& out);

  const matching::OrderBook& book(InstrumentId instrument) const;
  const PriceBand& band(InstrumentId instrument) const;
  uint64_t last_order_id() const { return next_order_id_ - 1; }
  uint64_t last_trade_id() const { return next_trade_id_ - 1; }

 private:
  struct Instrument {
    const InstrumentConfig* config;
    PriceBand band;
    std::unique_ptr<matching::OrderBook> book;
  };
  // Fill totals of an order that is still open.
  struct OrderTotals {
    InstrumentId instrument;
    uint32_t session;
    Quantity cum_quantity;
    Money cum_notional;
  };
  struct MemberOrderKey {
    MemberId member;
    ClOrdId cl_ord_id;
    friend bool operator==(const MemberOrderKey&, const MemberOrderKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const MemberOrderKey& k) {
      return H::combine(std::move(h), k.member, k.cl_ord_id);
    }
  };

  class FillCollector;

  void ApplyNewOrder(SeqNo seq, Timestamp time, const NewOrderCommand& cmd, std::vector<Event>& out);
  void ApplyCancel(SeqNo seq, Timestamp time, const CancelOrderCommand& cmd, std::vector<Event>& out);
  RejectReason Validate(const NewOrderCommand& cmd) const;
  OrderView View(const matching::BookOrder& order, InstrumentId instrument) const;

  const ExchangeConfig& config_;
  std::vector<Instrument> instruments_;  // index = InstrumentId - 1
  absl::flat_hash_map<OrderId, OrderTotals> open_orders_;
  absl::flat_hash_map<MemberOrderKey, OrderId> cl_ord_ids_;
  uint64_t next_order_id_ = 1;
  uint64_t next_trade_id_ = 1;
};

}  // namespace dazong::exchange
