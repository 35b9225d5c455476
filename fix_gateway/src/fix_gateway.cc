#include "dazong/fix_gateway/fix_gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "dazong/common/credentials.h"
#include "dazong/common/mpsc_queue.h"
#include "dazong/common/thread_name.h"
#include "dazong/mapped_file_store.h"
#include "dazong/quickfix.h"
#include "spdlog/spdlog.h"
#include "guarded_acceptor.h"
#include "redacting_log.h"
#include "spill_queue.h"
#include "translate.h"

namespace dazong::fix_gateway {
namespace {

constexpr size_t kMarketDataQueue = 1 << 16;
// While no session subscribes to market data, the market-data thread only keeps the book image
// for the next snapshot, and nothing waits for it: it is woken once this many items have
// queued (or by a request, or a phase change) instead of after every group of orders.
constexpr size_t kMarketDataLazyWake = 4096;
// A socket with this much unsent data while its session's queue overflowed is the slow
// consumer's: it is shut down so the sender blocked on it returns.
constexpr int kStuckSocketBytes = 16 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The core's answer to an OrderStatusRequest (H), turned into FIX by the session's sender
// thread (which also knows the final state of orders this gateway has reported closed).
struct StatusReply {
  FIX::Message request;
  absl::StatusOr<OrderStatusAnswer> answer;
};

// What a session's sender thread sends: an event (turned into FIX by the sender), a message
// built elsewhere (market data), or an order status answer.
struct Outbound {
  Event event;
  uint32_t exec_n = 0;  // ExecID suffix of the first report this event causes
  std::shared_ptr<const FIX::Message> message;
  std::shared_ptr<const StatusReply> status = nullptr;
};

// What the gateway knows about one of a member's orders (from the reports it sent).
struct KnownOrder {
  OrderView view;
  char ord_status = FIX::OrdStatus_NEW;
  bool open = true;
};

struct MemberOrders {
  std::mutex mu;
  // Node-based: when a table grows it moves pointers, not the entries (a flat table of a day's
  // orders rehashed at once stalled the sender for ms).
  absl::node_hash_map<OrderId, KnownOrder> by_order;
  // Every ClOrdID an order has had (before and after replaces), to its order.
  absl::node_hash_map<std::string, OrderId> by_cl_ord_id;
};

// One configured FIX session. Its slot (1-based index) tags commands so replies find it.
struct SessionSlot {
  FIX::SessionID id;
  const MemberConfig* member = nullptr;  // null for a supervisor session
  const FixSessionConfig* config = nullptr;
  std::unique_ptr<SpillQueue<Outbound>> out;
  std::thread sender;
  // QuickFIX's session object, looked up once (Session::sendToTarget looks it up under a
  // process-wide lock for every message). Sessions live as long as the acceptor.
  mutable std::atomic<FIX::Session*> session{nullptr};
  std::atomic<bool> logged_on{false};
  std::atomic<bool> overflowed{false};  // set by a producer; the reaper disconnects
  // Sender thread only: the ExecutionReport reused for every New, Canceled and Fill report
  // (FillOrderReport / FillTradeReport in translate.h).
  mutable FIX44::ExecutionReport report;
  // Throttle: a one-second window, touched only by the session's connection thread.
  int64_t window_second = 0;
  int32_t window_count = 0;
};

// One market-data subscription.
struct Subscription {
  uint32_t slot = 0;
  std::string md_req_id;
  std::vector<InstrumentId> instruments;
  bool bids_offers = false;
  bool trades = false;
  uint32_t depth = 1;
};

// A request to the market-data thread (subscribe, unsubscribe, snapshot).
struct MdRequest {
  Subscription sub;
  char type = '0';  // SubscriptionRequestType(263)
};

struct MdItem {
  Event event;
  std::shared_ptr<const MdRequest> request;  // set: a request, not an event
};

struct BookSide {
  std::map<int64_t, std::pair<Quantity, uint32_t>> levels;  // price raw -> (qty, orders)
};

struct InstrumentMd {
  Phase phase = Phase::kContinuous;
  BookSide bids;
  BookSide asks;
  bool has_trade = false;
  Price last_price;
  Quantity last_quantity;
  Side last_aggressor = Side::kBuy;
};

// SecurityTradingStatus(326) and TradingSessionSubID(625) of a phase.
int TradingStatus(Phase phase) {
  switch (phase) {
    case Phase::kContinuous: return 17;
    case Phase::kHalted: return 2;
    case Phase::kClosed: return 18;
    case Phase::kOpeningAuction: return 22;
    default: return 21;
  }
}
const char* TradingSessionSub(Phase phase) {
  switch (phase) {
    case Phase::kPreOpen: return "1";
    case Phase::kOpeningAuction: return "2";
    case Phase::kContinuous: return "3";
    case Phase::kClosingAuction: return "4";
    case Phase::kClosed: return "5";
    case Phase::kVolatilityAuction: return "6";
    case Phase::kHalted: return "7";
  }
  return "5";
}

std::string FieldText(const FIX::FieldMap& msg, int tag) {
  return msg.isSetField(tag) ? msg.getField(tag) : std::string();
}

FIX::Message NewMessage(const char* type) {
  FIX::Message msg;
  msg.getHeader().setField(FIX::BeginString(FIX::BeginString_FIX44));
  msg.getHeader().setField(FIX::MsgType(type));
  return msg;
}

}  // namespace

class FixGateway::Impl final : public FIX::Application {
 public:
  Impl(const ExchangeConfig& config, CommandQueue& commands, FixGatewayOptions options)
      : config_(config), commands_(commands), options_(std::move(options)),
        md_queue_(kMarketDataQueue), md_(config.instruments.size()),
        phases_(config.instruments.size()) {
    const size_t capacity = static_cast<size_t>(config_.fix.outbound_queue);
    auto add = [&](const MemberConfig* member, const FixSessionConfig& session) {
      auto slot = std::make_unique<SessionSlot>();
      slot->id = FIX::SessionID(FIX::BeginString_FIX44, config_.comp_id, session.comp_id);
      slot->member = member;
      slot->config = &session;
      slot->out = std::make_unique<SpillQueue<Outbound>>(capacity);
      if (session.role == SessionRole::kDropCopy) drop_copy_.push_back(static_cast<uint32_t>(slots_.size() + 1));
      slots_.push_back(std::move(slot));
      slot_by_comp_id_[session.comp_id] = static_cast<uint32_t>(slots_.size());
    };
    for (const MemberConfig& member : config_.members) {
      orders_.emplace(member.id, std::make_unique<MemberOrders>());
      for (const FixSessionConfig& session : member.sessions) add(&member, session);
    }
    for (const SupervisorConfig& supervisor : config_.supervisors) {
      for (const FixSessionConfig& session : supervisor.sessions) add(nullptr, session);
    }
    for (size_t i = 0; i < config_.instruments.size(); ++i) {
      phases_[i].store(static_cast<uint8_t>(Phase::kContinuous));
      bands_.push_back(DefaultBand(config_.instruments[i]));
    }
  }

  ~Impl() override { Stop(); }

  void SetPositionsSource(PositionsSource* source) { positions_ = source; }
  void SetOrderStatusSource(OrderStatusSource* source) { order_status_ = source; }

  void Seed(const std::vector<MarketSeed>& seeds) {
    for (const MarketSeed& seed : seeds) {
      const size_t i = seed.instrument.value() - 1;
      if (i >= md_.size()) continue;
      md_[i].phase = seed.phase;
      phases_[i].store(static_cast<uint8_t>(seed.phase));
      if (seed.band_high.is_positive()) bands_[i] = {seed.band_low, seed.band_high};
      for (const DepthChanged& level : seed.levels) ApplyDepth(md_[i], level);
    }
  }

  absl::Status Start() {
    std::error_code ec;
    std::filesystem::create_directories(options_.store_dir, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", options_.store_dir, ": ", ec.message()));
    if (!options_.log_dir.empty()) std::filesystem::create_directories(options_.log_dir, ec);
    // Each session gets its own copy of the dictionary: QuickFIX caches one DataDictionary
    // per path, and its lazily built field-order tables are not safe to build from two
    // connection threads at once.
    const std::filesystem::path dict_dir = std::filesystem::path(options_.store_dir) / "dictionaries";
    std::filesystem::create_directories(dict_dir, ec);
    try {
      FIX::Dictionary defaults;
      defaults.setString("ConnectionType", "acceptor");
      defaults.setString("SocketAcceptPort", absl::StrCat(config_.fix.port));
      defaults.setString("StartTime", "00:00:00");
      defaults.setString("EndTime", "00:00:00");
      defaults.setString("FileStorePath", options_.store_dir);
      defaults.setString("FileLogPath", options_.log_dir);
      defaults.setString("UseDataDictionary", "Y");
      defaults.setString("ValidateUserDefinedFields", "Y");
      defaults.setString("SocketNodelay", "Y");
      defaults.setString("SocketReuseAddress", "Y");
      defaults.setString("SocketSendBufferSize", "262144");
      defaults.setString("PersistMessages", "Y");
      defaults.setString("CheckLatency", "N");
      defaults.setString("ResetOnLogon", "N");
      defaults.setString("ResetOnDisconnect", "N");
      defaults.setString("RefreshOnLogon", "Y");
      settings_.set(defaults);
      for (const auto& slot : slots_) {
        const std::filesystem::path dict = dict_dir / (slot->config->comp_id + ".xml");
        std::filesystem::copy_file(config_.fix.dictionary_path, dict,
                                   std::filesystem::copy_options::overwrite_existing);
        FIX::Dictionary session;
        session.setString("DataDictionary", dict.string());
        settings_.set(slot->id, session);
      }
      // Sequence numbers and sent messages in a memory-mapped file per session: no system
      // call per message (dazong/mapped_file_store.h), the same crash guarantee as FileStore.
      store_factory_ = std::make_unique<fix_store::MappedFileStoreFactory>(options_.store_dir);
      // QuickFIX's threaded acceptor, plus a Logout that says why to a second connection of a
      // CompID that is logged on (guarded_acceptor.h).
      GuardedAcceptorOptions acceptor_options;
      acceptor_options.port = config_.fix.port;
      acceptor_options.no_delay = true;
      acceptor_options.send_buffer_bytes = 262144;
      if (!options_.log_dir.empty()) {
        log_factory_ = std::make_unique<RedactingLogFactory>(
            std::make_unique<BufferedFileLogFactory>(options_.log_dir));
        acceptor_ = std::make_unique<GuardedAcceptor>(*this, *store_factory_, settings_, *log_factory_,
                                                      acceptor_options);
      } else {
        acceptor_ = std::make_unique<GuardedAcceptor>(*this, *store_factory_, settings_, acceptor_options);
      }
      for (uint32_t i = 1; i <= slots_.size(); ++i) {
        slots_[i - 1]->sender = std::thread([this, i] {
          SetThreadName("fix-out-" + slots_[i - 1]->config->comp_id);
          // Drop copies and market data go after the members' own reports.
          if (slots_[i - 1]->config->role != SessionRole::kOrderEntry) LowerThreadPriority();
          SendLoop(i);
        });
      }
      md_thread_ = std::thread([this] {
        SetThreadName("fix-md");
        LowerThreadPriority();
        MarketDataLoop();
      });
      reaper_ = std::thread([this] {
        SetThreadName("fix-reaper");
        ReapLoop();
      });
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
    md_queue_.Interrupt();
    if (md_thread_.joinable()) md_thread_.join();
    for (auto& slot : slots_) slot->out->Interrupt();
    for (auto& slot : slots_) {
      if (slot->sender.joinable()) slot->sender.join();
    }
    if (reaper_.joinable()) reaper_.join();
  }

  // ---- The sequencer's dispatch (its committer thread, or the sequencer thread for a group
  // it committed itself; queries run on the sequencer thread, never at the same time): route
  // and return. No lock, no allocation unless a queue spills.
  void Enqueue(std::span<const Event> events) {
    // Public market data is queued first: a member who has seen a report and then asks for a
    // snapshot must find the book already showing what the report said (the request queues
    // behind these items). The market-data thread is woken last, after the members' senders,
    // which are on the path of every order's acknowledgement, and, while nobody subscribes,
    // only every kMarketDataLazyWake items.
    size_t md_items = 0;
    bool md_urgent = false;  // a phase change: SecurityList reads phases_ from it
    for (const Event& e : events) {
      const bool phase = std::holds_alternative<PhaseChanged>(e.body);
      if (phase || std::holds_alternative<TradeEvent>(e.body) || std::holds_alternative<DepthChanged>(e.body)) {
        md_queue_.Push(MdItem{e, nullptr}, /*wake=*/false);
        ++md_items;
        md_urgent |= phase;
      }
      // BboChanged is the top of DepthChanged; AuctionIndicative is not published on FIX.
    }
    for (const Event& e : events) {
      if (e.seq != route_seq_) {
        route_seq_ = e.seq;
        route_n_ = 0;
      }
      std::visit(
          [&](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, OrderAccepted>) {
              Route(body.order.session, e, route_n_++);
            } else if constexpr (std::is_same_v<T, OrderRejected>) {
              Route(body.session, e, route_n_++);
            } else if constexpr (std::is_same_v<T, OrderCancelled>) {
              Route(body.request_session != 0 ? body.request_session : body.order.session, e, route_n_++);
            } else if constexpr (std::is_same_v<T, CancelRejected> || std::is_same_v<T, MassCancelDone>) {
              Route(body.session, e, route_n_);
            } else if constexpr (std::is_same_v<T, OrderReplaced>) {
              Route(body.request_session != 0 ? body.request_session : body.order.session, e, route_n_++);
            } else if constexpr (std::is_same_v<T, TradeEvent>) {
              const uint32_t n = route_n_;
              route_n_ += 2;
              Route(body.buy.session, e, n);
              if (body.sell.session != body.buy.session) Route(body.sell.session, e, n);
              for (uint32_t dc : drop_copy_) Route(dc, e, n);
            }
          },
          e.body);
    }
    if (md_items != 0) {
      md_unwoken_ += md_items;
      // Orders the pushes above before the load of md_live_: either this sees a subscription
      // made meanwhile, or the market-data thread, which sets md_live_ before it next looks at
      // its queue, sees these items.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (md_urgent || md_unwoken_ >= kMarketDataLazyWake || md_live_.load(std::memory_order_relaxed)) {
        md_unwoken_ = 0;
        md_queue_.WakeConsumer();
      }
    }
  }

  // ---- FIX::Application (QuickFIX threads)
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    if (SessionSlot* slot = Slot(id.getTargetCompID().getValue())) slot->logged_on.store(true);
    spdlog::info("FIX logon {}", id.toString());
  }
  void onLogout(const FIX::SessionID& id) override {
    SessionSlot* slot = Slot(id.getTargetCompID().getValue());
    if (slot == nullptr) return;
    const bool was = slot->logged_on.exchange(false);
    spdlog::info("FIX logout {}", id.toString());
    if (was && slot->member != nullptr && slot->config->cancel_on_disconnect) CancelOnDisconnect(*slot);
    auto end = std::make_shared<MdRequest>();
    end->sub.slot = SlotIndex(*slot);
    end->type = 'X';
    md_queue_.Push(MdItem{Event{}, std::move(end)});
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
    // argon2id takes ~50 ms: this runs on this connection's own thread (GuardedAcceptor),
    // so no other session waits for it.
    if (!VerifySecret(slot->config->password_hash, msg.getField(FIX::FIELD::Password))) {
      throw FIX::RejectLogon("invalid password");
    }
  }

  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    const std::string comp_id = id.getTargetCompID().getValue();
    SessionSlot* slot_ptr = Slot(comp_id);
    if (slot_ptr == nullptr) throw FIX::UnsupportedMessageType();
    SessionSlot& slot = *slot_ptr;
    const uint32_t slot_index = SlotIndex(slot);
    const std::string type = msg.getHeader().getField(FIX::FIELD::MsgType);
    const SessionRole role = slot.config->role;
    const bool order_entry = type == FIX::MsgType_NewOrderSingle || type == FIX::MsgType_OrderCancelRequest ||
                             type == FIX::MsgType_OrderCancelReplaceRequest ||
                             type == FIX::MsgType_OrderStatusRequest ||
                             type == FIX::MsgType_OrderMassCancelRequest;
    const bool market_data = type == FIX::MsgType_MarketDataRequest;
    const bool reference = type == FIX::MsgType_SecurityListRequest;
    const bool positions = type == FIX::MsgType_RequestForPositions && positions_ != nullptr;
    if (!order_entry && !market_data && !reference && !positions) throw FIX::UnsupportedMessageType();
    if (((order_entry || positions) && (role != SessionRole::kOrderEntry || slot.member == nullptr)) ||
        (market_data && role != SessionRole::kMarketData)) {
      BusinessReject(msg, slot, FIX::BusinessRejectReason_NOT_AUTHORIZED, RejectReason::kNotAuthorized,
                     absl::StrCat("a ", std::string(SessionRoleName(role)), " session cannot send MsgType ", type));
      return;
    }
    if (Throttled(slot)) {
      const EdgeReject throttled{RejectReason::kThrottled,
                                 absl::StrCat("more than ", slot.config->throttle_per_second,
                                              " messages per second; message refused")};
      if (type == FIX::MsgType_NewOrderSingle) {
        Send(EdgeRejectReport(msg, throttled, NextEdgeExecId()), slot);
      } else if (type == FIX::MsgType_OrderCancelRequest || type == FIX::MsgType_OrderCancelReplaceRequest) {
        FIX44::OrderCancelReject r = EdgeCancelReject(msg, throttled);
        if (type == FIX::MsgType_OrderCancelReplaceRequest) {
          r.setField(FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
        }
        Send(std::move(r), slot);
      } else {
        BusinessReject(msg, slot, FIX::BusinessRejectReason_OTHER, throttled.reason, throttled.text);
      }
      return;
    }
    if (market_data) return OnMarketDataRequest(msg, slot);
    if (positions) return OnRequestForPositions(msg, slot);
    if (reference) return OnSecurityListRequest(msg, slot);
    if (type == FIX::MsgType_OrderStatusRequest) return OnOrderStatusRequest(msg, slot);
    if (type == FIX::MsgType_OrderCancelReplaceRequest) {
      auto parsed = ParseReplace(msg, config_, slot.member->id, slot_index);
      if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
        FIX44::OrderCancelReject r = EdgeCancelReject(msg, *reject);
        r.setField(FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
        Send(std::move(r), slot);
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
        Send(MassCancelReport(done, NextEdgeExecId()), slot);
        return;
      }
      PushOrBusy(std::get<MassCancelCommand>(parsed), msg, slot);
      return;
    }
    if (type == FIX::MsgType_NewOrderSingle) {
      auto parsed = ParseNewOrder(msg, config_, slot.member->id, slot_index);
      if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
        Send(EdgeRejectReport(msg, *reject, NextEdgeExecId()), slot);
        return;
      }
      if (!commands_.TryPush(std::get<NewOrderCommand>(parsed))) {
        Send(EdgeRejectReport(msg, EdgeReject{RejectReason::kSystemUnavailable, "exchange is busy; retry"},
                              NextEdgeExecId()),
             slot);
      }
      return;
    }
    auto parsed = ParseCancel(msg, config_, slot.member->id, slot_index);
    if (auto* reject = std::get_if<EdgeReject>(&parsed)) {
      Send(EdgeCancelReject(msg, *reject), slot);
      return;
    }
    if (!commands_.TryPush(std::get<CancelOrderCommand>(parsed))) {
      Send(EdgeCancelReject(msg, EdgeReject{RejectReason::kSystemUnavailable, "exchange is busy; retry"}),
           slot);
    }
  }

 private:
  static PriceBandView DefaultBand(const InstrumentConfig& instrument) {
    const PriceBand band = ComputePriceBand(instrument);
    return {band.low, band.high};
  }

  uint32_t SlotIndex(const SessionSlot& slot) const {
    return slot_by_comp_id_.at(slot.config->comp_id);
  }

  // One-second window per session; 0 means unthrottled.
  static bool Throttled(SessionSlot& slot) {
    const int32_t limit = slot.config->throttle_per_second;
    if (limit <= 0) return false;
    const int64_t second = NowMs() / 1000;
    if (second != slot.window_second) {
      slot.window_second = second;
      slot.window_count = 0;
    }
    return ++slot.window_count > limit;
  }

  void BusinessReject(const FIX::Message& msg, const SessionSlot& slot, int reason, RejectReason code,
                      const std::string& text) {
    FIX::Message r = NewMessage(FIX::MsgType_BusinessMessageReject);
    r.setField(FIX::RefSeqNum(FIX::IntConvertor::convert(msg.getHeader().getField(FIX::FIELD::MsgSeqNum))));
    r.setField(FIX::RefMsgType(msg.getHeader().getField(FIX::FIELD::MsgType)));
    r.setField(FIX::BusinessRejectReason(reason));
    r.setField(FIX::Text(absl::StrCat(RejectReasonCode(code), ": ", text)));
    r.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(code)));
    Send(std::move(r), slot);
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
      Send(MassCancelReport(done, NextEdgeExecId()), slot);
    } else {
      FIX44::OrderCancelReject r = EdgeCancelReject(msg, busy);
      r.setField(FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
      Send(std::move(r), slot);
    }
  }

  // ---- Order status (H): answered from the core's state (an open order), else from the
  // reports this gateway has sent (a closed order's final state), else "closed" or unknown.
  void OnOrderStatusRequest(const FIX::Message& msg, const SessionSlot& slot) {
    ClOrdId cl_ord_id;
    if (order_status_ == nullptr || !cl_ord_id.Assign(FieldText(msg, FIX::FIELD::ClOrdID)) ||
        cl_ord_id.empty()) {
      Send(StatusReport(slot, msg, OrderStatusAnswer{}), slot);
      return;
    }
    const uint32_t slot_index = SlotIndex(slot);
    auto request = std::make_shared<FIX::Message>(msg);
    // The answer is queued behind the reports of everything the core did before it.
    order_status_->Request(slot.member->id, cl_ord_id,
                           [this, slot_index, request](absl::StatusOr<OrderStatusAnswer> answer) {
                             auto reply = std::make_shared<StatusReply>(StatusReply{*request, std::move(answer)});
                             Deliver(slot_index, Outbound{Event{}, 0, nullptr, std::move(reply)});
                           });
  }

  // Sender thread (or the connection thread without a source): the ExecutionReport (150=I).
  FIX44::ExecutionReport StatusReport(const SessionSlot& slot, const FIX::Message& msg,
                                      const absl::StatusOr<OrderStatusAnswer>& answer) {
    const std::string cl_ord_id = FieldText(msg, FIX::FIELD::ClOrdID);
    std::optional<KnownOrder> known;  // what this gateway reported about it
    {
      MemberOrders& orders = *orders_.at(slot.member->id);
      std::lock_guard lock(orders.mu);
      if (auto id = orders.by_cl_ord_id.find(cl_ord_id); id != orders.by_cl_ord_id.end()) {
        if (auto it = orders.by_order.find(id->second); it != orders.by_order.end()) known = it->second;
      }
    }
    FIX44::ExecutionReport er;
    auto from_view = [&](const OrderView& view, char ord_status) {
      const InstrumentConfig* instrument = config_.FindInstrument(view.instrument);
      if (instrument == nullptr) return false;
      er = OrderReport(view, *instrument, FIX::ExecType_ORDER_STATUS, NextEdgeExecId(), 0);
      er.removeField(FIX::FIELD::TransactTime);
      er.setField(FIX::ClOrdID(cl_ord_id));
      er.setField(FIX::OrdStatus(ord_status));
      return true;
    };
    auto refusal = [&](RejectReason reason, const std::string& text) {
      er = EdgeRejectReport(msg, EdgeReject{reason, text}, NextEdgeExecId());
      er.setField(FIX::ExecType(FIX::ExecType_ORDER_STATUS));
    };
    bool done = false;
    if (!answer.ok()) {
      refusal(RejectReason::kSystemUnavailable, std::string(answer.status().message()));
      done = true;
    } else if (order_status_ == nullptr) {
      // No core to ask (tools and tests): what this gateway has reported.
      done = known && from_view(known->view, known->ord_status);
    } else if (answer->kind == OrderStatusKind::kOpen) {
      const OrderView& v = answer->order;
      done = from_view(v, v.cum_quantity.is_positive() ? FIX::OrdStatus_PARTIALLY_FILLED : FIX::OrdStatus_NEW);
    } else if (answer->kind == OrderStatusKind::kClosed) {
      if (known && !known->open && known->view.order_id == answer->order.order_id) {
        done = from_view(known->view, known->ord_status);  // its final state, as reported
      }
      if (!done) {
        refusal(RejectReason::kTooLateToCancel,
                absl::StrCat("order ", answer->order.order_id.value(),
                             " is closed (filled, cancelled or expired); its final state was reported "
                             "before the exchange last restarted: see its execution reports "
                             "(ResendRequest)"));
        er.setField(FIX::OrderID(absl::StrCat(answer->order.order_id.value())));
        done = true;
      }
    }
    if (!done) refusal(RejectReason::kUnknownOrder, "no order with this ClOrdID");
    if (msg.isSetField(FIX::FIELD::OrdStatusReqID)) {
      er.setField(FIX::FIELD::OrdStatusReqID, msg.getField(FIX::FIELD::OrdStatusReqID));
    }
    return er;
  }

  // Sender thread: remember what was reported about the session member's orders.
  void Remember(const SessionSlot& slot, const OrderView& view, char status, bool open,
                const ClOrdId* also = nullptr) {
    if (slot.member == nullptr || view.member != slot.member->id) return;
    MemberOrders& orders = *orders_.at(slot.member->id);
    std::lock_guard lock(orders.mu);
    orders.by_order[view.order_id] = KnownOrder{view, status, open};
    // Looked up by view: a key string is built only for a ClOrdID not seen before.
    const auto key = [](const ClOrdId& id) { return absl::string_view(id.view().data(), id.view().size()); };
    orders.by_cl_ord_id[key(view.cl_ord_id)] = view.order_id;
    if (also != nullptr && !also->empty()) orders.by_cl_ord_id[key(*also)] = view.order_id;
  }

  // ---- Cancel on disconnect: cancel every open order this session entered.
  void CancelOnDisconnect(const SessionSlot& slot) {
    std::vector<OrderView> open;
    {
      MemberOrders& orders = *orders_.at(slot.member->id);
      std::lock_guard lock(orders.mu);
      // Each view holds the order's latest ClOrdID, the one the core accepts as OrigClOrdID.
      for (const auto& [id, known] : orders.by_order) {
        if (known.open && known.view.session == SlotIndex(slot)) open.push_back(known.view);
      }
    }
    spdlog::info("FIX {}: cancel on disconnect, {} open orders", slot.config->comp_id, open.size());
    for (const OrderView& view : open) CancelForDisconnect(slot, view);
  }

  void CancelForDisconnect(const SessionSlot& slot, const OrderView& view) {
    CancelOrderCommand cmd;
    cmd.session = SlotIndex(slot);
    cmd.member = view.member;
    cmd.instrument = view.instrument;
    cmd.side = view.side;
    cmd.cl_ord_id.Assign(absl::StrCat("COD-", start_ms_, "-", ++cod_ids_));
    cmd.orig_cl_ord_id = view.cl_ord_id;
    if (!commands_.TryPush(cmd)) {
      spdlog::error("FIX {}: cancel on disconnect of {} refused: command queue full",
                    slot.config->comp_id, std::string(view.cl_ord_id.view()));
    }
  }

  // ---- Security list (x -> y)
  // RequestForPositions (AN): one PositionReport (AP) per instrument (or the one named in
  // Symbol), each with the member's receipt quantities by state and its cash, answered from
  // the ledger after everything the member sent before is committed.
  void OnRequestForPositions(const FIX::Message& msg, const SessionSlot& slot) {
    const uint32_t slot_index = SlotIndex(slot);
    const MemberConfig& member = *slot.member;
    PositionsRequest request;
    request.pos_req_id = FieldText(msg, FIX::FIELD::PosReqID);
    request.account = member.code;
    const std::string account = FieldText(msg, FIX::FIELD::Account);
    const std::string symbol = FieldText(msg, FIX::FIELD::Symbol);
    if (!account.empty() && account != member.code) {
      return Deliver(slot_index, PositionsRefusal(request, 3, RejectReason::kNotAuthorized,
                                                  "Account(1) must be your member code " + member.code));
    }
    if (!symbol.empty()) {
      const InstrumentConfig* instrument = config_.FindInstrument(symbol);
      if (instrument == nullptr) {
        return Deliver(slot_index,
                       PositionsRefusal(request, 2, RejectReason::kUnknownInstrument, "unknown Symbol(55) " + symbol));
      }
      request.only = instrument->id;
    }
    positions_->Request(member.id, [this, slot_index, request](absl::StatusOr<MemberPositions> result) {
      if (!result.ok()) {
        Deliver(slot_index, PositionsRefusal(request, 99, RejectReason::kSystemUnavailable,
                                             std::string(result.status().message())));
        return;
      }
      for (Outbound& report : PositionReports(request, *result)) Deliver(slot_index, report);
    });
  }

  struct PositionsRequest {
    std::string pos_req_id;
    std::string account;
    InstrumentId only;  // invalid: every instrument
  };

  FIX::Message PositionReportHeader(const PositionsRequest& request, int result) {
    FIX::Message ap = NewMessage(FIX::MsgType_PositionReport);
    ap.setField(FIX::FIELD::PosMaintRptID, absl::StrCat("P", start_ms_, ".", ++position_reports_));
    ap.setField(FIX::FIELD::PosReqID, request.pos_req_id);
    ap.setField(FIX::FIELD::PosReqType, "0");
    ap.setField(FIX::FIELD::PosReqResult, absl::StrCat(result));
    ap.setField(FIX::FIELD::ClearingBusinessDate, LocalBusinessDate());
    ap.setField(FIX::FIELD::Account, request.account);
    return ap;
  }

  Outbound PositionsRefusal(const PositionsRequest& request, int result, RejectReason reason,
                            const std::string& text) {
    FIX::Message ap = PositionReportHeader(request, result);
    ap.setField(FIX::FIELD::TotalNumPosReports, "0");
    ap.setField(FIX::Text(absl::StrCat(RejectReasonCode(reason), ": ", text)));
    ap.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(reason)));
    return Outbound{Event{}, 0, std::make_shared<FIX::Message>(std::move(ap))};
  }

  std::vector<Outbound> PositionReports(const PositionsRequest& request, const MemberPositions& p) {
    std::vector<const InstrumentHoldings*> chosen;
    for (const InstrumentHoldings& h : p.instruments) {
      if (!request.only.valid() || h.instrument == request.only) chosen.push_back(&h);
    }
    std::vector<Outbound> out;
    for (const InstrumentHoldings* h : chosen) {
      const InstrumentConfig* instrument = config_.FindInstrument(h->instrument);
      FIX::Message ap = PositionReportHeader(request, 0);
      ap.setField(FIX::FIELD::TotalNumPosReports, absl::StrCat(chosen.size()));
      ap.setField(FIX::FIELD::Symbol, instrument->symbol);
      ap.setField(FIX::FIELD::Currency, "CNY");
      const std::pair<const char*, Quantity> totals[] = {
          {"AVL", h->available}, {"RSV", h->reserved}, {"PLG", h->pledged}, {"FRZ", h->frozen}};
      for (const auto& [type, quantity] : totals) {
        FIX::Group g(FIX::FIELD::NoPositions, FIX::FIELD::PosType);
        g.setField(FIX::FIELD::PosType, type);
        g.setField(FIX::FIELD::LongQty, absl::StrCat(quantity.raw()));
        g.setField(FIX::FIELD::ShortQty, "0");
        ap.addGroup(g);
      }
      ap.setField(kCashAvailableTag, FormatDecimal(p.cash_available.raw(), 2));
      ap.setField(kCashReservedTag, FormatDecimal(p.cash_reserved.raw(), 2));
      for (const ReceiptHolding& r : h->receipts) {
        FIX::Group g(kNoReceiptsTag, kReceiptIdTag);
        g.setField(kReceiptIdTag, r.receipt);
        g.setField(kReceiptQtyTag, absl::StrCat(r.quantity.raw()));
        g.setField(kWarehouseCodeTag, r.warehouse);
        g.setField(kReceiptStatusTag, HoldingStateName(r.state));
        g.setField(kReceiptGradeTag, r.grade);
        g.setField(kReceiptLedgerIdTag, absl::StrCat(r.ledger_id));
        ap.addGroup(g);
      }
      out.push_back(Outbound{Event{}, 0, std::make_shared<FIX::Message>(std::move(ap))});
    }
    return out;
  }

  // Today in Beijing time (the exchange's business day), YYYYMMDD.
  static std::string LocalBusinessDate() {
    const std::time_t t = static_cast<std::time_t>(NowMs() / 1000 + 8 * 3600);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    std::snprintf(text, sizeof(text), "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return text;
  }

  void OnSecurityListRequest(const FIX::Message& msg, const SessionSlot& slot) {
    FIX::Message y = NewMessage(FIX::MsgType_SecurityList);
    y.setField(FIX::FIELD::SecurityReqID, FieldText(msg, FIX::FIELD::SecurityReqID));
    y.setField(FIX::FIELD::SecurityResponseID, NextEdgeExecId());
    const std::string type = FieldText(msg, FIX::FIELD::SecurityListRequestType);
    std::vector<const InstrumentConfig*> chosen;
    if (type == "4") {
      for (const InstrumentConfig& i : config_.instruments) chosen.push_back(&i);
    } else if (type == "0") {
      if (const InstrumentConfig* i = config_.FindInstrument(FieldText(msg, FIX::FIELD::Symbol))) {
        chosen.push_back(i);
      }
    }
    if (chosen.empty()) {
      const bool bad_type = type != "0" && type != "4";
      y.setField(FIX::FIELD::SecurityRequestResult, bad_type ? "1" : "2");
      const RejectReason reason = bad_type ? RejectReason::kUnsupportedOrderType : RejectReason::kUnknownInstrument;
      y.setField(FIX::Text(absl::StrCat(RejectReasonCode(reason), ": ",
                                        bad_type ? "SecurityListRequestType(559) must be 0 or 4"
                                                 : "unknown Symbol(55)")));
      y.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(reason)));
      Send(std::move(y), slot);
      return;
    }
    y.setField(FIX::FIELD::SecurityRequestResult, "0");
    y.setField(FIX::FIELD::TotNoRelatedSym, absl::StrCat(chosen.size()));
    y.setField(FIX::FIELD::LastFragment, "Y");
    for (const InstrumentConfig* i : chosen) {
      FIX::Group g(FIX::FIELD::NoRelatedSym, FIX::FIELD::Symbol);
      g.setField(FIX::FIELD::Symbol, i->symbol);
      g.setField(FIX::FIELD::SecurityDesc, i->commodity + " " + i->grade);
      g.setField(FIX::FIELD::Currency, "CNY");
      g.setField(FIX::FIELD::RoundLot, absl::StrCat(i->lot_size.raw()));
      g.setField(FIX::FIELD::MinTradeVol, absl::StrCat(i->lot_size.raw()));
      g.setField(FIX::FIELD::MinPriceIncrement, FormatPrice(i->tick));
      g.setField(kPriceUnitQtyTag, absl::StrCat(i->base_units_per_price_unit));
      g.setField(kBaseUnitTag, i->base_unit);
      g.setField(kReferencePriceTag, FormatPrice(i->reference_price));
      const PriceBandView band = bands_[i->id.value() - 1];
      g.setField(kPriceBandLowTag, FormatPrice(band.low));
      g.setField(kPriceBandHighTag, FormatPrice(band.high));
      const Phase phase = static_cast<Phase>(phases_[i->id.value() - 1].load());
      g.setField(FIX::FIELD::TradingSessionSubID, TradingSessionSub(phase));
      g.setField(FIX::FIELD::SecurityTradingStatus, absl::StrCat(TradingStatus(phase)));
      y.addGroup(g);
    }
    Send(std::move(y), slot);
  }

  // ---- Market data request (V): validated here, served by the market-data thread.
  void OnMarketDataRequest(const FIX::Message& msg, const SessionSlot& slot) {
    const std::string req_id = FieldText(msg, FIX::FIELD::MDReqID);
    auto reject = [&](char reason, RejectReason code, const std::string& text) {
      FIX::Message y = NewMessage(FIX::MsgType_MarketDataRequestReject);
      y.setField(FIX::FIELD::MDReqID, req_id);
      y.setField(FIX::MDReqRejReason(reason));
      y.setField(FIX::Text(absl::StrCat(RejectReasonCode(code), ": ", text)));
      y.setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(code)));
      Send(std::move(y), slot);
    };
    auto request = std::make_shared<MdRequest>();
    request->sub.slot = SlotIndex(slot);
    request->sub.md_req_id = req_id;
    const std::string sub_type = FieldText(msg, FIX::FIELD::SubscriptionRequestType);
    if (sub_type != "0" && sub_type != "1" && sub_type != "2") {
      return reject('4', RejectReason::kUnsupportedOrderType, "SubscriptionRequestType(263) must be 0, 1 or 2");
    }
    request->type = sub_type[0];
    if (sub_type == "2") {
      md_queue_.Push(MdItem{Event{}, request});
      return;
    }
    if (msg.isSetField(FIX::FIELD::MDUpdateType) && msg.getField(FIX::FIELD::MDUpdateType) != "1") {
      return reject('6', RejectReason::kUnsupportedOrderType, "only MDUpdateType(265)=1 (incremental) is supported");
    }
    if (msg.isSetField(FIX::FIELD::AggregatedBook) && msg.getField(FIX::FIELD::AggregatedBook) != "Y") {
      return reject('7', RejectReason::kUnsupportedOrderType, "only aggregated books (266=Y) are published");
    }
    int depth = -1;
    try {
      depth = FIX::IntConvertor::convert(FieldText(msg, FIX::FIELD::MarketDepth));
    } catch (const std::exception&) {
    }
    if (depth < 0) return reject('5', RejectReason::kUnsupportedOrderType, "MarketDepth(264) must be 0 (full) or N >= 1");
    const int group_types = msg.groupCount(FIX::FIELD::NoMDEntryTypes);
    for (int i = 1; i <= group_types; ++i) {
      FIX::Group g(FIX::FIELD::NoMDEntryTypes, FIX::FIELD::MDEntryType);
      msg.getGroup(i, g);
      const std::string t = FieldText(g, FIX::FIELD::MDEntryType);
      if (t == "0" || t == "1") {
        request->sub.bids_offers = true;
      } else if (t == "2") {
        request->sub.trades = true;
      } else {
        return reject('8', RejectReason::kUnsupportedOrderType,
                      absl::StrCat("MDEntryType(269)=", t, " is not published; use 0, 1 or 2"));
      }
    }
    if (!request->sub.bids_offers && !request->sub.trades) {
      return reject('8', RejectReason::kUnsupportedOrderType, "no MDEntryType(269) requested");
    }
    const int group_syms = msg.groupCount(FIX::FIELD::NoRelatedSym);
    int64_t max_depth = 1;
    for (int i = 1; i <= group_syms; ++i) {
      FIX::Group g(FIX::FIELD::NoRelatedSym, FIX::FIELD::Symbol);
      msg.getGroup(i, g);
      const std::string symbol = FieldText(g, FIX::FIELD::Symbol);
      const InstrumentConfig* instrument = config_.FindInstrument(symbol);
      if (instrument == nullptr) {
        return reject('0', RejectReason::kUnknownInstrument, absl::StrCat("unknown Symbol(55) ", symbol));
      }
      request->sub.instruments.push_back(instrument->id);
      max_depth = std::max(max_depth, instrument->depth_levels);
    }
    if (request->sub.instruments.empty()) return reject('0', RejectReason::kUnknownInstrument, "no Symbol(55)");
    if (depth > max_depth) {
      return reject('5', RejectReason::kUnsupportedOrderType,
                    absl::StrCat("MarketDepth(264) is at most ", max_depth, " (0 = all published levels)"));
    }
    request->sub.depth = depth == 0 ? static_cast<uint32_t>(max_depth) : static_cast<uint32_t>(depth);
    md_queue_.Push(MdItem{Event{}, request});
  }

  // ---- Market-data thread: owns the public picture and the subscriptions.
  static void ApplyDepth(InstrumentMd& md, const DepthChanged& d) {
    BookSide& side = d.side == Side::kBuy ? md.bids : md.asks;
    if (d.quantity.is_zero()) {
      side.levels.erase(d.price.raw());
    } else {
      side.levels[d.price.raw()] = {d.quantity, d.orders};
    }
  }

  template <typename F>
  static void ForTopLevels(const InstrumentMd& md, Side side, uint32_t depth, F&& f) {
    uint32_t rank = 0;
    if (side == Side::kBuy) {
      for (auto it = md.bids.levels.rbegin(); it != md.bids.levels.rend() && rank < depth; ++it, ++rank) {
        f(rank, it->first, it->second);
      }
    } else {
      for (auto it = md.asks.levels.begin(); it != md.asks.levels.end() && rank < depth; ++it, ++rank) {
        f(rank, it->first, it->second);
      }
    }
  }

  FIX::Message Snapshot(const Subscription& sub, const InstrumentConfig& instrument) {
    const InstrumentMd& md = md_[instrument.id.value() - 1];
    FIX::Message w = NewMessage(FIX::MsgType_MarketDataSnapshotFullRefresh);
    w.setField(FIX::FIELD::MDReqID, sub.md_req_id);
    w.setField(FIX::FIELD::Symbol, instrument.symbol);
    w.setField(FIX::FIELD::SecurityTradingStatus, absl::StrCat(TradingStatus(md.phase)));
    w.setField(FIX::FIELD::TradingSessionSubID, TradingSessionSub(md.phase));
    int entries = 0;
    if (sub.bids_offers) {
      for (Side side : {Side::kBuy, Side::kSell}) {
        ForTopLevels(md, side, sub.depth, [&](uint32_t rank, int64_t price, const auto& level) {
          FIX::Group g(FIX::FIELD::NoMDEntries, FIX::FIELD::MDEntryType);
          g.setField(FIX::FIELD::MDEntryType, side == Side::kBuy ? "0" : "1");
          g.setField(FIX::FIELD::MDEntryPx, FormatPrice(Price::FromRaw(price)));
          g.setField(FIX::FIELD::MDEntrySize, absl::StrCat(level.first.raw()));
          g.setField(FIX::FIELD::NumberOfOrders, absl::StrCat(level.second));
          g.setField(FIX::FIELD::MDEntryPositionNo, absl::StrCat(rank + 1));
          w.addGroup(g);
          ++entries;
        });
      }
    }
    if (sub.trades && md.has_trade) {
      FIX::Group g(FIX::FIELD::NoMDEntries, FIX::FIELD::MDEntryType);
      g.setField(FIX::FIELD::MDEntryType, "2");
      g.setField(FIX::FIELD::MDEntryPx, FormatPrice(md.last_price));
      g.setField(FIX::FIELD::MDEntrySize, absl::StrCat(md.last_quantity.raw()));
      g.setField(kAggressorSideTag, md.last_aggressor == Side::kBuy ? "1" : "2");
      w.addGroup(g);
      ++entries;
    }
    if (entries == 0) {
      // NoMDEntries is required: an empty book is one entry with no price or size.
      FIX::Group g(FIX::FIELD::NoMDEntries, FIX::FIELD::MDEntryType);
      g.setField(FIX::FIELD::MDEntryType, sub.bids_offers ? "0" : "2");
      w.addGroup(g);
    }
    return w;
  }

  bool Wants(const Subscription& sub, InstrumentId id) const {
    return std::find(sub.instruments.begin(), sub.instruments.end(), id) != sub.instruments.end();
  }

  void Publish(const Subscription& sub, const FIX::Group& entry) {
    auto x = std::make_shared<FIX::Message>(NewMessage(FIX::MsgType_MarketDataIncrementalRefresh));
    x->setField(FIX::FIELD::MDReqID, sub.md_req_id);
    x->addGroup(entry);
    Deliver(sub.slot, Outbound{Event{}, 0, std::move(x)});
  }

  void OnMarketEvent(const Event& e) {
    if (const auto* d = std::get_if<DepthChanged>(&e.body)) {
      InstrumentMd& md = md_[d->instrument.value() - 1];
      const bool existed = (d->side == Side::kBuy ? md.bids : md.asks).levels.contains(d->price.raw());
      ApplyDepth(md, *d);
      const InstrumentConfig* instrument = config_.FindInstrument(d->instrument);
      for (const Subscription& sub : subs_) {
        if (!sub.bids_offers || !Wants(sub, d->instrument) || d->rank >= sub.depth) continue;
        FIX::Group g(FIX::FIELD::NoMDEntries, FIX::FIELD::MDUpdateAction);
        g.setField(FIX::FIELD::MDUpdateAction, d->quantity.is_zero() ? "2" : existed ? "1" : "0");
        g.setField(FIX::FIELD::MDEntryType, d->side == Side::kBuy ? "0" : "1");
        g.setField(FIX::FIELD::Symbol, instrument->symbol);
        g.setField(FIX::FIELD::MDEntryPx, FormatPrice(d->price));
        g.setField(FIX::FIELD::MDEntrySize, absl::StrCat(d->quantity.raw()));
        g.setField(FIX::FIELD::NumberOfOrders, absl::StrCat(d->orders));
        g.setField(FIX::FIELD::MDEntryPositionNo, absl::StrCat(d->rank + 1));
        Publish(sub, g);
      }
    } else if (const auto* t = std::get_if<TradeEvent>(&e.body)) {
      InstrumentMd& md = md_[t->instrument.value() - 1];
      md.has_trade = true;
      md.last_price = t->price;
      md.last_quantity = t->quantity;
      md.last_aggressor = t->aggressor;
      const InstrumentConfig* instrument = config_.FindInstrument(t->instrument);
      for (const Subscription& sub : subs_) {
        if (!sub.trades || !Wants(sub, t->instrument)) continue;
        FIX::Group g(FIX::FIELD::NoMDEntries, FIX::FIELD::MDUpdateAction);
        g.setField(FIX::FIELD::MDUpdateAction, "0");
        g.setField(FIX::FIELD::MDEntryType, "2");
        g.setField(FIX::FIELD::MDEntryID, absl::StrCat(t->trade_id.value()));
        g.setField(FIX::FIELD::Symbol, instrument->symbol);
        g.setField(FIX::FIELD::MDEntryPx, FormatPrice(t->price));
        g.setField(FIX::FIELD::MDEntrySize, absl::StrCat(t->quantity.raw()));
        g.setField(kAggressorSideTag, t->aggressor == Side::kBuy ? "1" : "2");
        Publish(sub, g);
      }
    } else if (const auto* p = std::get_if<PhaseChanged>(&e.body)) {
      InstrumentMd& md = md_[p->instrument.value() - 1];
      md.phase = p->to;
      phases_[p->instrument.value() - 1].store(static_cast<uint8_t>(p->to));
      const InstrumentConfig* instrument = config_.FindInstrument(p->instrument);
      for (const Subscription& sub : subs_) {
        if (!Wants(sub, p->instrument)) continue;
        FIX::Group g(FIX::FIELD::NoMDEntries, FIX::FIELD::MDUpdateAction);
        g.setField(FIX::FIELD::MDUpdateAction, "1");
        g.setField(FIX::FIELD::Symbol, instrument->symbol);
        g.setField(FIX::FIELD::SecurityTradingStatus, absl::StrCat(TradingStatus(p->to)));
        g.setField(FIX::FIELD::TradingSessionSubID, TradingSessionSub(p->to));
        Publish(sub, g);
      }
    }
  }

  void OnMarketRequest(const MdRequest& request) {
    HandleMarketRequest(request);
    md_live_.store(!subs_.empty(), std::memory_order_seq_cst);
  }

  void HandleMarketRequest(const MdRequest& request) {
    const uint32_t slot = request.sub.slot;
    if (request.type == 'X') {  // the session logged out: its subscriptions end
      std::erase_if(subs_, [&](const Subscription& s) { return s.slot == slot; });
      return;
    }
    auto existing = std::find_if(subs_.begin(), subs_.end(), [&](const Subscription& s) {
      return s.slot == slot && s.md_req_id == request.sub.md_req_id;
    });
    auto reject = [&](char reason, RejectReason code, const std::string& text) {
      auto y = std::make_shared<FIX::Message>(NewMessage(FIX::MsgType_MarketDataRequestReject));
      y->setField(FIX::FIELD::MDReqID, request.sub.md_req_id);
      y->setField(FIX::MDReqRejReason(reason));
      y->setField(FIX::Text(absl::StrCat(RejectReasonCode(code), ": ", text)));
      y->setField(kRejectCodeTag, absl::StrCat(RejectReasonCode(code)));
      Deliver(slot, Outbound{Event{}, 0, std::move(y)});
    };
    if (request.type == '2') {
      if (existing == subs_.end()) {
        reject('0', RejectReason::kUnknownOrder, "no active subscription with this MDReqID(262)");
      } else {
        subs_.erase(existing);
      }
      return;
    }
    if (existing != subs_.end()) {
      reject('1', RejectReason::kDuplicateClOrdId, "MDReqID(262) is already subscribed");
      return;
    }
    for (InstrumentId id : request.sub.instruments) {
      const InstrumentConfig* instrument = config_.FindInstrument(id);
      Deliver(slot, Outbound{Event{}, 0, std::make_shared<FIX::Message>(Snapshot(request.sub, *instrument))});
    }
    if (request.type == '1') subs_.push_back(request.sub);
  }

  void MarketDataLoop() {
    MdItem item;
    for (;;) {
      md_queue_.Wait();
      while (md_queue_.Pop(item)) {
        try {
          if (item.request != nullptr) {
            OnMarketRequest(*item.request);
          } else {
            OnMarketEvent(item.event);
          }
        } catch (const std::exception& e) {
          spdlog::error("FIX market data: {}", e.what());
        }
        item.request.reset();
      }
      if (md_queue_.interrupted()) return;
    }
  }

  // ---- Outbound queues
  void Route(uint32_t slot_index, const Event& e, uint32_t n) {
    if (slot_index == 0 || slot_index > slots_.size()) return;
    Deliver(slot_index, Outbound{e, n, nullptr});
  }

  void Deliver(uint32_t slot_index, const Outbound& item) {
    SessionSlot& slot = *slots_[slot_index - 1];
    if (!slot.out->Push(item)) slot.overflowed.store(true, std::memory_order_release);
  }

  // Disconnects slow consumers: a session whose queue overflowed while it was logged on.
  void ReapLoop() {
    while (!stopped_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      for (auto& slot : slots_) {
        if (!slot->overflowed.exchange(false)) continue;
        if (!slot->logged_on.load()) continue;  // queued for the store; resent on logon
        spdlog::warn("FIX {}: slow consumer: outbound queue of {} messages overflowed; disconnecting",
                     slot->config->comp_id, slot->out->capacity());
        ShutdownStuckSockets();
        if (FIX::Session* session = FIX::Session::lookupSession(slot->id)) {
          try {
            session->disconnect();
          } catch (const std::exception& e) {
            spdlog::warn("FIX {}: disconnect: {}", slot->config->comp_id, e.what());
          }
        }
      }
    }
  }

  // QuickFIX does not expose a session's socket, and a sender blocked in send() holds the
  // session lock, so Session::disconnect() would wait for it. Shut down every connection on
  // the FIX port whose kernel send queue is backed up; the blocked send then fails and
  // QuickFIX disconnects that session.
  void ShutdownStuckSockets() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
      int fd = -1;
      try {
        fd = std::stoi(entry.path().filename().string());
      } catch (const std::exception&) {
        continue;
      }
      sockaddr_in local{};
      socklen_t len = sizeof(local);
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || local.sin_family != AF_INET ||
          ntohs(local.sin_port) != config_.fix.port) {
        continue;
      }
      sockaddr_in peer{};
      len = sizeof(peer);
      if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
      int unsent = 0;
      if (ioctl(fd, TIOCOUTQ, &unsent) != 0 || unsent < kStuckSocketBytes) continue;
      char addr[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof(addr));
      spdlog::warn("FIX: shutting down connection from {}:{} with {} unsent bytes", addr,
                   ntohs(peer.sin_port), unsent);
      shutdown(fd, SHUT_RDWR);
    }
  }

  SessionSlot* Slot(const std::string& comp_id) {
    auto it = slot_by_comp_id_.find(comp_id);
    return it == slot_by_comp_id_.end() ? nullptr : slots_[it->second - 1].get();
  }

  // Reports for messages that never reached the core: "X<start ms>.<n>", unique across
  // restarts because the start time differs.
  std::string NextEdgeExecId() { return absl::StrCat("X", start_ms_, ".", ++edge_exec_ids_); }

  void Send(FIX::Message&& msg, const SessionSlot& slot) { SendMessage(msg, slot); }

  void SendMessage(FIX::Message& msg, const SessionSlot& slot) {
    FIX::Session* session = slot.session.load(std::memory_order_acquire);
    if (session == nullptr) {
      session = FIX::Session::lookupSession(slot.id);
      if (session == nullptr) {
        spdlog::warn("no FIX session {} for an outbound message", slot.id.toString());
        return;
      }
      slot.session.store(session, std::memory_order_release);
    }
    session->send(msg);
  }

  std::string ExecId(SeqNo seq, uint32_t n) { return absl::StrCat(seq.value(), ".", n); }

  // Sender thread of `slot`: turn one event into the reports this session is due.
  void SendEvent(const SessionSlot& slot, const Event& event, uint32_t n) {
    const uint32_t me = SlotIndex(slot);
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, OrderAccepted>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.order.instrument);
            Remember(slot, body.order, FIX::OrdStatus_NEW, true);
            FillOrderReport(slot.report, body.order, *instrument, FIX::ExecType_NEW, ExecId(event.seq, n), event.time);
            SendMessage(slot.report, slot);
            // An order the core accepted after its session dropped with cancel-on-disconnect.
            if (!slot.logged_on.load() && slot.member != nullptr && slot.config->cancel_on_disconnect) {
              CancelForDisconnect(slot, body.order);
            }
          } else if constexpr (std::is_same_v<T, OrderRejected>) {
            Send(RejectReport(body, config_.FindInstrument(body.instrument), ExecId(event.seq, n), event.time),
                 slot);
          } else if constexpr (std::is_same_v<T, OrderCancelled>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.order.instrument);
            FIX44::ExecutionReport& er = slot.report;
            FillOrderReport(er, body.order, *instrument, FIX::ExecType_CANCELED, ExecId(event.seq, n), event.time);
            char status = FIX::OrdStatus_CANCELED;
            if (body.cause == CancelCause::kExpired) {
              er.setField(FIX::ExecType(FIX::ExecType_EXPIRED));
              er.setField(FIX::OrdStatus(FIX::OrdStatus_EXPIRED));
              status = FIX::OrdStatus_EXPIRED;
            }
            Remember(slot, body.order, status, false);
            if (!body.request_cl_ord_id.empty()) {
              er.setField(FIX::ClOrdID(std::string(body.request_cl_ord_id.view())));
              er.setField(FIX::OrigClOrdID(std::string(body.order.cl_ord_id.view())));
            }
            SendMessage(er, slot);
          } else if constexpr (std::is_same_v<T, CancelRejected>) {
            Send(CancelRejectMessage(body), slot);
          } else if constexpr (std::is_same_v<T, TradeEvent>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.instrument);
            if (slot.config->role == SessionRole::kDropCopy) {
              Send(TradeCapture(body, *instrument), slot);
              return;
            }
            if (body.buy.session == me) {
              Remember(slot, body.buy, body.buy.leaves_quantity.is_zero() ? FIX::OrdStatus_FILLED
                                                                          : FIX::OrdStatus_PARTIALLY_FILLED,
                       !body.buy.leaves_quantity.is_zero());
              FillTradeReport(slot.report, body, body.buy, *instrument, ExecId(event.seq, n));
              SendMessage(slot.report, slot);
            }
            if (body.sell.session == me) {
              Remember(slot, body.sell, body.sell.leaves_quantity.is_zero() ? FIX::OrdStatus_FILLED
                                                                            : FIX::OrdStatus_PARTIALLY_FILLED,
                       !body.sell.leaves_quantity.is_zero());
              FillTradeReport(slot.report, body, body.sell, *instrument, ExecId(event.seq, n + 1));
              SendMessage(slot.report, slot);
            }
          } else if constexpr (std::is_same_v<T, OrderReplaced>) {
            const InstrumentConfig* instrument = config_.FindInstrument(body.order.instrument);
            OrderView view = body.order;
            view.cl_ord_id = body.request_cl_ord_id;
            Remember(slot, view, body.order.cum_quantity.is_positive() ? FIX::OrdStatus_PARTIALLY_FILLED
                                                                       : FIX::OrdStatus_NEW,
                     true, &body.orig_cl_ord_id);
            Send(ReplacedReport(body, *instrument, ExecId(event.seq, n), event.time), slot);
          } else if constexpr (std::is_same_v<T, MassCancelDone>) {
            Send(MassCancelReport(body, ExecId(event.seq, n)), slot);
          }
        },
        event.body);
  }

  // Drop copy: both sides of a trade, with the members as parties.
  FIX::Message TradeCapture(const TradeEvent& t, const InstrumentConfig& instrument) {
    FIX::Message ae = NewMessage(FIX::MsgType_TradeCaptureReport);
    ae.setField(FIX::FIELD::TradeReportID, absl::StrCat(t.trade_id.value()));
    ae.setField(FIX::FIELD::TradeReportTransType, "0");
    ae.setField(FIX::FIELD::ExecType, "F");
    ae.setField(FIX::FIELD::TrdMatchID, absl::StrCat(t.trade_id.value()));
    ae.setField(FIX::FIELD::PreviouslyReported, "N");
    ae.setField(FIX::FIELD::Symbol, instrument.symbol);
    ae.setField(FIX::FIELD::LastQty, absl::StrCat(t.quantity.raw()));
    ae.setField(FIX::FIELD::LastPx, FormatPrice(t.price));
    const std::string stamp = UtcTimestamp(t.time);
    ae.setField(FIX::FIELD::TradeDate, stamp.substr(0, 8));
    ae.setField(FIX::FIELD::TransactTime, stamp);
    ae.setField(kAggressorSideTag, t.aggressor == Side::kBuy ? "1" : "2");
    for (const OrderView* side : {&t.buy, &t.sell}) {
      FIX::Group g(FIX::FIELD::NoSides, FIX::FIELD::Side);
      g.setField(FIX::FIELD::Side, side == &t.buy ? "1" : "2");
      g.setField(FIX::FIELD::OrderID, absl::StrCat(side->order_id.value()));
      g.setField(FIX::FIELD::ClOrdID, std::string(side->cl_ord_id.view()));
      const MemberConfig* member = config_.FindMember(side->member);
      FIX::Group party(FIX::FIELD::NoPartyIDs, FIX::FIELD::PartyID);
      party.setField(FIX::FIELD::PartyID, member != nullptr ? member->code : "UNKNOWN");
      party.setField(FIX::FIELD::PartyIDSource, "D");
      party.setField(FIX::FIELD::PartyRole, "1");
      g.addGroup(party);
      g.setField(FIX::FIELD::Currency, "CNY");
      g.setField(FIX::FIELD::GrossTradeAmt, FormatDecimal(t.notional.raw(), 2));
      ae.addGroup(g);
    }
    return ae;
  }

  void SendLoop(uint32_t slot_index) {
    SessionSlot& slot = *slots_[slot_index - 1];
    Outbound item;
    for (;;) {
      slot.out->Wait();
      // The reports drained in one go leave in one write (guarded_acceptor.h).
      OutboundBatch batch;
      while (slot.out->Pop(item)) {
        try {
          if (item.status != nullptr) {
            Send(StatusReport(slot, item.status->request, item.status->answer), slot);
            item.status.reset();
          } else if (item.message != nullptr) {
            FIX::Message copy(*item.message);
            Send(std::move(copy), slot);
            item.message.reset();
          } else {
            SendEvent(slot, item.event, item.exec_n);
          }
        } catch (const std::exception& e) {
          spdlog::error("FIX {}: send failed for seq {}: {}", slot.config->comp_id, item.event.seq.value(), e.what());
        }
      }
      if (slot.out->interrupted()) return;
    }
  }

  const ExchangeConfig& config_;
  CommandQueue& commands_;
  FixGatewayOptions options_;
  std::vector<std::unique_ptr<SessionSlot>> slots_;
  absl::flat_hash_map<std::string, uint32_t> slot_by_comp_id_;
  std::vector<uint32_t> drop_copy_;
  absl::flat_hash_map<MemberId, std::unique_ptr<MemberOrders>> orders_;
  // Event dispatch (the sequencer's committer thread, or the sequencer thread) and queries (the
  // sequencer thread), which the sequencer never runs at the same time.
  SeqNo route_seq_;
  uint32_t route_n_ = 0;
  size_t md_unwoken_ = 0;  // market-data items queued since the market-data thread was last woken
  // Some session subscribes to market data (written by the market-data thread).
  std::atomic<bool> md_live_{false};
  // Market-data thread only (after Seed()).
  SpillQueue<MdItem> md_queue_;
  std::vector<InstrumentMd> md_;
  std::vector<Subscription> subs_;
  std::vector<std::atomic<uint8_t>> phases_;  // for SecurityList, read by connection threads
  std::vector<PriceBandView> bands_;
  FIX::SessionSettings settings_;
  std::unique_ptr<FIX::MessageStoreFactory> store_factory_;
  std::unique_ptr<FIX::LogFactory> log_factory_;
  std::unique_ptr<FIX::Acceptor> acceptor_;
  std::thread md_thread_;
  std::thread reaper_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> edge_exec_ids_{0};
  std::atomic<uint64_t> position_reports_{0};
  PositionsSource* positions_ = nullptr;  // set before Start(); null: AN is unsupported
  OrderStatusSource* order_status_ = nullptr;  // set before Start(); null: H from reports only
  std::atomic<uint64_t> cod_ids_{0};
  const int64_t start_ms_ = NowMs();
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

void FixGateway::SeedMarketData(const std::vector<MarketSeed>& seeds) { impl_->Seed(seeds); }
void FixGateway::SetPositionsSource(PositionsSource* source) { impl_->SetPositionsSource(source); }
void FixGateway::SetOrderStatusSource(OrderStatusSource* source) { impl_->SetOrderStatusSource(source); }
absl::Status FixGateway::Start() { return impl_->Start(); }
void FixGateway::Stop() { impl_->Stop(); }
void FixGateway::OnEvents(std::span<const Event> events) { impl_->Enqueue(events); }

}  // namespace dazong::fix_gateway
