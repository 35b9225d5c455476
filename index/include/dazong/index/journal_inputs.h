// The index inputs that the journal determines: trades and book states (best bid and offer).
//
// Quotes are not stored by the exchange; they follow from the journal. ReplayJournal runs the
// journaled commands through a fresh ExchangeCore and warehouse-receipt ledger, applied as the
// sequencer applies them (exchange::ApplyJournaled), and hands over each command's events as
// the sequencer handed them to the live service, so the auditor's `dazong-index export-quotes`
// sees exactly the BboChanged events the live service saw (docs/index-methodology.md, "Reproducing any value").
#pragma once

#include <functional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "dazong/common/config.h"
#include "dazong/common/events.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/index/record.h"

namespace dazong::index {

// Replays every journaled command in sequence order; `visit` gets the events of each command
// (all stamped with its time), in order. Stops at the first error.
absl::Status ReplayJournal(const ExchangeConfig& config, const exchange::JournalStore& store,
                           const std::function<void(std::span<const Event>)>& visit);

// The index's view of a BboChanged: 0 for a side without orders.
Bbo BboOf(const BboChanged& b, Timestamp time);

// The quotes CSV line of a book state ("time,instrument,bid,ask", no newline), the format
// ParseQuotesCsv reads.
std::string QuoteCsvLine(const Bbo& bbo, const ExchangeConfig& config);

}  // namespace dazong::index
