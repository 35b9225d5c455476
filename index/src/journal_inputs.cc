#include "dazong/index/journal_inputs.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "dazong/exchange/core.h"
#include "dazong/exchange/sequencer.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::index {

absl::Status ReplayJournal(const ExchangeConfig& config, const exchange::JournalStore& store,
                           const std::function<void(std::span<const Event>)>& visit) {
  // The same ledger the daemon runs: its reservations decide which orders the core accepted.
  receipts::Ledger ledger(config);
  exchange::ExchangeCore core(config, &ledger);
  std::vector<Event> events;
  std::vector<receipts::LedgerEvent> ledger_events;
  return store.ReadJournal(1, [&](const SequencedCommand& cmd) {
    events.clear();
    ledger_events.clear();
    exchange::ApplyJournaled(cmd, core, &ledger, events, ledger_events);
    ledger.TakeChanges();  // already in the store; nothing is written here
    if (!events.empty()) visit(events);
    return absl::OkStatus();
  });
}

Bbo BboOf(const BboChanged& b, Timestamp time) {
  return Bbo{b.instrument.value(), time, b.bid_quantity.raw() > 0 ? b.bid_price.raw() : 0,
             b.ask_quantity.raw() > 0 ? b.ask_price.raw() : 0};
}

std::string QuoteCsvLine(const Bbo& bbo, const ExchangeConfig& config) {
  const InstrumentConfig* instrument = config.FindInstrument(InstrumentId(bbo.instrument));
  return absl::StrCat(bbo.time, ",", instrument ? instrument->symbol : "?", ",",
                      bbo.bid > 0 ? FormatPrice(Price::FromRaw(bbo.bid)) : "", ",",
                      bbo.ask > 0 ? FormatPrice(Price::FromRaw(bbo.ask)) : "");
}

}  // namespace dazong::index
