// A small in-memory ExchangeConfig for unit tests: one rebar instrument (price per tonne,
// quantity in kg, lot 1 t, tick 1 yuan, reference 3650, band ±5%) and three members.
#pragma once

#include "dazong/common/config.h"

namespace dazong::testing {

inline ExchangeConfig MakeTestConfig() {
  ExchangeConfig config;
  config.name = "test";
  config.comp_id = "DAZONG";
  InstrumentConfig rebar;
  rebar.id = InstrumentId(1);
  rebar.symbol = "RB";
  rebar.commodity = "rebar";
  rebar.grade = "HRB400E";
  rebar.price_unit = "t";
  rebar.base_unit = "kg";
  rebar.base_units_per_price_unit = 1000;
  rebar.lot_size = Quantity::FromRaw(1000);
  rebar.tick = Price::FromRaw(100);
  rebar.reference_price = Price::FromRaw(365000);
  rebar.price_band_bps = 500;
  rebar.trading_modes = {TradingMode::kContinuous};
  config.instruments.push_back(rebar);
  for (uint32_t i = 1; i <= 3; ++i) {
    MemberConfig m;
    m.id = MemberId(i);
    m.code = "M" + std::to_string(i);
    m.name = "Member " + std::to_string(i);
    config.members.push_back(m);
  }
  config.members[2].enabled = false;
  return config;
}

}  // namespace dazong::testing
