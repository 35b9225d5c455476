#include "dazong/api/ledger_positions.h"

#include <utility>

namespace dazong::api {

namespace r = receipts;

MemberPositions ComputePositions(const ExchangeConfig& config, const r::Ledger& ledger, MemberId member,
                                 Timestamp now) {
  MemberPositions out;
  out.member = member;
  const r::LedgerState& state = ledger.state();
  if (auto account = state.accounts.find(member); account != state.accounts.end()) {
    out.cash_available = account->second.available;
    out.cash_reserved = account->second.reserved;
  }
  for (const InstrumentConfig& instrument : config.instruments) {
    out.instruments.push_back(InstrumentHoldings{instrument.id, {}, {}, {}, {}, {}});
  }
  const MemberConfig* m = config.FindMember(member);
  if (m == nullptr) return out;
  auto live = state.live_by_holder.find(r::Principal::Member(m->code));
  if (live == state.live_by_holder.end()) return out;
  for (const auto& [issued, id] : live->second) {
    const r::Receipt& receipt = state.receipts.at(id);
    for (const InstrumentConfig& instrument : config.instruments) {
      if (receipt.elements.commodity != instrument.commodity || receipt.elements.grade != instrument.grade ||
          !ledger.config().Accepts(instrument.id, receipt.warehouse)) {
        continue;
      }
      InstrumentHoldings& h = out.instruments[instrument.id.value() - 1];
      auto add = [&](HoldingState s, Quantity q) {
        if (!q.is_positive()) return;
        h.receipts.push_back(ReceiptHolding{receipt.number, receipt.id.value(), receipt.warehouse_code, receipt.elements.grade, q, s});
        Quantity& total = s == HoldingState::kAvailable  ? h.available
                          : s == HoldingState::kReserved ? h.reserved
                          : s == HoldingState::kPledged  ? h.pledged
                                                         : h.frozen;
        total = Quantity::FromRaw(total.raw() + q.raw());
      };
      const Quantity quantity = receipt.elements.quantity;
      const bool tradable = receipt.status == r::ReceiptStatus::kActive && now < receipt.elements.expiry;
      switch (receipt.encumbrance.kind) {
        case r::EncumbranceKind::kPledge:
          add(HoldingState::kPledged, quantity);
          break;
        case r::EncumbranceKind::kFrozenForDelivery:
          add(HoldingState::kFrozen, quantity);
          break;
        case r::EncumbranceKind::kFrozenForSale: {
          const Quantity held = receipt.held_quantity();
          add(HoldingState::kReserved, held);
          add(tradable ? HoldingState::kAvailable : HoldingState::kFrozen,
              Quantity::FromRaw(quantity.raw() - held.raw()));
          break;
        }
        case r::EncumbranceKind::kNone:
          add(tradable ? HoldingState::kAvailable : HoldingState::kFrozen, quantity);
          break;
      }
    }
  }
  return out;
}

LedgerPositions::LedgerPositions(const ExchangeConfig& config, CommandQueue& commands, const r::Ledger& ledger,
                                 const Clock& clock)
    : config_(config), commands_(commands), ledger_(ledger), clock_(clock) {}

void LedgerPositions::Request(MemberId member, std::function<void(absl::StatusOr<MemberPositions>)> done) {
  if (auto refused = pending_.Submit(Pending{member, std::move(done)}, commands_, QueryClient::kFixPositions)) {
    refused->done(absl::UnavailableError("the exchange's command queue is full; retry"));
  }
}

void LedgerPositions::RunQuery(uint64_t ticket) {
  if (auto pending = pending_.Take(ticket)) {
    pending->done(ComputePositions(config_, ledger_, pending->member, clock_.Now()));
  }
}

}  // namespace dazong::api
