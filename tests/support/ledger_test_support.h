// Test support for the warehouse-receipt ledger: an in-memory ExchangeConfig with warehouses,
// banks, a supervisor and two instruments, receipt elements, and a harness that applies
// commands with increasing sequence numbers and checks the ledger after each.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dazong/common/config.h"
#include "dazong/common/commands.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/ledger.h"

namespace dazong::testing {

// 2026-06-01 00:00 CST.
inline Timestamp LedgerT0() { return receipts::StartOfDayCst("2026-06-01").value(); }

// Members M1..M5 (M5 disabled; M3 is an affiliate of WH2), warehouses WH1 (prefix WA, range
// 1..999, rebar + copper), WH2 (prefix WB, range 100..199, rebar, affiliate M3), WH3 (licence
// expired 2020-01-01, rebar), banks B1 (settlement) and B2, supervisor S1.
// Instrument 1 "RB": rebar HRB400E per tonne, lot 1 t, accepted at WH1 and WH2, fees 5 bps each
// side, minimum 100 fen. Instrument 2 "CU": copper A per tonne, lot 5 t, WH1 only, no fees.
inline ExchangeConfig MakeLedgerConfig() {
  ExchangeConfig config;
  config.name = "ledger-test";
  config.comp_id = "DAZONG";
  InstrumentConfig rb;
  rb.id = InstrumentId(1);
  rb.symbol = "RB";
  rb.commodity = "rebar";
  rb.grade = "HRB400E";
  rb.price_unit = "t";
  rb.base_unit = "kg";
  rb.base_units_per_price_unit = 1000;
  rb.lot_size = Quantity::FromRaw(1000);
  rb.tick = Price::FromRaw(100);
  rb.reference_price = Price::FromRaw(365000);
  rb.price_band_bps = 500;
  rb.trading_modes = {TradingMode::kContinuous};
  rb.fees = FeeSchedule{5, 5, Money::FromRaw(100)};
  rb.warehouses = {"WH1", "WH2"};
  config.instruments.push_back(rb);
  InstrumentConfig cu = rb;
  cu.id = InstrumentId(2);
  cu.symbol = "CU";
  cu.commodity = "copper";
  cu.grade = "A";
  cu.lot_size = Quantity::FromRaw(5000);
  cu.reference_price = Price::FromRaw(6800000);
  cu.fees = FeeSchedule{};
  cu.warehouses = {"WH1"};
  config.instruments.push_back(cu);
  for (uint32_t i = 1; i <= 5; ++i) {
    MemberConfig m;
    m.id = MemberId(i);
    m.code = "M" + std::to_string(i);
    m.name = "Member " + std::to_string(i);
    m.enabled = i != 5;
    config.members.push_back(m);
  }
  auto warehouse = [&](uint32_t id, std::string code, std::string prefix, uint64_t first,
                       uint64_t last, std::string expiry, std::vector<std::string> commodities) {
    WarehouseConfig w;
    w.id = WarehouseId(id);
    w.code = std::move(code);
    w.name = w.code;
    w.licence = "LIC-" + w.code;
    w.licence_expiry = std::move(expiry);
    w.operator_name = "op";
    w.receipt_prefix = std::move(prefix);
    w.receipt_range_first = first;
    w.receipt_range_last = last;
    w.commodities = std::move(commodities);
    return w;
  };
  config.warehouses.push_back(warehouse(1, "WH1", "WA", 1, 999, "2030-12-31", {"rebar", "copper"}));
  config.warehouses.push_back(warehouse(2, "WH2", "WB", 100, 199, "2030-12-31", {"rebar"}));
  config.warehouses[1].affiliates = {"M3"};
  config.warehouses.push_back(warehouse(3, "WH3", "WC", 1, 99, "2020-01-01", {"rebar"}));
  config.banks.push_back(BankConfig{"B1", "Bank one", ""});
  config.banks.push_back(BankConfig{"B2", "Bank two", ""});
  SupervisorConfig s;
  s.code = "S1";
  s.name = "Supervisor";
  config.supervisors.push_back(s);
  return config;
}

// A ledger command as the HTTP API queues it for the sequencer: encoded, with its actor as
// the authenticated principal.
inline CommandBody LedgerEnvelope(const receipts::LedgerCommand& cmd, uint64_t ticket = 0) {
  LedgerCommandEnvelope env;
  env.ticket = ticket;
  env.principal = receipts::PrincipalString(receipts::CommandActor(cmd));
  receipts::EncodeLedgerCommand(cmd, env.payload);
  return env;
}

inline receipts::ReceiptElements Elements(std::string commodity, std::string grade, int64_t kg,
                                          std::vector<std::string> lots,
                                          Timestamp expiry = LedgerT0() + 365 * receipts::kNanosPerDay) {
  receipts::ReceiptElements e;
  e.depositor = "M1";
  e.commodity = std::move(commodity);
  e.grade = std::move(grade);
  e.brand = "Shagang";
  e.packaging = "bundles";
  e.unit = "kg";
  e.quantity = Quantity::FromRaw(kg);
  e.lots = std::move(lots);
  e.storage_location = "Shed 3, bay 12";
  e.inspection_certificate = "CIQ-2026-0001";
  e.expiry = expiry;
  e.storage_fee_terms = "0.30 yuan/t/day, paid by holder";
  e.insurance = "PICC policy 88-1234, all risks";
  return e;
}

// True when every record and derived index of two states is equal.
inline bool SameState(const receipts::LedgerState& a, const receipts::LedgerState& b) {
  return a.SameRecords(b) && a.receipted == b.receipted && a.used_serials == b.used_serials &&
         a.live_lots == b.live_lots && a.live_by_holder == b.live_by_holder &&
         a.free_by_holder == b.free_by_holder;
}

}  // namespace dazong::testing
