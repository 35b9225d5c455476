// Test support for the HTTP API of dazongd: a small JSON client with the demo tokens
// ("demo-token-" + code, docs/demo-credentials.md), and SeedDemoLedger(), which gives the
// demo members receipts and cash through the real API so that their orders can be reserved
// (with the ledger attached, a sell needs receipts and a buy needs cash).
#pragma once

#include <httplib.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace dazong::testing {

struct ApiReply {
  int status = 0;  // 0: no connection
  nlohmann::json body;
};

class ApiClient {
 public:
  explicit ApiClient(int port) : client_("127.0.0.1", port) {
    client_.set_read_timeout(30, 0);
    client_.set_connection_timeout(5, 0);
  }

  // `code` is the calling principal ("M001", "WH-SH-01", "B001", "S001", "OP001"); its demo
  // token is used unless `token` is given.
  ApiReply Get(const std::string& code, const std::string& path, const std::string& token = "") {
    auto res = client_.Get(("/api/v1" + path).c_str(), Headers(code, token));
    return Parse(res);
  }
  ApiReply Post(const std::string& code, const std::string& path,
                const nlohmann::json& body = nlohmann::json::object(),
                const std::string& token = "") {
    auto res = client_.Post(("/api/v1" + path).c_str(), Headers(code, token), body.dump(),
                            "application/json");
    return Parse(res);
  }

 private:
  static httplib::Headers Headers(const std::string& code, const std::string& token) {
    return {{"Authorization", "Bearer " + (token.empty() ? "demo-token-" + code : token)},
            {"X-Dazong-Principal", code}};
  }
  static ApiReply Parse(const httplib::Result& res) {
    ApiReply reply;
    if (!res) return reply;
    reply.status = res->status;
    reply.body = nlohmann::json::parse(res->body, nullptr, false);
    return reply;
  }
  httplib::Client client_;
};

inline constexpr const char* kDemoRebarGrade = "HRB400E 20mm, GB/T 1499.2-2018";
inline constexpr const char* kDemoCopperGrade = "Cu-CATH-1 cathode, GB/T 467-2010";
inline constexpr const char* kDemoSoyGrade = "43% protein, GB/T 19541-2017 grade 2";

inline nlohmann::json DemoElements(const std::string& depositor, const std::string& commodity,
                                   const std::string& grade, int64_t kg, const std::string& lot) {
  return {{"depositor", depositor},
          {"commodity", commodity},
          {"grade", grade},
          {"brand", "Demo brand"},
          {"packaging", "bundles"},
          {"unit", "kg"},
          {"quantity", kg},
          {"lots", {lot}},
          {"storage_location", "Yard 1"},
          {"inspection_certificate", "CIQ-" + lot},
          {"expiry", "2099-12-31"},
          {"storage_fee_terms", "0.30 yuan/t/day, paid by the holder"},
          {"insurance", "PICC all risks"}};
}

// What SeedDemoLedger() gives each of M001..M005.
struct DemoSeed {
  int64_t rebar_receipts = 2;         // at WH-SH-01, 100 t each
  int64_t receipt_kg = 100000;
  int64_t cash_fen = 50'000'000'000;  // 500 million yuan
  // Inspected stock per (warehouse, commodity): at least 50,000 t, and room for every receipt.
  int64_t stock_kg() const { return std::max<int64_t>(50'000'000, 10 * receipt_kg * (rebar_receipts + 1)); }
};

// Stock reports by the three warehouses, receipts for M001..M005 (rebar and copper at
// WH-SH-01, soybean meal at WH-TJ-02), and deposits by bank B001. Returns "" or what failed.
inline std::string SeedDemoLedger(ApiClient& api, const DemoSeed& seed = {}) {
  auto check = [](const ApiReply& r, const std::string& what) {
    return r.status == 200 ? std::string() : what + ": " + std::to_string(r.status) + " " + r.body.dump();
  };
  const std::vector<std::string> members = {"M001", "M002", "M003", "M004", "M005"};
  const int64_t n = static_cast<int64_t>(members.size());
  const int64_t kg = seed.stock_kg();
  const std::vector<std::pair<std::string, nlohmann::json>> stock = {
      {"WH-SH-01", {{"commodity", "rebar"}, {"grade", kDemoRebarGrade}, {"quantity", kg}}},
      {"WH-SH-01", {{"commodity", "copper"}, {"grade", kDemoCopperGrade}, {"quantity", kg}}},
      {"WH-TJ-02", {{"commodity", "rebar"}, {"grade", kDemoRebarGrade}, {"quantity", kg}}},
      {"WH-TJ-02", {{"commodity", "soybean-meal"}, {"grade", kDemoSoyGrade}, {"quantity", kg}}},
      {"WH-DL-03", {{"commodity", "soybean-meal"}, {"grade", kDemoSoyGrade}, {"quantity", kg}}}};
  for (const auto& [warehouse, body] : stock) {
    if (std::string e = check(api.Post(warehouse, "/stock", body), "stock " + warehouse); !e.empty()) return e;
  }
  int64_t sh_serial = 1;
  int64_t tj_serial = 1;
  for (int64_t i = 0; i < n; ++i) {
    const std::string& m = members[static_cast<size_t>(i)];
    auto issue = [&](const std::string& warehouse, int64_t serial, const std::string& commodity,
                     const std::string& grade, const std::string& lot) {
      nlohmann::json body{{"serial", serial},
                          {"holder", m},
                          {"elements", DemoElements(m, commodity, grade, seed.receipt_kg, lot)}};
      return check(api.Post(warehouse, "/receipts", body), "receipt " + lot);
    };
    for (int64_t k = 0; k < seed.rebar_receipts; ++k) {
      const int64_t serial = sh_serial++;
      if (std::string e = issue("WH-SH-01", serial, "rebar", kDemoRebarGrade, "SH-RB-" + std::to_string(serial));
          !e.empty()) {
        return e;
      }
    }
    const int64_t cu = sh_serial++;
    if (std::string e = issue("WH-SH-01", cu, "copper", kDemoCopperGrade, "SH-CU-" + std::to_string(cu)); !e.empty()) {
      return e;
    }
    const int64_t sm = tj_serial++;
    if (std::string e = issue("WH-TJ-02", sm, "soybean-meal", kDemoSoyGrade, "TJ-SM-" + std::to_string(sm));
        !e.empty()) {
      return e;
    }
    nlohmann::json deposit{{"member", m}, {"amount", seed.cash_fen}, {"reference", "seed-" + m}};
    if (std::string e = check(api.Post("B001", "/cash/deposit", deposit), "deposit " + m); !e.empty()) return e;
  }
  return "";
}

}  // namespace dazong::testing
