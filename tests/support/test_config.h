// A small in-memory ExchangeConfig for unit tests: one rebar instrument (price per tonne,
// quantity in kg, lot 1 t, tick 1 yuan, reference 3650, band ±5%) and three members.
#pragma once

#include <string_view>

#include "dazong/common/commands.h"
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

// A limit order for the test config's rebar (instrument 1), sent by `member` on session
// `member`; price in whole yuan per tonne, quantity in kg.
inline NewOrderCommand RebarLimit(uint32_t member, std::string_view cl, Side side, int64_t price_yuan,
                                  int64_t qty_kg, TimeInForce tif = TimeInForce::kDay) {
  NewOrderCommand o;
  o.session = member;
  o.member = MemberId(member);
  o.instrument = InstrumentId(1);
  o.cl_ord_id = ClOrdId::FromView(cl);
  o.side = side;
  o.type = OrderType::kLimit;
  o.tif = tif;
  o.price = Price::FromRaw(price_yuan * 100);
  o.quantity = Quantity::FromRaw(qty_kg);
  return o;
}

}  // namespace dazong::testing
