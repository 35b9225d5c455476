#include "dazong/fix_client/fix_client.h"

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "dazong/quickfix.h"

namespace dazong::fix_client {
namespace {

ReceivedMessage Convert(const FIX::Message& msg) {
  ReceivedMessage out;
  out.msg_type = msg.getHeader().getField(FIX::FIELD::MsgType);
  for (auto it = msg.begin(); it != msg.end(); ++it) out.fields[it->getTag()] = it->getString();
  out.raw = msg.toString();
  for (char& c : out.raw) {
    if (c == '\x01') c = '|';
  }
  return out;
}

}  // namespace

class FixClient::Impl final : public FIX::Application {
 public:
  explicit Impl(FixClientOptions options)
      : options_(std::move(options)),
        session_id_(FIX::BeginString_FIX44, options_.sender_comp_id, options_.target_comp_id) {}

  ~Impl() override { Stop(); }

  absl::Status Start() {
    try {
      FIX::Dictionary defaults;
      defaults.setString("ConnectionType", "initiator");
      defaults.setString("SocketConnectHost", options_.host);
      defaults.setString("SocketConnectPort", std::to_string(options_.port));
      defaults.setString("StartTime", "00:00:00");
      defaults.setString("EndTime", "00:00:00");
      defaults.setString("HeartBtInt", std::to_string(options_.heartbeat_seconds));
      defaults.setString("ReconnectInterval", std::to_string(options_.reconnect_seconds));
      defaults.setString("SocketNodelay", "Y");
      if (options_.dictionary_path.empty()) {
        defaults.setString("UseDataDictionary", "N");
      } else {
        defaults.setString("UseDataDictionary", "Y");
        defaults.setString("DataDictionary", options_.dictionary_path);
      }
      if (!options_.store_dir.empty()) {
        std::filesystem::create_directories(options_.store_dir);
        defaults.setString("FileStorePath", options_.store_dir);
      }
      settings_.set(defaults);
      settings_.set(session_id_, FIX::Dictionary());
      if (options_.store_dir.empty()) {
        store_ = std::make_unique<FIX::MemoryStoreFactory>();
      } else {
        store_ = std::make_unique<FIX::FileStoreFactory>(settings_);
      }
      initiator_ = std::make_unique<FIX::SocketInitiator>(*this, *store_, settings_);
      initiator_->start();
    } catch (const std::exception& e) {
      return absl::UnavailableError(std::string("FIX initiator failed to start: ") + e.what());
    }
    return absl::OkStatus();
  }

  void Stop() {
    if (initiator_ == nullptr) return;
    try {
      initiator_->stop();
    } catch (const std::exception&) {
    }
    initiator_.reset();
  }

  bool WaitLoggedOn(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return logged_on_; });
  }
  bool logged_on() const {
    std::lock_guard lock(mu_);
    return logged_on_;
  }
  std::string last_logout_text() const {
    std::lock_guard lock(mu_);
    return logout_text_;
  }

  absl::Status Send(FIX::Message& msg) {
    try {
      if (!FIX::Session::sendToTarget(msg, session_id_)) return absl::UnavailableError("not sent");
    } catch (const std::exception& e) {
      return absl::UnavailableError(e.what());
    }
    return absl::OkStatus();
  }

  std::optional<ReceivedMessage> WaitFor(const std::function<bool(const ReceivedMessage&)>& match,
                                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<ReceivedMessage> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
        if (match(*it)) {
          found = *it;
          inbox_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::vector<ReceivedMessage> Received() const {
    std::lock_guard lock(mu_);
    return all_;
  }

  // FIX::Application
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    std::lock_guard lock(mu_);
    logged_on_ = true;
    cv_.notify_all();
  }
  void onLogout(const FIX::SessionID&) override {
    std::lock_guard lock(mu_);
    logged_on_ = false;
    cv_.notify_all();
  }
  void toAdmin(FIX::Message& msg, const FIX::SessionID&) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) == FIX::MsgType_Logon) {
      if (!options_.username.empty()) msg.setField(FIX::Username(options_.username));
      if (!options_.password.empty()) msg.setField(FIX::Password(options_.password));
    }
  }
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message& msg, const FIX::SessionID&) override {
    Record(msg);
    if (msg.getHeader().getField(FIX::FIELD::MsgType) == FIX::MsgType_Logout &&
        msg.isSetField(FIX::FIELD::Text)) {
      std::lock_guard lock(mu_);
      logout_text_ = msg.getField(FIX::FIELD::Text);
    }
  }
  void fromApp(const FIX::Message& msg, const FIX::SessionID&) override { Record(msg); }

 private:
  void Record(const FIX::Message& msg) {
    ReceivedMessage converted = Convert(msg);
    std::lock_guard lock(mu_);
    all_.push_back(converted);
    inbox_.push_back(std::move(converted));
    cv_.notify_all();
  }

  FixClientOptions options_;
  FIX::SessionID session_id_;
  FIX::SessionSettings settings_;
  std::unique_ptr<FIX::MessageStoreFactory> store_;
  std::unique_ptr<FIX::Initiator> initiator_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool logged_on_ = false;
  std::string logout_text_;
  std::vector<ReceivedMessage> inbox_;
  std::vector<ReceivedMessage> all_;
};

FixClient::FixClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FixClient::~FixClient() = default;

absl::StatusOr<std::unique_ptr<FixClient>> FixClient::Create(const FixClientOptions& options) {
  if (options.sender_comp_id.empty() || options.port <= 0) {
    return absl::InvalidArgumentError("sender_comp_id and port are required");
  }
  return std::unique_ptr<FixClient>(new FixClient(std::make_unique<Impl>(options)));
}

absl::Status FixClient::Start() { return impl_->Start(); }
void FixClient::Stop() { impl_->Stop(); }
bool FixClient::WaitLoggedOn(std::chrono::milliseconds timeout) { return impl_->WaitLoggedOn(timeout); }
bool FixClient::logged_on() const { return impl_->logged_on(); }
std::string FixClient::last_logout_text() const { return impl_->last_logout_text(); }

absl::Status FixClient::SendNewOrder(const Order& order) {
  FIX44::NewOrderSingle msg;
  msg.setField(FIX::ClOrdID(order.cl_ord_id));
  msg.setField(FIX::Symbol(order.symbol));
  msg.setField(FIX::Side(order.side));
  msg.setField(FIX::TransactTime());
  msg.setField(FIX::OrdType(order.ord_type));
  msg.setField(FIX::FIELD::OrderQty, order.quantity);
  if (!order.price.empty()) msg.setField(FIX::FIELD::Price, order.price);
  msg.setField(FIX::TimeInForce(order.time_in_force));
  for (const auto& [receipt, quantity] : order.receipts) {
    FIX::Group g(20010, 20011);  // NoReceipts, ReceiptID (docs/fix-rules-of-engagement.md §2.1.1)
    g.setField(20011, receipt);
    g.setField(20012, quantity);
    msg.addGroup(g);
  }
  return impl_->Send(msg);
}

absl::Status FixClient::SendCancel(const std::string& cl_ord_id, const std::string& orig_cl_ord_id,
                                   const std::string& symbol, char side) {
  FIX44::OrderCancelRequest msg;
  msg.setField(FIX::ClOrdID(cl_ord_id));
  msg.setField(FIX::OrigClOrdID(orig_cl_ord_id));
  msg.setField(FIX::Symbol(symbol));
  msg.setField(FIX::Side(side));
  msg.setField(FIX::TransactTime());
  return impl_->Send(msg);
}

absl::Status FixClient::SendRaw(const std::string& msg_type,
                                const std::vector<std::pair<int, std::string>>& fields) {
  FIX::Message msg;
  msg.getHeader().setField(FIX::BeginString(FIX::BeginString_FIX44));
  msg.getHeader().setField(FIX::MsgType(msg_type));
  for (const auto& [tag, value] : fields) msg.setField(tag, value);
  return impl_->Send(msg);
}

absl::Status FixClient::SendRaw(const std::string& msg_type,
                                const std::vector<std::pair<int, std::string>>& fields,
                                const std::vector<RawGroup>& groups) {
  FIX::Message msg;
  msg.getHeader().setField(FIX::BeginString(FIX::BeginString_FIX44));
  msg.getHeader().setField(FIX::MsgType(msg_type));
  for (const auto& [tag, value] : fields) msg.setField(tag, value);
  for (const RawGroup& group : groups) {
    for (const auto& entry : group.entries) {
      FIX::Group g(group.count_tag, group.delimiter);
      for (const auto& [tag, value] : entry) g.setField(tag, value);
      msg.addGroup(g);
    }
  }
  return impl_->Send(msg);
}

std::optional<ReceivedMessage> FixClient::WaitFor(
    const std::function<bool(const ReceivedMessage&)>& match, std::chrono::milliseconds timeout) {
  return impl_->WaitFor(match, timeout);
}

std::vector<ReceivedMessage> FixClient::Received() const { return impl_->Received(); }

}  // namespace dazong::fix_client
