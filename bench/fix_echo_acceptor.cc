// fix-echo-acceptor: the baseline for the FIX load tool. A QuickFIX 1.15.1 acceptor that
// answers each NewOrderSingle with one ExecutionReport (150=0), and each OrderCancelRequest with
// one (150=4), and does nothing else, so the load tool can measure QuickFIX itself with the same
// acceptor kind, store and validation as dazongd, in the same run.
//
// usage: fix-echo-acceptor --port P --comp-ids A,B,C [--store memory|file|mapped] [--store-dir DIR]
//          [--acceptor threaded|socket] [--dictionary XML] [--sender-comp-id DAZONG]
//          [--reports echo|trades] [--drop-copy SUPV-DC]
// --store mapped is the exchange's own store (dazong/mapped_file_store.h), which dazongd uses.
// --reports trades: QuickFIX carrying the messages the exchange sends for fix-load's alternate
//   mix, with no exchange behind it: each order is acknowledged, and an order that finds a
//   resting order of the other side of the same symbol (the oldest; price and quantity are not
//   looked at, as in the alternate mix both are the same) fills it: one trade ExecutionReport
//   to each owner and a TradeCaptureReport to the --drop-copy session (stored while that
//   session is not logged on, as dazongd's drop copy is). Not a matching engine: it bounds
//   what the gateway's own library costs for that message count (docs/benchmarks.md).
// Runs until SIGINT/SIGTERM. Prints "echo ready" when listening.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "dazong/mapped_file_store.h"
#include "dazong/quickfix.h"

namespace {

class Echo final : public FIX::Application {
 public:
  Echo(bool trades, FIX::SessionID drop_copy) : trades_(trades), drop_copy_(std::move(drop_copy)) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    const std::string& type = msg.getHeader().getField(FIX::FIELD::MsgType);
    if (type == FIX::MsgType_OrderCancelRequest) {
      FIX44::ExecutionReport er = Report(msg, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED, NextId());
      er.setField(FIX::OrigClOrdID(msg.getField(FIX::FIELD::OrigClOrdID)));
      er.setField(FIX::FIELD::LeavesQty, "0");
      FIX::Session::sendToTarget(er, id);
      return;
    }
    if (type != FIX::MsgType_NewOrderSingle) return;
    const std::string order_id = NextId();
    FIX44::ExecutionReport ack = Report(msg, FIX::ExecType_NEW, FIX::OrdStatus_NEW, order_id);
    FIX::Session::sendToTarget(ack, id);
    if (!trades_) return;
    Resting incoming{id, order_id, msg.getField(FIX::FIELD::ClOrdID), msg.getField(FIX::FIELD::Side),
                     msg.getField(FIX::FIELD::Symbol), msg.getField(FIX::FIELD::OrderQty),
                     msg.getField(FIX::FIELD::Price)};
    Resting resting;
    uint64_t trade_id = 0;
    {
      std::lock_guard lock(book_mu_);
      std::deque<Resting>& other = book_[incoming.symbol + (incoming.side == "1" ? "/2" : "/1")];
      if (other.empty()) {
        book_[incoming.symbol + "/" + incoming.side].push_back(std::move(incoming));
        return;
      }
      resting = std::move(other.front());
      other.pop_front();
      trade_id = ++trade_ids_;
    }
    const std::string match = std::to_string(trade_id);
    FIX44::ExecutionReport incoming_fill = Fill(incoming, resting.price, match);
    FIX::Session::sendToTarget(incoming_fill, incoming.session);
    FIX44::ExecutionReport resting_fill = Fill(resting, resting.price, match);
    FIX::Session::sendToTarget(resting_fill, resting.session);
    FIX::Message ae;
    ae.getHeader().setField(FIX::MsgType(FIX::MsgType_TradeCaptureReport));
    ae.setField(FIX::FIELD::TradeReportID, match);
    ae.setField(FIX::FIELD::TradeReportTransType, "0");
    ae.setField(FIX::FIELD::ExecType, "F");
    ae.setField(FIX::FIELD::TrdMatchID, match);
    ae.setField(FIX::FIELD::PreviouslyReported, "N");
    ae.setField(FIX::FIELD::Symbol, resting.symbol);
    ae.setField(FIX::FIELD::LastQty, resting.quantity);
    ae.setField(FIX::FIELD::LastPx, resting.price);
    const FIX::UtcTimeStamp now;
    ae.setField(FIX::TransactTime(now));
    ae.setField(FIX::FIELD::TradeDate, FIX::UtcDateConvertor::convert(FIX::UtcDate(now)));
    for (const Resting* side : {&incoming, &resting}) {
      FIX::Group g(FIX::FIELD::NoSides, FIX::FIELD::Side);
      g.setField(FIX::FIELD::Side, side->side);
      g.setField(FIX::FIELD::OrderID, side->order_id);
      g.setField(FIX::FIELD::ClOrdID, side->cl_ord_id);
      FIX::Group party(FIX::FIELD::NoPartyIDs, FIX::FIELD::PartyID);
      party.setField(FIX::FIELD::PartyID, side->session.getTargetCompID().getValue());
      party.setField(FIX::FIELD::PartyIDSource, "D");
      party.setField(FIX::FIELD::PartyRole, "1");
      g.addGroup(party);
      g.setField(FIX::FIELD::Currency, "CNY");
      ae.addGroup(g);
    }
    FIX::Session::sendToTarget(ae, drop_copy_);
  }

 private:
  struct Resting {
    FIX::SessionID session;
    std::string order_id, cl_ord_id, side, symbol, quantity, price;
  };

  std::string NextId() { return std::to_string(++order_ids_); }

  static FIX44::ExecutionReport Report(const FIX::Message& msg, char exec_type, char status,
                                       const std::string& order_id) {
    FIX44::ExecutionReport er;
    er.setField(FIX::OrderID(order_id));
    er.setField(FIX::ExecID(order_id));
    er.setField(FIX::ExecType(exec_type));
    er.setField(FIX::OrdStatus(status));
    er.setField(FIX::ClOrdID(msg.getField(FIX::FIELD::ClOrdID)));
    er.setField(FIX::Symbol(msg.getField(FIX::FIELD::Symbol)));
    er.setField(FIX::FIELD::Side, msg.getField(FIX::FIELD::Side));
    er.setField(FIX::FIELD::OrderQty, msg.getField(FIX::FIELD::OrderQty));
    er.setField(FIX::FIELD::LeavesQty, msg.getField(FIX::FIELD::OrderQty));
    er.setField(FIX::FIELD::CumQty, "0");
    er.setField(FIX::FIELD::AvgPx, "0");
    er.setField(FIX::TransactTime());
    return er;
  }

  // The trade report the exchange sends each side: the order filled in full at `price`.
  FIX44::ExecutionReport Fill(const Resting& order, const std::string& price, const std::string& match) {
    FIX44::ExecutionReport er;
    er.setField(FIX::OrderID(order.order_id));
    er.setField(FIX::ExecID(NextId()));
    er.setField(FIX::ExecType(FIX::ExecType_TRADE));
    er.setField(FIX::OrdStatus(FIX::OrdStatus_FILLED));
    er.setField(FIX::ClOrdID(order.cl_ord_id));
    er.setField(FIX::Symbol(order.symbol));
    er.setField(FIX::FIELD::Side, order.side);
    er.setField(FIX::FIELD::OrderQty, order.quantity);
    er.setField(FIX::FIELD::Price, order.price);
    er.setField(FIX::FIELD::LeavesQty, "0");
    er.setField(FIX::FIELD::CumQty, order.quantity);
    er.setField(FIX::FIELD::AvgPx, price);
    er.setField(FIX::FIELD::LastPx, price);
    er.setField(FIX::FIELD::LastQty, order.quantity);
    er.setField(FIX::TrdMatchID(match));
    er.setField(FIX::TransactTime());
    return er;
  }

  const bool trades_;
  const FIX::SessionID drop_copy_;
  std::atomic<uint64_t> order_ids_{0};
  std::mutex book_mu_;
  std::map<std::string, std::deque<Resting>> book_;  // "symbol/side" -> resting orders, oldest first
  uint64_t trade_ids_ = 0;
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string port, comp_ids, store = "file", store_dir = "/tmp/fix-echo-store", acceptor_kind = "threaded";
  std::string dictionary, sender = "DAZONG", reports = "echo", drop_copy = "SUPV-DC";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--port") port = value;
    else if (key == "--comp-ids") comp_ids = value;
    else if (key == "--store") store = value;
    else if (key == "--store-dir") store_dir = value;
    else if (key == "--acceptor") acceptor_kind = value;
    else if (key == "--dictionary") dictionary = value;
    else if (key == "--sender-comp-id") sender = value;
    else if (key == "--reports") reports = value;
    else if (key == "--drop-copy") drop_copy = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (port.empty() || comp_ids.empty() || (reports != "echo" && reports != "trades")) {
    std::fprintf(stderr, "usage: fix-echo-acceptor --port P --comp-ids A,B [--store memory|file|mapped] "
                         "[--store-dir DIR] [--acceptor threaded|socket] [--dictionary XML] "
                         "[--reports echo|trades] [--drop-copy SUPV-DC]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    std::filesystem::create_directories(store_dir);
    FIX::SessionSettings settings;
    FIX::Dictionary defaults;
    defaults.setString("ConnectionType", "acceptor");
    defaults.setString("SocketAcceptPort", port);
    defaults.setString("StartTime", "00:00:00");
    defaults.setString("EndTime", "00:00:00");
    defaults.setString("FileStorePath", store_dir);
    defaults.setString("SocketNodelay", "Y");
    defaults.setString("SocketReuseAddress", "Y");
    defaults.setString("CheckLatency", "N");
    defaults.setString("ResetOnLogon", "Y");
    if (dictionary.empty()) {
      defaults.setString("UseDataDictionary", "N");
    } else {
      defaults.setString("UseDataDictionary", "Y");
      defaults.setString("DataDictionary", dictionary);
    }
    settings.set(defaults);
    for (const std::string& comp : Split(comp_ids)) {
      settings.set(FIX::SessionID(FIX::BeginString_FIX44, sender, comp), FIX::Dictionary());
    }
    const FIX::SessionID drop_copy_id(FIX::BeginString_FIX44, sender, drop_copy);
    if (reports == "trades") settings.set(drop_copy_id, FIX::Dictionary());
    std::unique_ptr<FIX::MessageStoreFactory> factory;
    if (store == "memory") {
      factory = std::make_unique<FIX::MemoryStoreFactory>();
    } else if (store == "mapped") {
      factory = std::make_unique<dazong::fix_store::MappedFileStoreFactory>(store_dir);
    } else if (store == "file") {
      factory = std::make_unique<FIX::FileStoreFactory>(settings);
    } else {
      std::fprintf(stderr, "unknown store %s (memory, file or mapped)\n", store.c_str());
      return 2;
    }
    Echo echo(reports == "trades", drop_copy_id);
    std::unique_ptr<FIX::Acceptor> acceptor;
    if (acceptor_kind == "socket") {
      acceptor = std::make_unique<FIX::SocketAcceptor>(echo, *factory, settings);
    } else {
      acceptor = std::make_unique<FIX::ThreadedSocketAcceptor>(echo, *factory, settings);
    }
    acceptor->start();
    std::printf("echo ready on port %s (%s acceptor, %s store)\n", port.c_str(), acceptor_kind.c_str(),
                store.c_str());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&signals, &signal);
    acceptor->stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fix-echo-acceptor: %s\n", e.what());
    return 1;
  }
  return 0;
}
