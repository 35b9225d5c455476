#include "dazong/fix_gateway/fix_gateway.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "dazong/common/credentials.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/quickfix.h"
#include "spdlog/spdlog.h"
#include "redacting_log.h"
#include "translate.h"

namespace dazong::fix_gateway {
namespace {

constexpr size_t kOutboundCapacity = 1 << 16;

// One configured FIX session. Its slot (1-based index) tags commands so replies find it.
struct SessionSlot {
  FIX::SessionID id;
  const MemberConfig* member = nullptr;  // null for a supervisor session
  const FixSessionConfig* config = nullptr;
};

}  // namespace

class FixGateway::Impl final : public FIX::Application {
 public:
  Impl(const ExchangeConfig& config, CommandQueue& commands, FixGatewayOptions options)
      : config_(config), commands_(commands), options_(std::move(options)),
        outbound_(kOutboundCapacity) {
    auto add = [&](const MemberConfig* member, const FixSessionConfig& session) {
      slots_.push_back(SessionSlot{FIX::SessionID(FIX::BeginString_FIX44, config_.comp_id,
                                                  session.comp_id),
                                   member, &session});
      slot_by_comp_id_[session.comp_id] = static_cast<uint32_t>(slots_.size());
    };
    for (const MemberConfig& member : config_.members) {
      for (const FixSessionConfig& session : member.sessions) add(&member, session);
    }
    for (const SupervisorConfig& supervisor : config_.supervisors) {
      for (const FixSessionConfig& session : supervisor.sessions) add(nullptr, session);
    }
  }

  ~Impl() override { Stop(); }

  absl::Status Start() {
    std::error_code ec;
    std::filesystem::create_directories(options_.store_dir, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", options_.store_dir, ": ", ec.message()));
    if (!options_.log_dir.empty()) std::filesystem::create_directories(options_.log_dir, ec);
    try {
      FIX::Dictionary defaults;
      defaults.setString("ConnectionType", "acceptor");
      defaults.setString("SocketAcceptPort", absl::StrCat(config_.fix.port));
      defaults.setString("StartTime", "00:00:00");
      defaults.setString("EndTime", "00:00:00");
      defaults.setString("FileStorePath", options_.store_dir);
      defaults.setString("FileLogPath", options_.log_dir);
      defaults.setString("UseDataDictionary", "Y");
      defaults.setString("DataDictionary", config_.fix.dictionary_path);
      defaults.setString("ValidateUserDefinedFields", "Y");
      defaults.setString("SocketNodelay", "Y");
      defaults.setString("SocketReuseAddress", "Y");
      defaults.setString("PersistMessages", "Y");
      defaults.setString("CheckLatency", "N");
      settings_.set(defaults);
      for (const SessionSlot& slot : slots_) settings_.set(slot.id, FIX::Dictionary());
      store_factory_ = std::make_unique<FIX::FileStoreFactory>(settings_);
      if (!options_.log_dir.empty()) {
        log_factory_ = std::make_unique<RedactingLogFactory>(
            std::make_unique<FIX::FileLogFactory>(settings_));
        acceptor_ = std::make_unique<FIX::SocketAcceptor>(*this, *store_factory_, settings_, *log_factory_);
      } else {
        acceptor_ = std::make_unique<FIX::SocketAcceptor>(*this, *store_factory_, settings_);
      }
      sender_ = std::thread([this] { SendLoop(); });
      acceptor_->start();
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat("FIX acceptor failed to start: ", e.what()));
    }
    spdlog::info("FIX acceptor listening on port {} for {} sessions", config_.fix.port, slots_.size());
    return absl::OkStatus();
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    try {
      if (acceptor_ != nullptr) acceptor_->stop();
    } catch (const std::exception& e) {
      spdlog::warn("FIX acceptor stop: {}", e.what());
    }
    outbound_.Interrupt();
    if (sender_.joinable()) sender_.join();
  }

  // Called on the sequencer thread: copy and return.
  void Enqueue(std::span<const Event> events) {
    for (const Event& e : events) {
      // The queue holds a day's bursts; if the sender cannot keep up, wait rather than lose
      // an acknowledgement (per-session queues with disconnect-on-overflow come later).
      while (!outbound_.TryPush(e)) std::this_thread::yield();
    }
  }

  // FIX::Application
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    spdlog::info("FIX logon {}", id.toString());
  }
  void onLogout(const FIX::SessionID& id) override {
    spdlog::info("FIX logout {}", id.toString());
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}

  void fromAdmin(const FIX::Message& msg, const FIX::SessionID& id) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) != FIX::MsgType_Logon) return;
    const SessionSlot* slot = Slot(id.getTargetCompID().getValue());
    if (slot == nullptr) throw FIX::RejectLogon("unknown CompID");
    if (!slot->config->enabled || (slot->member != nullptr && !slot->member->enabled)) {
      throw FIX::RejectLogon("CompID is disabled");
    }
    if (!msg.isSetField(FIX::FIELD::Password)) throw FIX::RejectLogon("Password(554) is required");
    if (msg.isSetField(FIX::FIELD::Username)) {
      const std::string user = msg.getField(FIX::FIELD::Username);
      const bool matches = user == slot->config->comp_id ||
                           (slot->member != nullptr && user == slot->member->code);
      if (!matches) throw FIX::RejectLogon("Username(553) does not match the CompID");
    }
    if (!VerifySecret(slot->config->password_hash, msg.getField(FIX::FIELD::Password))) {
      throw FIX::RejectLogon("invalid password");
    }
  }

  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    const std::string comp_id = id.getTargetCompID().getValue();
    const uint32_t slot_index = slot_by_comp_id_.at(comp_id);
    const SessionSlot& slot = slots_[slot_index - 1];
    const std::string type = msg.getHeader().getField(FIX::FIELD::MsgType);
    if (slot.member == nullptr || slot.config->role != SessionRole::kOrderEntry ||
        (type != FIX::MsgType_NewOrderSingle && type != FIX::MsgType_OrderCancelRequest &&
         type != FIX::MsgType_OrderCancelReplaceRequest && type != FIX::MsgType_OrderMassCancelRequest)) {
      throw FIX::UnsupportedMessageType();
    }
    if (type == FIX::MsgType_OrderCancelReplaceRequest) {
      auto parsed = ParseReplace(msg, config_, slot.member->id, slot_index);
      if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
        FIX44::OrderCancelReject r = EdgeCancelReject(msg, *reject);
        r.setField(FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
        Send(std::move(r), slot.id);
        return;
      }
      PushOrBusy(std::get<ReplaceOrderCommand>(parsed), msg, slot);
      return;
    }
    if (type == FIX::MsgType_OrderMassCancelRequest) {
      auto parsed = ParseMassCancel(msg, config_, slot.member->id, slot_index);
      if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
        MassCancelDone done;
        done.cl_ord_id.Assign(FieldText(msg, FIX::FIELD::ClOrdID).substr(0, ClOrdId::kCapacity));
        done.reason = reject->reason;
        Send(MassCancelReport(done, NextEdgeExecId()), slot.id);
        return;
      }
      PushOrBusy(std::get<MassCancelCommand>(parsed), msg, slot);
      return;
    }
    if (type == FIX::MsgType_NewOrderSingle) {
      auto parsed = ParseNewOrder(msg, config_, slot.member->id, slot_index);
      if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
        Send(EdgeRejectReport(msg, *reject, NextEdgeExecId()), slot.id);
        return;
      }
      if (!commands_.TryPush(std::get<NewOrderCommand>(parsed))) {
        Send(EdgeRejectReport(msg, EdgeReject{RejectReason::kSystemUnavailable, "exchange is busy; retry"},
                              NextEdgeExecId()),
             slot.id);
      }
      return;
    }
    auto parsed = ParseCancel(msg, config_, slot.member->id, slot_index);
    if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
      Send(EdgeCancelReject(msg, *reject), slot.id);
      return;
    }
    if (!commands_.TryPush(std::get<CancelOrderCommand>(parsed))) {
      Send(EdgeCancelReject(msg, EdgeReject{RejectReason::kSystemUnavailable, "exchange is busy; retry"}),
           slot.id);
    }
  }

 private:
  static std::string FieldText(const FIX::Message& msg, int tag) {
    return msg.isSetField(tag) ? msg.getField(tag) : std::string();
  }

  // Queues a cancel-replace or mass cancel; when the queue is full, says so.
  template <typename Command>
  void PushOrBusy(Command&& command, const FIX::Message& msg, const SessionSlot& slot) {
    if (commands_.TryPush(std::forward<Command>(command))) return;
    const EdgeReject busy{RejectReason::kSystemUnavailable, "exchange is busy; retry"};
    if constexpr (std::is_same_v<std::decay_t<Command>, MassCancelCommand>) {
      MassCancelDone done;
      done.cl_ord_id.Assign(FieldText(msg, FIX::FIELD::ClOrdID).substr(0, ClOrdId::kCapacity));
      done.reason = busy.reason;
      Send(MassCancelReport(done, NextEdgeExecId()), slot.id);
    } else {
      FIX44::OrderCancelReject r = EdgeCancelReject(msg, busy);
      r.setField(FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
      Send(std::move(r), slot.id);
    }
  }

  const SessionSlot* Slot(const std::string& comp_id) const {
    auto it = slot_by_comp_id_.find(comp_id);
    return it == slot_by_comp_id_.end() ? nullptr : &slots_[it->second - 1];
  }

  const SessionSlot* SlotAt(uint32_t index) const {
    return index >= 1 && index <= slots_.size() ? &slots_[index - 1] : nullptr;
  }

  // Reports for messages that never reached the core: "X<start ms>.<n>", unique across
  // restarts because the start time differs.
  std::string NextEdgeExecId() { return absl::StrCat("X", start_ms_, ".", ++edge_exec_ids_); }

  void Send(FIX::Message&& msg, const FIX::SessionID& id) {
    try {
      FIX::Session::sendToTarget(msg, id);
    } catch (const FIX::SessionNotFound&) {
      spdlog::warn("no FIX session {} for an outbound message", id.toString());
    }
  }

  void SendTo(uint32_t slot_index, FIX::Message&& msg) {
    if (const SessionSlot* slot = SlotAt(slot_index)) Send(std::move(msg), slot->id);
  }

  std::string ExecId(SeqNo seq, int n) { return absl::StrCat(seq.value(), ".", n); }

  void SendEvent(const Event& event, int& n) {
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, OrderAccepted>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.order.instrument);
            SendTo(body.order.session, OrderReport(body.order, *instrument, FIX::ExecType_NEW,
                                                   ExecId(event.seq, n++), event.time));
          } else if constexpr (std::is_same_v<T, OrderRejected>) {
            SendTo(body.session, RejectReport(body, config_.FindInstrument(body.instrument),
                                              ExecId(event.seq, n++), event.time));
          } else if constexpr (std::is_same_v<T, OrderCancelled>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.order.instrument);
            FIX44::ExecutionReport er = OrderReport(body.order, *instrument, FIX::ExecType_CANCELED,
                                                    ExecId(event.seq, n++), event.time);
            if (body.cause == CancelCause::kExpired) {
              er.setField(FIX::ExecType(FIX::ExecType_EXPIRED));
              er.setField(FIX::OrdStatus(FIX::OrdStatus_EXPIRED));
            }
            if (!body.request_cl_ord_id.empty()) {
              er.setField(FIX::ClOrdID(std::string(body.request_cl_ord_id.view())));
              er.setField(FIX::OrigClOrdID(std::string(body.order.cl_ord_id.view())));
            }
            SendTo(body.request_session != 0 ? body.request_session : body.order.session, std::move(er));
          } else if constexpr (std::is_same_v<T, CancelRejected>) {
            SendTo(body.session, CancelRejectMessage(body));
          } else if constexpr (std::is_same_v<T, TradeEvent>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.instrument);
            SendTo(body.buy.session, TradeReport(body, body.buy, *instrument, ExecId(event.seq, n++)));
            SendTo(body.sell.session, TradeReport(body, body.sell, *instrument, ExecId(event.seq, n++)));
          } else if constexpr (std::is_same_v<T, OrderReplaced>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.order.instrument);
            SendTo(body.request_session != 0 ? body.request_session : body.order.session,
                   ReplacedReport(body, *instrument, ExecId(event.seq, n++), event.time));
          } else if constexpr (std::is_same_v<T, MassCancelDone>) {
            SendTo(body.session, MassCancelReport(body, ExecId(event.seq, n++)));
          }
          // Market data events (BBO, depth, phase, auction indications) are for the
          // market-data sessions, which subscribe with MarketDataRequest.
        },
        event.body);
  }

  void SendLoop() {
    Event event;
    SeqNo current;
    int n = 0;
    for (;;) {
      outbound_.WaitNonEmpty();
      while (outbound_.TryPop(event)) {
        if (event.seq != current) {
          current = event.seq;
          n = 0;
        }
        try {
          SendEvent(event, n);
        } catch (const std::exception& e) {
          spdlog::error("FIX send failed for seq {}: {}", event.seq.value(), e.what());
        }
      }
      if (outbound_.interrupted()) return;
    }
  }

  const ExchangeConfig& config_;
  CommandQueue& commands_;
  FixGatewayOptions options_;
  std::vector<SessionSlot> slots_;
  absl::flat_hash_map<std::string, uint32_t> slot_by_comp_id_;
  BoundedMpscQueue<Event> outbound_;
  FIX::SessionSettings settings_;
  std::unique_ptr<FIX::MessageStoreFactory> store_factory_;
  std::unique_ptr<FIX::LogFactory> log_factory_;
  std::unique_ptr<FIX::Acceptor> acceptor_;
  std::thread sender_;
  std::atomic<bool> stopped_{false};
  uint64_t edge_exec_ids_ = 0;
  const int64_t start_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
};

FixGateway::FixGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FixGateway::~FixGateway() = default;

absl::StatusOr<std::unique_ptr<FixGateway>> FixGateway::Create(const ExchangeConfig& config,
                                                               CommandQueue& commands,
                                                               const FixGatewayOptions& options) {
  if (config.fix.dictionary_path.empty() || !std::filesystem::exists(config.fix.dictionary_path)) {
    return absl::FailedPreconditionError(
        absl::StrCat("FIX data dictionary not found: ", config.fix.dictionary_path));
  }
  return std::unique_ptr<FixGateway>(
      new FixGateway(std::make_unique<Impl>(config, commands, options)));
}

absl::Status FixGateway::Start() { return impl_->Start(); }
void FixGateway::Stop() { impl_->Stop(); }
void FixGateway::OnEvents(std::span<const Event> events) { impl_->Enqueue(events); }

}  // namespace dazong::fix_gateway
