// Shared fixtures for the index tests: a small exchange (rebar, copper; five members, M1 and
// M5 related) with two single indices and a composite, and helpers to make trades.
#pragma once

#include <string>

#include "dazong/common/config.h"
#include "dazong/index/calendar.h"
#include "dazong/index/record.h"

namespace dazong::testing {

inline ExchangeConfig MakeIndexTestConfig() {
  ExchangeConfig config;
  config.name = "index-test";
  config.comp_id = "DAZONG";
  const char* symbols[] = {"RB", "CU"};
  for (uint32_t i = 0; i < 2; ++i) {
    InstrumentConfig c;
    c.id = InstrumentId(i + 1);
    c.symbol = symbols[i];
    c.price_unit = "t";
    c.base_unit = "kg";
    c.base_units_per_price_unit = 1000;
    c.lot_size = Quantity::FromRaw(1000);
    c.tick = Price::FromRaw(100);
    c.reference_price = Price::FromRaw(i == 0 ? 365000 : 6850000);
    config.instruments.push_back(c);
  }
  for (uint32_t i = 1; i <= 5; ++i) {
    MemberConfig m;
    m.id = MemberId(i);
    m.code = "M" + std::to_string(i);
    m.name = m.code;
    config.members.push_back(m);
  }
  config.members[0].related_members = {"M5"};  // listed on one side only: still symmetric
  for (const char* symbol : symbols) {
    IndexConfig index;
    index.id = std::string("DZ-") + symbol;
    index.name = index.id;
    index.kind = IndexKind::kSingle;
    index.instruments = {symbol};
    index.fixing_window_start = "14:30";
    index.fixing_window_end = "15:00";
    index.intraday_window_seconds = 300;
    index.min_trades = 3;
    index.min_volume = Quantity::FromRaw(30000);
    index.min_distinct_buyers = 2;
    index.min_distinct_sellers = 2;
    index.outlier_k_milli = 3000;
    config.indices.push_back(index);
  }
  IndexConfig bulk;
  bulk.id = "DZ-BULK";
  bulk.name = "bulk";
  bulk.kind = IndexKind::kComposite;
  bulk.instruments = {"RB", "CU"};
  bulk.weights = {6000, 4000};
  bulk.fixing_window_start = "14:30";
  bulk.fixing_window_end = "15:00";
  bulk.min_trades = 3;
  bulk.min_volume = Quantity::FromRaw(30000);
  bulk.min_distinct_buyers = 2;
  bulk.min_distinct_sellers = 2;
  bulk.base_date = "2026-01-05";
  bulk.base_value = 1000;
  config.indices.push_back(bulk);
  return config;
}

// "2026-01-05 14:35:00" (Asia/Shanghai) as a UTC time stamp.
inline Timestamp LocalTime(const std::string& text) { return *index::ParseTime(text); }

inline index::IndexTrade MakeTrade(uint64_t id, const std::string& local_time, uint32_t instrument,
                                   int64_t price_fen, int64_t quantity, uint32_t buyer,
                                   uint32_t seller) {
  index::IndexTrade t;
  t.trade_id = id;
  t.time = LocalTime(local_time);
  t.instrument = instrument;
  t.price = price_fen;
  t.quantity = quantity;
  t.buyer = buyer;
  t.seller = seller;
  return t;
}

}  // namespace dazong::testing
