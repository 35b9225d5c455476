// dazong-trade: a member's command-line FIX client. Logs on, sends the orders given on the
// command line, prints every execution report and reject it receives, and logs out.
//
//   dazong-trade --port 9878 --comp-id HUAXIN-OE --password demo-HUAXIN-OE COMMAND...
// where COMMAND is one or more of:
//       buy RB-HRB400E 10000@3650.00 [day|gtc|ioc]
//       sell RB-HRB400E 10000@3650.00
//       cancel CLORDID RB-HRB400E buy
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "dazong/fix_client/fix_client.h"

namespace {

using dazong::fix_client::FixClient;
using dazong::fix_client::FixClientOptions;
using dazong::fix_client::ReceivedMessage;

int Usage() {
  std::fprintf(stderr,
               "usage: dazong-trade [--host H] --port P --comp-id ID --password PW [--target DAZONG]\n"
               "                    [--store DIR] [--wait SECONDS] COMMAND...\n"
               "  --store DIR  where the FIX session's sequence numbers are kept between runs\n"
               "               (default var/fix-client; the exchange remembers them too)\n"
               "commands:\n"
               "  buy|sell SYMBOL QTY@PRICE [day|gtc|ioc]   limit order (QTY in base units, PRICE in yuan)\n"
               "  buy|sell SYMBOL QTY@market                market order\n"
               "  cancel CLORDID SYMBOL buy|sell            cancel an order\n");
  return 2;
}

std::string Describe(const ReceivedMessage& m) {
  static const std::pair<int, const char*> kFields[] = {
      {35, "type"}, {11, "ClOrdID"}, {41, "OrigClOrdID"}, {37, "OrderID"}, {150, "ExecType"},
      {39, "OrdStatus"}, {55, "Symbol"}, {54, "Side"}, {44, "Price"}, {38, "OrderQty"},
      {31, "LastPx"}, {32, "LastQty"}, {14, "CumQty"}, {151, "LeavesQty"}, {6, "AvgPx"},
      {880, "TrdMatchID"}, {58, "Text"}};
  std::string out;
  for (const auto& [tag, name] : kFields) {
    if (tag == 35) {
      out += "MsgType=" + m.msg_type;
      continue;
    }
    if (m.Has(tag)) out += std::string(" ") + name + "=" + m.Get(tag);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  FixClientOptions options;
  options.reconnect_seconds = 30;
  options.store_dir = "var/fix-client";
  int wait_seconds = 2;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--host") options.host = value();
    else if (arg == "--port") options.port = std::atoi(value().c_str());
    else if (arg == "--comp-id") options.sender_comp_id = value();
    else if (arg == "--password") options.password = value();
    else if (arg == "--username") options.username = value();
    else if (arg == "--target") options.target_comp_id = value();
    else if (arg == "--wait") wait_seconds = std::atoi(value().c_str());
    else if (arg == "--store") options.store_dir = value();
    else if (arg == "--help" || arg == "-h") return Usage();
    else words.push_back(arg);
  }
  if (options.port <= 0 || options.sender_comp_id.empty() || words.empty()) return Usage();

  auto client = FixClient::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "dazong-trade: %s\n", client.status().ToString().c_str());
    return 2;
  }
  if (auto s = (*client)->Start(); !s.ok()) {
    std::fprintf(stderr, "dazong-trade: %s\n", s.ToString().c_str());
    return 1;
  }
  if (!(*client)->WaitLoggedOn(std::chrono::seconds(10))) {
    std::fprintf(stderr, "dazong-trade: logon failed: %s\n", (*client)->last_logout_text().c_str());
    return 1;
  }
  std::printf("logged on as %s\n", options.sender_comp_id.c_str());

  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int n = 0;
  for (size_t i = 0; i < words.size();) {
    const std::string& verb = words[i];
    if ((verb == "buy" || verb == "sell") && i + 2 < words.size()) {
      FixClient::Order order;
      order.cl_ord_id = options.sender_comp_id + "-" + std::to_string(now_ms) + "-" + std::to_string(++n);
      order.side = verb == "buy" ? '1' : '2';
      order.symbol = words[i + 1];
      const std::string& spec = words[i + 2];
      const size_t at = spec.find('@');
      if (at == std::string::npos) return Usage();
      order.quantity = spec.substr(0, at);
      const std::string price = spec.substr(at + 1);
      if (price == "market") {
        order.ord_type = '1';
        order.time_in_force = '3';
      } else {
        order.price = price;
      }
      i += 3;
      if (i < words.size() && (words[i] == "day" || words[i] == "gtc" || words[i] == "ioc")) {
        order.time_in_force = words[i] == "day" ? '0' : words[i] == "gtc" ? '1' : '3';
        ++i;
      }
      std::printf("-> NewOrderSingle ClOrdID=%s %s %s %s@%s\n", order.cl_ord_id.c_str(), verb.c_str(),
                  order.symbol.c_str(), order.quantity.c_str(), price.c_str());
      if (auto s = (*client)->SendNewOrder(order); !s.ok()) {
        std::fprintf(stderr, "send failed: %s\n", s.ToString().c_str());
      }
    } else if (verb == "cancel" && i + 3 < words.size()) {
      const std::string cl = options.sender_comp_id + "-" + std::to_string(now_ms) + "-" + std::to_string(++n);
      std::printf("-> OrderCancelRequest ClOrdID=%s OrigClOrdID=%s\n", cl.c_str(), words[i + 1].c_str());
      if (auto s = (*client)->SendCancel(cl, words[i + 1], words[i + 2], words[i + 3] == "sell" ? '2' : '1');
          !s.ok()) {
        std::fprintf(stderr, "send failed: %s\n", s.ToString().c_str());
      }
      i += 4;
    } else {
      return Usage();
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = (*client)->WaitFor([](const ReceivedMessage& r) { return r.msg_type != "0" && r.msg_type != "1"; },
                                std::chrono::milliseconds(100));
    if (m.has_value()) std::printf("<- %s\n", Describe(*m).c_str());
  }
  (*client)->Stop();
  return 0;
}
