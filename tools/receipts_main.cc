// dazong-receipts: the HTTP API of the warehouse-receipt ledger and the exchange operator from
// the command line, one sub-command per operation (docs/receipts.md, "HTTP API").
//
//   dazong-receipts [--host H] [--port P] --as CODE [--token TOKEN] COMMAND [ARGS...]
//
// The token comes from --token or the DAZONG_API_TOKEN environment variable. Prints the JSON
// reply; exits 0 on HTTP 2xx, 1 on an API error, 2 on a usage error, 3 when unreachable.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "seed.h"

namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(usage: dazong-receipts [--host H] [--port P] --as CODE [--token TOKEN] COMMAND [ARGS]

any role      whoami | instruments | receipt ID | history ID
warehouse     stock COMMODITY GRADE QUANTITY
              register SERIAL HOLDER ELEMENTS_JSON
              confirm-load-out ID | correct ID NEW_SERIAL REASON ELEMENTS_JSON
              receipts | disclosure
member/bank   holdings | cash | transfer ID TO | split ID Q1,Q2[,..] | merge ID,ID[,..]
              pledge ID BANK (member) | decline ID | load-out ID
bank          deposit MEMBER FEN [REFERENCE] | withdraw MEMBER FEN [REFERENCE]
              accept ID | release ID | enforce ID REASON
supervisor    holdings HOLDER | cash [MEMBER] | receipts [WAREHOUSE] | disclosure [WAREHOUSE]
              ledger-history [FROM] [LIMIT] | verify
operator      freeze ID REFERENCE REASON | unfreeze ID REASON | expire
              halt SYMBOL|ALL | resume SYMBOL|ALL | phase SYMBOL|ALL PHASE
              mass-cancel [SYMBOL] [MEMBER]
raw           get PATH | post PATH [JSON]
demo          seed-demo [RECEIPT_KG]   (demo tokens; seeds receipts and cash when the ledger is
              empty; RECEIPT_KG sizes each receipt, default 100000, e.g. larger for load tests)
Quantities are base units (kg), money is fen. ELEMENTS_JSON: see docs/receipts.md.
)";

int Usage() {
  std::fputs(kUsage, stderr);
  return 2;
}

std::vector<int64_t> Numbers(const std::string& csv) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string::npos) comma = csv.size();
    out.push_back(std::stoll(csv.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8088;
  std::string as;
  std::string token = std::getenv("DAZONG_API_TOKEN") != nullptr ? std::getenv("DAZONG_API_TOKEN") : "";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--host" && i + 1 < argc) {
      host = argv[++i];
    } else if (a == "--port" && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (a == "--as" && i + 1 < argc) {
      as = argv[++i];
    } else if (a == "--token" && i + 1 < argc) {
      token = argv[++i];
    } else if (a == "-h" || a == "--help") {
      return Usage();
    } else {
      args.push_back(a);
    }
  }
  if (args.empty()) return Usage();
  const std::string cmd = args[0];
  auto arg = [&](size_t i) -> const std::string& {
    static const std::string kEmpty;
    return i < args.size() ? args[i] : kEmpty;
  };
  auto need = [&](size_t n) { return args.size() >= n + 1; };

  if (cmd == "seed-demo") {
    dazong::testing::ApiClient api(port);
    dazong::testing::ApiReply v = api.Get("S001", "/verify");
    if (v.status == 0) {
      std::fprintf(stderr, "dazong-receipts: cannot reach %s:%d\n", host.c_str(), port);
      return 3;
    }
    if (v.status == 200 && v.body["history_records"].get<int64_t>() > 0) {
      std::printf("ledger already holds %lld records: not seeding\n",
                  static_cast<long long>(v.body["history_records"].get<int64_t>()));
      return 0;
    }
    dazong::testing::DemoSeed seed;
    if (need(1)) seed.receipt_kg = std::stoll(arg(1));
    if (seed.receipt_kg <= 0) return Usage();
    const std::string error = dazong::testing::SeedDemoLedger(api, seed);
    if (!error.empty()) {
      std::fprintf(stderr, "dazong-receipts: seeding failed: %s\n", error.c_str());
      return 1;
    }
    std::printf("seeded: stock at 3 warehouses, receipts and cash for M001..M005\n");
    return 0;
  }
  if (as.empty()) {
    std::fprintf(stderr, "dazong-receipts: --as CODE is required\n");
    return 2;
  }
  if (token.empty()) {
    std::fprintf(stderr, "dazong-receipts: give the API token with --token or DAZONG_API_TOKEN\n");
    return 2;
  }

  std::string method = "GET";
  std::string path;
  json body = json::object();
  const std::string id = arg(1);
  try {
    if (cmd == "whoami") {
      path = "/whoami";
    } else if (cmd == "instruments") {
      path = "/instruments";
    } else if (cmd == "receipt" && need(1)) {
      path = "/receipts/" + id;
    } else if (cmd == "history" && need(1)) {
      path = "/receipts/" + id + "/history";
    } else if (cmd == "ledger-history") {
      path = "/history?from=" + (need(1) ? arg(1) : "0") + "&limit=" + (need(2) ? arg(2) : "1000");
    } else if (cmd == "stock" && need(3)) {
      method = "POST";
      path = "/stock";
      body = {{"commodity", arg(1)}, {"grade", arg(2)}, {"quantity", std::stoll(arg(3))}};
    } else if (cmd == "register" && need(3)) {
      method = "POST";
      path = "/receipts";
      body = {{"serial", std::stoll(arg(1))}, {"holder", arg(2)}, {"elements", json::parse(arg(3))}};
    } else if (cmd == "confirm-load-out" && need(1)) {
      method = "POST";
      path = "/receipts/" + id + "/load-out/confirm";
    } else if (cmd == "correct" && need(4)) {
      method = "POST";
      path = "/receipts/" + id + "/correct";
      body = {{"new_serial", std::stoll(arg(2))}, {"reason", arg(3)}, {"elements", json::parse(arg(4))}};
    } else if (cmd == "receipts") {
      path = need(1) ? "/receipts?warehouse=" + arg(1) : "/receipts";
    } else if (cmd == "disclosure") {
      path = need(1) ? "/disclosure/stock?warehouse=" + arg(1) : "/disclosure/stock";
    } else if (cmd == "holdings") {
      path = need(1) ? "/holdings?holder=" + arg(1) : "/holdings";
    } else if (cmd == "cash") {
      path = need(1) ? "/cash?member=" + arg(1) : "/cash";
    } else if (cmd == "transfer" && need(2)) {
      method = "POST";
      path = "/receipts/" + id + "/transfer";
      body = {{"to", arg(2)}};
    } else if (cmd == "split" && need(2)) {
      method = "POST";
      path = "/receipts/" + id + "/split";
      body = {{"quantities", Numbers(arg(2))}};
    } else if (cmd == "merge" && need(1)) {
      method = "POST";
      path = "/receipts/merge";
      body = {{"receipts", Numbers(arg(1))}};
    } else if (cmd == "pledge" && need(2)) {
      method = "POST";
      path = "/receipts/" + id + "/pledge";
      body = {{"bank", arg(2)}};
    } else if ((cmd == "decline" || cmd == "accept" || cmd == "release") && need(1)) {
      method = "POST";
      path = "/receipts/" + id + "/pledge/" + cmd;
    } else if (cmd == "enforce" && need(2)) {
      method = "POST";
      path = "/receipts/" + id + "/pledge/enforce";
      body = {{"reason", arg(2)}};
    } else if (cmd == "load-out" && need(1)) {
      method = "POST";
      path = "/receipts/" + id + "/load-out";
    } else if ((cmd == "deposit" || cmd == "withdraw") && need(2)) {
      method = "POST";
      path = "/cash/" + cmd;
      body = {{"member", arg(1)}, {"amount", std::stoll(arg(2))}, {"reference", arg(3)}};
    } else if (cmd == "freeze" && need(3)) {
      method = "POST";
      path = "/receipts/" + id + "/freeze";
      body = {{"reference", arg(2)}, {"reason", arg(3)}};
    } else if (cmd == "unfreeze" && need(2)) {
      method = "POST";
      path = "/receipts/" + id + "/unfreeze";
      body = {{"reason", arg(2)}};
    } else if (cmd == "expire") {
      method = "POST";
      path = "/receipts/expire";
    } else if ((cmd == "halt" || cmd == "resume") && need(1)) {
      method = "POST";
      path = "/instruments/" + arg(1) + "/" + cmd;
    } else if (cmd == "phase" && need(2)) {
      method = "POST";
      path = "/instruments/" + arg(1) + "/phase";
      body = {{"phase", arg(2)}};
    } else if (cmd == "mass-cancel") {
      method = "POST";
      path = "/orders/mass-cancel";
      if (need(1)) body["instrument"] = arg(1);
      if (need(2)) body["member"] = arg(2);
    } else if (cmd == "verify") {
      path = "/verify";
    } else if (cmd == "get" && need(1)) {
      path = arg(1);
    } else if (cmd == "post" && need(1)) {
      method = "POST";
      path = arg(1);
      if (need(2)) body = json::parse(arg(2));
    } else {
      return Usage();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dazong-receipts: bad argument: %s\n", e.what());
    return 2;
  }

  httplib::Client client(host, port);
  client.set_read_timeout(60, 0);
  httplib::Headers headers{{"Authorization", "Bearer " + token}, {"X-Dazong-Principal", as}};
  const std::string url = "/api/v1" + path;
  httplib::Result res = method == "GET"
                            ? client.Get(url.c_str(), headers)
                            : client.Post(url.c_str(), headers, body.dump(), "application/json");
  if (!res) {
    std::fprintf(stderr, "dazong-receipts: cannot reach %s:%d\n", host.c_str(), port);
    return 3;
  }
  json reply = json::parse(res->body, nullptr, false);
  std::cout << (reply.is_discarded() ? res->body : reply.dump(2)) << "\n";
  return res->status >= 200 && res->status < 300 ? 0 : 1;
}
