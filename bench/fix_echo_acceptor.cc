// fix-echo-acceptor: the baseline for the FIX load tool. A QuickFIX 1.15.1 acceptor that
// answers each NewOrderSingle with one ExecutionReport (150=0) and does nothing else, so the
// load tool can measure QuickFIX itself with the same acceptor kind, store and validation as
// dazongd, in the same run.
//
// usage: fix-echo-acceptor --port P --comp-ids A,B,C [--store memory|file|mapped] [--store-dir DIR]
//          [--acceptor threaded|socket] [--dictionary XML] [--sender-comp-id DAZONG]
// --store mapped is the exchange's own store (dazong/mapped_file_store.h), which dazongd uses.
// Runs until SIGINT/SIGTERM. Prints "echo ready" when listening.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dazong/mapped_file_store.h"
#include "dazong/quickfix.h"

namespace {

class Echo final : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) != FIX::MsgType_NewOrderSingle) return;
    FIX44::ExecutionReport er;
    const std::string id_text = std::to_string(++order_ids_);
    er.setField(FIX::OrderID(id_text));
    er.setField(FIX::ExecID(id_text));
    er.setField(FIX::ExecType(FIX::ExecType_NEW));
    er.setField(FIX::OrdStatus(FIX::OrdStatus_NEW));
    er.setField(FIX::ClOrdID(msg.getField(FIX::FIELD::ClOrdID)));
    er.setField(FIX::Symbol(msg.getField(FIX::FIELD::Symbol)));
    er.setField(FIX::FIELD::Side, msg.getField(FIX::FIELD::Side));
    er.setField(FIX::FIELD::OrderQty, msg.getField(FIX::FIELD::OrderQty));
    er.setField(FIX::FIELD::LeavesQty, msg.getField(FIX::FIELD::OrderQty));
    er.setField(FIX::FIELD::CumQty, "0");
    er.setField(FIX::FIELD::AvgPx, "0");
    er.setField(FIX::TransactTime());
    FIX::Session::sendToTarget(er, id);
  }

 private:
  std::atomic<uint64_t> order_ids_{0};
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
  std::string dictionary, sender = "DAZONG";
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
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (port.empty() || comp_ids.empty()) {
    std::fprintf(stderr, "usage: fix-echo-acceptor --port P --comp-ids A,B [--store memory|file|mapped] "
                         "[--store-dir DIR] [--acceptor threaded|socket] [--dictionary XML]\n");
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
    Echo echo;
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
