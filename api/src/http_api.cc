#include "dazong/api/http_api.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dazong/api/json_codec.h"
#include "dazong/common/credentials.h"
#include "dazong/warehouse_receipts/codec.h"
#include "dazong/warehouse_receipts/disclosure.h"
#include "dazong/warehouse_receipts/history.h"
#include "spdlog/spdlog.h"

namespace dazong::api {

using nlohmann::json;
namespace r = receipts;

namespace {

enum class Role : uint8_t { kMember, kWarehouse, kBank, kSupervisor, kOperator };

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kMember: return "member";
    case Role::kWarehouse: return "warehouse";
    case Role::kBank: return "bank";
    case Role::kSupervisor: return "supervisor";
    case Role::kOperator: return "operator";
  }
  return "?";
}

struct Caller {
  Role role = Role::kMember;
  r::Principal principal;  // the ledger's actor; operators act as the exchange
};

// A handler's answer: HTTP status and JSON body.
struct Reply {
  int status = 200;
  json body;
};

Reply Error(int status, std::string_view code, std::string message) {
  return Reply{status, json{{"code", std::string(code)}, {"message", std::move(message)}}};
}

// A pending request: filled on the sequencer thread, awaited on an HTTP thread.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Reply reply;
  std::function<Reply()> query;                 // for QueryCommand
  std::vector<r::LedgerEvent> events;           // for ledger commands
  SeqNo seq;

  void Finish(Reply r) {
    {
      std::lock_guard<std::mutex> lock(mu);
      reply = std::move(r);
      done = true;
    }
    cv.notify_all();
  }
};

// Reads an optional integer field; nullopt with `error` set when present but not an integer.
bool GetInt(const json& body, const char* key, int64_t* out, std::string* error, bool required) {
  auto it = body.find(key);
  if (it == body.end()) {
    if (required) *error = std::string(key) + " is required";
    return !required;
  }
  if (!it->is_number_integer()) {
    *error = std::string(key) + " must be an integer";
    return false;
  }
  *out = it->get<int64_t>();
  return true;
}

bool GetString(const json& body, const char* key, std::string* out, std::string* error,
               bool required) {
  auto it = body.find(key);
  if (it == body.end()) {
    if (required) *error = std::string(key) + " is required";
    return !required;
  }
  if (!it->is_string()) {
    *error = std::string(key) + " must be a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

}  // namespace

class ApiServer::Impl {
 public:
  Impl(const ExchangeConfig& config, CommandQueue& commands, const r::Ledger& ledger,
       const exchange::ExchangeCore& core, ApiOptions options)
      : config_(config), commands_(commands), ledger_(ledger), core_(core), options_(options) {
    for (const MemberConfig& m : config.members) {
      principals_.push_back({m.code, m.api_token_hash, Caller{Role::kMember, r::Principal::Member(m.code)}});
    }
    for (const WarehouseConfig& w : config.warehouses) {
      principals_.push_back({w.code, w.api_token_hash, Caller{Role::kWarehouse, r::Principal::Warehouse(w.code)}});
    }
    for (const BankConfig& b : config.banks) {
      principals_.push_back({b.code, b.api_token_hash, Caller{Role::kBank, r::Principal::Bank(b.code)}});
    }
    for (const SupervisorConfig& s : config.supervisors) {
      principals_.push_back({s.code, s.api_token_hash, Caller{Role::kSupervisor, r::Principal::Supervisor(s.code)}});
    }
    for (const OperatorConfig& o : config.operators) {
      principals_.push_back({o.code, o.api_token_hash,
                             Caller{Role::kOperator, r::Principal{r::PrincipalKind::kExchange, o.code}}});
    }
    Routes();
  }

  absl::Status Start() {
    server_.set_payload_max_length(1 << 20);
    server_.set_keep_alive_max_count(1000);
    const size_t threads = options_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // cpp-httplib 0.11 listens with a backlog of 5, so a burst of new connections overflows
    // it and some clients wait seconds for their SYN to be retried. Keep the socket to listen
    // on it again with a real backlog (Linux updates the backlog of a listening socket).
    int listen_fd = -1;
    server_.set_socket_options([&listen_fd](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_fd = sock;
    });
    if (!server_.bind_to_port(config_.http.host.c_str(), config_.http.port)) {
      return absl::UnavailableError("HTTP API: cannot listen on " + config_.http.host + ":" +
                                    std::to_string(config_.http.port));
    }
    if (listen_fd >= 0) ::listen(listen_fd, 1024);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }

  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // ---- the sequencer: results and events on its committer thread (or its own thread for a
  // group committed there), queries on its own thread; it never runs the two at once ----
  void OnLedgerResult(uint64_t ticket, SeqNo seq, std::span<const r::LedgerEvent> events) {
    std::shared_ptr<Waiter> w = Take(ticket);
    if (!w) return;
    w->events.assign(events.begin(), events.end());
    w->seq = seq;
    w->Finish(Reply{});
  }

  void RunQuery(uint64_t ticket) {
    std::shared_ptr<Waiter> w = Take(ticket);
    if (!w) return;
    w->Finish(w->query());
  }

  void OnEvents(std::span<const Event> events) {
    for (const Event& e : events) {
      if (const auto* done = std::get_if<MassCancelDone>(&e.body)) {
        if (!done->member.valid()) mass_cancels_[std::string(done->cl_ord_id.view())] = *done;
      } else if (const auto* rejected = std::get_if<PhaseCommandRejected>(&e.body)) {
        phase_rejects_.push_back({e.seq.value(), *rejected});
        if (phase_rejects_.size() > 256) phase_rejects_.erase(phase_rejects_.begin());
      }
    }
  }

 private:
  struct KnownPrincipal {
    std::string code;
    std::string hash;
    Caller caller;
  };

  std::shared_ptr<Waiter> Take(uint64_t ticket) {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    auto it = waiters_.find(ticket);
    if (it == waiters_.end()) return nullptr;
    std::shared_ptr<Waiter> w = std::move(it->second);
    waiters_.erase(it);
    return w;
  }

  // Queues `body` (with the waiter registered under a fresh ticket) and waits for the answer.
  std::optional<Reply> Submit(const std::function<CommandBody(uint64_t)>& make,
                              const std::shared_ptr<Waiter>& w) {
    const uint64_t ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(waiters_mu_);
      waiters_[ticket] = w;
    }
    if (!commands_.TryPush(make(ticket))) {
      Take(ticket);
      return Error(503, "busy", "the exchange's command queue is full; retry");
    }
    std::unique_lock<std::mutex> lock(w->mu);
    if (!w->cv.wait_for(lock, std::chrono::milliseconds(options_.request_timeout_ms),
                        [&] { return w->done; })) {
      lock.unlock();
      if (Take(ticket) != nullptr) {
        return Error(504, "timeout", "the exchange did not answer in time");
      }
      lock.lock();
      w->cv.wait(lock, [&] { return w->done; });  // it is being answered right now
    }
    return std::nullopt;
  }

  // Runs `fn` on the sequencer thread after everything queued before is committed.
  Reply Query(std::function<Reply()> fn) {
    auto w = std::make_shared<Waiter>();
    w->query = std::move(fn);
    if (auto error = Submit([](uint64_t t) { return CommandBody(QueryCommand{t}); }, w)) return *error;
    return std::move(w->reply);
  }

  // Journals a ledger command and answers once it is durable.
  Reply Ledger(const r::LedgerCommand& cmd) {
    std::string payload;
    r::EncodeLedgerCommand(cmd, payload);
    const std::string principal = r::PrincipalString(r::CommandActor(cmd));
    auto w = std::make_shared<Waiter>();
    if (auto error = Submit(
            [&](uint64_t t) { return CommandBody(LedgerCommandEnvelope{t, principal, payload}); }, w)) {
      return *error;
    }
    if (w->events.size() == 1) {
      if (const auto* rejected = std::get_if<r::Rejected>(&w->events[0].body)) {
        Reply reply = Error(ReasonHttpStatus(rejected->reason), ReasonCode(rejected->reason), rejected->text);
        reply.body["reason"] = r::LedgerReasonCode(rejected->reason);
        reply.body["seq"] = w->seq.value();
        return reply;
      }
    }
    json events = json::array();
    json created = json::array();
    for (const r::LedgerEvent& e : w->events) {
      events.push_back(EventJson(e));
      if (const auto* issued = std::get_if<r::ReceiptIssued>(&e.body)) {
        created.push_back({{"id", issued->receipt.id.value()}, {"number", issued->receipt.number}});
      } else if (const auto* split = std::get_if<r::ReceiptSplit>(&e.body)) {
        for (const r::SplitChild& c : split->children) created.push_back({{"id", c.id.value()}});
      } else if (const auto* merged = std::get_if<r::ReceiptsMerged>(&e.body)) {
        created.push_back({{"id", merged->child.value()}});
      }
    }
    return Reply{200, json{{"seq", w->seq.value()}, {"events", events}, {"receipts", created}}};
  }

  // Journals an exchange command, then reads `after` once it is committed.
  Reply Exchange(CommandBody body, std::function<Reply()> after) {
    if (!commands_.TryPush(std::move(body))) {
      return Error(503, "busy", "the exchange's command queue is full; retry");
    }
    return Query(std::move(after));
  }

  // ---- authentication ----
  std::optional<Caller> Authenticate(const httplib::Request& req) {
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
      return std::nullopt;
    }
    const std::string token = header.substr(kBearer.size());
    const std::string hint = req.get_header_value("X-Dazong-Principal");
    const std::string cache_key = hint + '\n' + token;
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      if (auto it = verified_.find(cache_key); it != verified_.end()) return it->second;
      if (refused_.contains(cache_key)) return std::nullopt;
    }
    std::optional<Caller> found;
    for (const KnownPrincipal& p : principals_) {
      if (!hint.empty() && p.code != hint) continue;
      if (!p.hash.empty() && VerifySecret(p.hash, token)) {
        found = p.caller;
        break;
      }
    }
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (found) {
      verified_[cache_key] = *found;
    } else {
      if (refused_.size() > 4096) refused_.clear();
      refused_.insert({cache_key, true});
    }
    return found;
  }

  // ---- routing ----
  using Handler = std::function<Reply(const Caller&, const httplib::Request&, const json&)>;

  void Route(const char* method, const std::string& pattern, std::vector<Role> roles, Handler h) {
    auto wrapped = [this, roles = std::move(roles), h = std::move(h)](const httplib::Request& req,
                                                                      httplib::Response& res) {
      Reply reply = Handle(req, roles, h);
      res.status = reply.status;
      res.set_content(reply.body.dump(-1, ' ', false, json::error_handler_t::replace),
                      "application/json");
    };
    const std::string path = "/api/v1" + pattern;
    if (std::string_view(method) == "GET") {
      server_.Get(path, wrapped);
    } else {
      server_.Post(path, wrapped);
    }
  }

  Reply Handle(const httplib::Request& req, const std::vector<Role>& roles, const Handler& h) {
    std::optional<Caller> caller = Authenticate(req);
    if (!caller) {
      return Error(401, "unauthenticated", "a valid \"Authorization: Bearer <token>\" header is required");
    }
    bool allowed = false;
    std::string names;
    for (Role role : roles) {
      allowed = allowed || role == caller->role;
      if (!names.empty()) names += ", ";
      names += RoleName(role);
    }
    if (!allowed) {
      return Error(403, "forbidden", std::string(RoleName(caller->role)) + " " +
                                         caller->principal.code + " may not do this (allowed: " +
                                         names + ")");
    }
    json body = json::object();
    if (req.method == "POST" && !req.body.empty()) {
      body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded() || !body.is_object()) {
        return Error(400, "bad_request", "the body must be a JSON object");
      }
    }
    try {
      return h(*caller, req, body);
    } catch (const std::exception& e) {  // nlohmann-json type errors: a malformed request
      return Error(400, "bad_request", e.what());
    }
  }

  static std::optional<r::ReceiptId> ReceiptParam(const httplib::Request& req) {
    if (req.matches.size() < 2) return std::nullopt;
    const std::string text = req.matches[1];
    if (text.empty() || text.size() > 18) return std::nullopt;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    return r::ReceiptId(std::stoull(text));
  }

  // A holder named in a request: "M001", "member:M001", "bank:B001".
  std::optional<r::Principal> HolderParam(const std::string& text) const {
    if (text.rfind("member:", 0) == 0) return r::Principal::Member(text.substr(7));
    if (text.rfind("bank:", 0) == 0) return r::Principal::Bank(text.substr(5));
    for (const BankConfig& b : config_.banks) {
      if (b.code == text) return r::Principal::Bank(text);
    }
    if (text.empty()) return std::nullopt;
    return r::Principal::Member(text);
  }

  std::string MemberCode(MemberId id) const {
    if (id == r::kExchangeFeeAccount) return "EXCHANGE-FEES";
    const MemberConfig* m = config_.FindMember(id);
    return m != nullptr ? m->code : std::to_string(id.value());
  }

  // Wraps a per-receipt ledger command route: /receipts/<id>/<what>.
  template <typename Make>
  Handler ReceiptCommand(Make make) {
    return [this, make](const Caller& c, const httplib::Request& req, const json& body) -> Reply {
      std::optional<r::ReceiptId> id = ReceiptParam(req);
      if (!id) return Error(404, "unknown_receipt", "the receipt id must be a number");
      std::string error;
      std::optional<r::LedgerCommand> cmd = make(c, *id, body, &error);
      if (!cmd) return Error(400, "bad_request", error);
      return Ledger(*cmd);
    };
  }

  void Routes();

  const ExchangeConfig& config_;
  CommandQueue& commands_;
  const r::Ledger& ledger_;
  const exchange::ExchangeCore& core_;
  ApiOptions options_;
  httplib::Server server_;
  std::thread thread_;
  std::vector<KnownPrincipal> principals_;

  std::mutex waiters_mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Waiter>> waiters_;
  std::atomic<uint64_t> next_ticket_{1};
  std::atomic<uint64_t> next_request_{1};

  std::mutex cache_mu_;
  absl::flat_hash_map<std::string, Caller> verified_;
  absl::flat_hash_map<std::string, bool> refused_;

  // Sequencer thread only.
  std::map<std::string, MassCancelDone> mass_cancels_;
  std::vector<std::pair<uint64_t, PhaseCommandRejected>> phase_rejects_;
};

void ApiServer::Impl::Routes() {
  constexpr auto kMember = Role::kMember;
  constexpr auto kWarehouse = Role::kWarehouse;
  constexpr auto kBank = Role::kBank;
  constexpr auto kSupervisor = Role::kSupervisor;
  constexpr auto kOperator = Role::kOperator;
  const std::vector<Role> kAnyone = {kMember, kWarehouse, kBank, kSupervisor, kOperator};
  const std::string kId = "/receipts/(\\d+)";

  Route("GET", "/whoami", kAnyone, [](const Caller& c, const httplib::Request&, const json&) {
    return Reply{200, json{{"role", std::string(RoleName(c.role))}, {"code", c.principal.code}}};
  });

  // ---- warehouses ----
  Route("POST", "/stock", {kWarehouse}, [this](const Caller& c, const httplib::Request&, const json& b) {
    r::ReportStock cmd{c.principal, "", "", Quantity()};
    std::string error;
    int64_t quantity = 0;
    if (!GetString(b, "commodity", &cmd.commodity, &error, true) ||
        !GetString(b, "grade", &cmd.grade, &error, true) ||
        !GetInt(b, "quantity", &quantity, &error, true)) {
      return Error(400, "bad_request", error);
    }
    cmd.quantity = Quantity::FromRaw(quantity);
    return Ledger(cmd);
  });
  Route("POST", "/receipts", {kWarehouse}, [this](const Caller& c, const httplib::Request&, const json& b) {
    r::RegisterReceipt cmd;
    cmd.actor = c.principal;
    std::string error;
    int64_t serial = 0;
    if (!GetInt(b, "serial", &serial, &error, true) || !GetString(b, "holder", &cmd.holder, &error, true)) {
      return Error(400, "bad_request", error);
    }
    if (serial < 0) return Error(422, "number_out_of_range", "serial must not be negative");
    cmd.serial = static_cast<uint64_t>(serial);
    auto it = b.find("elements");
    if (it == b.end()) return Error(400, "bad_request", "elements is required");
    absl::StatusOr<r::ReceiptElements> elements = ParseElements(*it);
    if (!elements.ok()) return Error(400, "bad_request", std::string(elements.status().message()));
    cmd.elements = std::move(*elements);
    return Ledger(cmd);
  });
  Route("POST", kId + "/load-out/confirm", {kWarehouse},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json&, std::string*) {
          return std::optional<r::LedgerCommand>(r::ConfirmLoadOut{c.principal, id});
        }));
  Route("POST", kId + "/correct", {kWarehouse},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          r::CorrectReceipt cmd;
          cmd.actor = c.principal;
          cmd.receipt = id;
          int64_t serial = 0;
          if (!GetInt(b, "new_serial", &serial, error, true) ||
              !GetString(b, "reason", &cmd.reason, error, false)) {
            return std::nullopt;
          }
          cmd.new_serial = static_cast<uint64_t>(std::max<int64_t>(serial, 0));
          auto it = b.find("elements");
          if (it == b.end()) {
            *error = "elements is required";
            return std::nullopt;
          }
          absl::StatusOr<r::ReceiptElements> elements = ParseElements(*it);
          if (!elements.ok()) {
            *error = std::string(elements.status().message());
            return std::nullopt;
          }
          cmd.elements = std::move(*elements);
          return cmd;
        }));

  // ---- holders (members; banks hold enforced receipts) ----
  Route("POST", kId + "/transfer", {kMember, kBank},
        ReceiptCommand([this](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          std::string to;
          if (!GetString(b, "to", &to, error, true)) return std::nullopt;
          std::optional<r::Principal> p = HolderParam(to);
          if (!p) {
            *error = "to must name a member or a bank";
            return std::nullopt;
          }
          return r::TransferReceipt{c.principal, id, *p};
        }));
  Route("POST", kId + "/split", {kMember, kBank},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          auto it = b.find("quantities");
          if (it == b.end() || !it->is_array()) {
            *error = "quantities must be an array of integers";
            return std::nullopt;
          }
          r::SplitReceipt cmd{c.principal, id, {}};
          for (const json& q : *it) {
            if (!q.is_number_integer()) {
              *error = "quantities must be an array of integers";
              return std::nullopt;
            }
            cmd.quantities.push_back(Quantity::FromRaw(q.get<int64_t>()));
          }
          return cmd;
        }));
  Route("POST", "/receipts/merge", {kMember, kBank}, [this](const Caller& c, const httplib::Request&, const json& b) {
    auto it = b.find("receipts");
    if (it == b.end() || !it->is_array()) return Error(400, "bad_request", "receipts must be an array of ids");
    r::MergeReceipts cmd{c.principal, {}};
    for (const json& id : *it) {
      if (!id.is_number_unsigned()) return Error(400, "bad_request", "receipts must be an array of ids");
      cmd.receipts.push_back(r::ReceiptId(id.get<uint64_t>()));
    }
    return Ledger(cmd);
  });
  Route("POST", kId + "/pledge", {kMember},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          std::string bank;
          if (!GetString(b, "bank", &bank, error, true)) return std::nullopt;
          return r::RequestPledge{c.principal, id, bank};
        }));
  Route("POST", kId + "/load-out", {kMember, kBank},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json&, std::string*) {
          return std::optional<r::LedgerCommand>(r::RequestLoadOut{c.principal, id});
        }));

  // ---- banks ----
  Route("POST", kId + "/pledge/accept", {kBank},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json&, std::string*) {
          return std::optional<r::LedgerCommand>(r::AcceptPledge{c.principal, id});
        }));
  Route("POST", kId + "/pledge/decline", {kMember, kBank},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json&, std::string*) {
          return std::optional<r::LedgerCommand>(r::DeclinePledge{c.principal, id});
        }));
  Route("POST", kId + "/pledge/release", {kBank},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json&, std::string*) {
          return std::optional<r::LedgerCommand>(r::ReleasePledge{c.principal, id});
        }));
  Route("POST", kId + "/pledge/enforce", {kBank},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          std::string reason;
          if (!GetString(b, "reason", &reason, error, false)) return std::nullopt;
          return r::EnforcePledge{c.principal, id, reason};
        }));
  auto cash = [this](bool deposit) {
    return [this, deposit](const Caller& c, const httplib::Request&, const json& b) -> Reply {
      std::string member;
      std::string reference;
      int64_t amount = 0;
      std::string error;
      if (!GetString(b, "member", &member, &error, true) || !GetInt(b, "amount", &amount, &error, true) ||
          !GetString(b, "reference", &reference, &error, false)) {
        return Error(400, "bad_request", error);
      }
      if (deposit) return Ledger(r::Deposit{c.principal, member, Money::FromRaw(amount), reference});
      return Ledger(r::Withdraw{c.principal, member, Money::FromRaw(amount), reference});
    };
  };
  Route("POST", "/cash/deposit", {kBank}, cash(true));
  Route("POST", "/cash/withdraw", {kBank}, cash(false));

  // ---- the exchange operator ----
  Route("POST", kId + "/freeze", {kOperator},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          r::FreezeReceipt cmd{c.principal, id, "", ""};
          if (!GetString(b, "reference", &cmd.reference, error, false) ||
              !GetString(b, "reason", &cmd.reason, error, false)) {
            return std::nullopt;
          }
          return cmd;
        }));
  Route("POST", kId + "/unfreeze", {kOperator},
        ReceiptCommand([](const Caller& c, r::ReceiptId id, const json& b, std::string* error)
                           -> std::optional<r::LedgerCommand> {
          r::UnfreezeReceipt cmd{c.principal, id, ""};
          if (!GetString(b, "reason", &cmd.reason, error, false)) return std::nullopt;
          return cmd;
        }));
  Route("POST", "/receipts/expire", {kOperator}, [this](const Caller& c, const httplib::Request&, const json&) {
    return Ledger(r::ExpireReceipts{c.principal});
  });

  auto instruments_json = [this]() {
    json a = json::array();
    for (const InstrumentConfig& i : config_.instruments) {
      a.push_back({{"id", i.id.value()}, {"symbol", i.symbol}, {"phase", PhaseName(core_.book(i.id).phase())}});
    }
    return a;
  };
  Route("GET", "/instruments", kAnyone, [this, instruments_json](const Caller&, const httplib::Request&, const json&) {
    return Query([instruments_json] { return Reply{200, json{{"instruments", instruments_json()}}}; });
  });
  auto phase_route = [this, instruments_json](PhaseCommand::Action action) {
    return [this, action, instruments_json](const Caller&, const httplib::Request& req, const json& b) -> Reply {
      const std::string symbol = req.matches[1];
      PhaseCommand cmd;
      cmd.action = action;
      if (symbol != "ALL") {
        const InstrumentConfig* i = config_.FindInstrument(symbol);
        if (i == nullptr) return Error(404, "unknown_instrument", "no instrument " + symbol);
        cmd.instrument = i->id;
      }
      if (action == PhaseCommand::Action::kSetPhase) {
        std::string phase;
        std::string error;
        if (!GetString(b, "phase", &phase, &error, true)) return Error(400, "bad_request", error);
        bool known = false;
        for (uint8_t p = 0; p <= static_cast<uint8_t>(Phase::kHalted); ++p) {
          if (IsValidPhase(p) && phase == PhaseName(static_cast<Phase>(p))) {
            cmd.phase = static_cast<Phase>(p);
            known = true;
          }
        }
        if (!known) return Error(400, "bad_request", "unknown phase \"" + phase + "\"");
      }
      const uint64_t request = next_request_.fetch_add(1);
      // Rejections are matched by the instrument and arrive at a seq after this point.
      return Exchange(cmd, [this, request, cmd, instruments_json]() -> Reply {
        (void)request;
        json rejected = json::array();
        for (auto it = phase_rejects_.begin(); it != phase_rejects_.end();) {
          if (!cmd.instrument.valid() || it->second.instrument == cmd.instrument) {
            rejected.push_back({{"instrument", it->second.instrument.value()},
                                {"reason", std::string(RejectReasonText(it->second.reason))}});
            it = phase_rejects_.erase(it);
          } else {
            ++it;
          }
        }
        Reply reply{rejected.empty() ? 200 : 409, json{{"instruments", instruments_json()}}};
        if (!rejected.empty()) {
          reply.body["code"] = "phase_rejected";
          reply.body["message"] = "the book refused the phase change";
          reply.body["rejected"] = rejected;
        }
        return reply;
      });
    };
  };
  Route("POST", "/instruments/([A-Z0-9-]+)/phase", {kOperator}, phase_route(PhaseCommand::Action::kSetPhase));
  Route("POST", "/instruments/([A-Z0-9-]+)/halt", {kOperator}, phase_route(PhaseCommand::Action::kHalt));
  Route("POST", "/instruments/([A-Z0-9-]+)/resume", {kOperator}, phase_route(PhaseCommand::Action::kResume));
  Route("POST", "/orders/mass-cancel", {kOperator}, [this](const Caller&, const httplib::Request&, const json& b) {
    MassCancelCommand cmd;
    std::string symbol;
    std::string member;
    std::string side;
    std::string error;
    if (!GetString(b, "instrument", &symbol, &error, false) || !GetString(b, "member", &member, &error, false) ||
        !GetString(b, "side", &side, &error, false)) {
      return Error(400, "bad_request", error);
    }
    if (!symbol.empty()) {
      const InstrumentConfig* i = config_.FindInstrument(symbol);
      if (i == nullptr) return Error(404, "unknown_instrument", "no instrument " + symbol);
      cmd.instrument = i->id;
    }
    if (!member.empty()) {
      const MemberConfig* m = config_.FindMemberByCode(member);
      if (m == nullptr) return Error(404, "unknown_member", "no member " + member);
      cmd.target_member = m->id;
    }
    if (!side.empty()) {
      if (side != "buy" && side != "sell") return Error(400, "bad_request", "side is \"buy\" or \"sell\"");
      cmd.any_side = false;
      cmd.side = side == "buy" ? Side::kBuy : Side::kSell;
    }
    const std::string id = "API-MC-" + std::to_string(next_request_.fetch_add(1));
    cmd.cl_ord_id.Assign(id);
    return Exchange(cmd, [this, id]() -> Reply {
      auto it = mass_cancels_.find(id);
      if (it == mass_cancels_.end()) return Error(500, "internal", "the mass cancel left no result");
      const MassCancelDone done = it->second;
      mass_cancels_.erase(it);
      if (done.reason != RejectReason::kNone) {
        return Error(409, "mass_cancel_rejected", std::string(RejectReasonText(done.reason)));
      }
      return Reply{200, json{{"cancelled", done.cancelled}}};
    });
  });

  // ---- reads (on the sequencer thread) ----
  Route("GET", "/holdings", {kMember, kBank, kSupervisor, kOperator},
        [this](const Caller& c, const httplib::Request& req, const json&) -> Reply {
          r::Principal holder = c.principal;
          if (c.role == Role::kSupervisor || c.role == Role::kOperator) {
            if (!req.has_param("holder")) return Error(400, "bad_request", "holder is required");
            std::optional<r::Principal> p = HolderParam(req.get_param_value("holder"));
            if (!p) return Error(400, "bad_request", "holder must name a member or a bank");
            holder = *p;
          } else if (req.has_param("holder") && HolderParam(req.get_param_value("holder")) != holder) {
            return Error(403, "forbidden", "only your own holdings");
          }
          return Query([this, holder] {
            json a = json::array();
            for (const r::Receipt* x : r::Holdings(ledger_.state(), holder)) a.push_back(ReceiptJson(*x));
            return Reply{200, json{{"holder", PrincipalJson(holder)}, {"receipts", a}}};
          });
        });
  Route("GET", "/cash", {kMember, kBank, kSupervisor, kOperator},
        [this](const Caller& c, const httplib::Request& req, const json&) -> Reply {
          std::string member = req.get_param_value("member");
          if (c.role == Role::kMember) {
            if (!member.empty() && member != c.principal.code) return Error(403, "forbidden", "only your own account");
            member = c.principal.code;
          }
          return Query([this, member]() -> Reply {
            json a = json::array();
            for (const auto& [id, account] : ledger_.state().accounts) {
              const std::string code = MemberCode(id);
              if (!member.empty() && code != member) continue;
              a.push_back(AccountJson(code, account));
            }
            if (!member.empty() && a.empty()) {
              if (config_.FindMemberByCode(member) == nullptr) return Error(404, "unknown_member", "no member " + member);
              a.push_back(AccountJson(member, r::Account{}));
            }
            return Reply{200, json{{"accounts", a}}};
          });
        });
  Route("GET", "/receipts", {kWarehouse, kSupervisor, kOperator},
        [this](const Caller& c, const httplib::Request& req, const json&) -> Reply {
          std::string warehouse = req.get_param_value("warehouse");
          if (c.role == Role::kWarehouse) {
            if (!warehouse.empty() && warehouse != c.principal.code) return Error(403, "forbidden", "only your own receipts");
            warehouse = c.principal.code;
          }
          const bool live_only = req.get_param_value("live") == "1";
          return Query([this, warehouse, live_only] {
            json a = json::array();
            for (const auto& [id, x] : ledger_.state().receipts) {
              if (!warehouse.empty() && x.warehouse_code != warehouse) continue;
              if (live_only && !r::IsLive(x.status)) continue;
              a.push_back(ReceiptJson(x));
            }
            return Reply{200, json{{"receipts", a}}};
          });
        });
  Route("GET", kId, kAnyone, [this](const Caller& c, const httplib::Request& req, const json&) -> Reply {
    std::optional<r::ReceiptId> id = ReceiptParam(req);
    if (!id) return Error(404, "unknown_receipt", "no such receipt");
    return Query([this, c, id]() -> Reply {
      auto it = ledger_.state().receipts.find(*id);
      if (it == ledger_.state().receipts.end()) return Error(404, "unknown_receipt", "no such receipt");
      if (!r::MayReadReceipt(ledger_.config(), ledger_.state(), c.principal, *id)) {
        return Error(403, "forbidden", "only its holder, pledgee, issuer and supervisors may read a receipt");
      }
      return Reply{200, ReceiptJson(it->second)};
    });
  });
  Route("GET", kId + "/history", kAnyone, [this](const Caller& c, const httplib::Request& req, const json&) -> Reply {
    std::optional<r::ReceiptId> id = ReceiptParam(req);
    if (!id) return Error(404, "unknown_receipt", "no such receipt");
    return Query([this, c, id]() -> Reply {
      absl::StatusOr<std::vector<r::HistoryRecord>> h = r::ReceiptHistoryFor(ledger_, c.principal, *id);
      if (absl::IsNotFound(h.status())) return Error(404, "unknown_receipt", "no such receipt");
      if (!h.ok()) return Error(403, "forbidden", std::string(h.status().message()));
      json a = json::array();
      for (const r::HistoryRecord& rec : *h) a.push_back(HistoryRecordJson(rec));
      return Reply{200, json{{"receipt", id->value()}, {"history", a}}};
    });
  });
  Route("GET", "/history", {kSupervisor, kOperator}, [this](const Caller&, const httplib::Request& req, const json&) -> Reply {
    uint64_t from = 0;
    uint64_t limit = 1000;
    try {
      if (req.has_param("from")) from = std::stoull(req.get_param_value("from"));
      if (req.has_param("limit")) limit = std::min<uint64_t>(std::stoull(req.get_param_value("limit")), 10000);
    } catch (const std::exception&) {
      return Error(400, "bad_request", "from and limit are numbers");
    }
    return Query([this, from, limit] {
      json a = json::array();
      const auto& h = ledger_.history();
      absl::Status read = h.ForEach(from, from + limit, [&](const r::HistoryRecord& rec) {
        a.push_back(HistoryRecordJson(rec));
        return absl::OkStatus();
      });
      if (!read.ok()) return Error(500, "internal", std::string(read.message()));
      return Reply{200, json{{"size", h.size()}, {"records", a}}};
    });
  });
  Route("GET", "/disclosure/stock", {kWarehouse, kSupervisor, kOperator},
        [this](const Caller& c, const httplib::Request& req, const json&) -> Reply {
          std::string warehouse = req.get_param_value("warehouse");
          if (c.role == Role::kWarehouse) {
            if (!warehouse.empty() && warehouse != c.principal.code) return Error(403, "forbidden", "only your own stock");
            warehouse = c.principal.code;
          }
          const std::string commodity = req.get_param_value("commodity");
          return Query([this, warehouse, commodity]() -> Reply {
            WarehouseId id;
            if (!warehouse.empty()) {
              const WarehouseConfig* w = ledger_.config().Warehouse(warehouse);
              if (w == nullptr) return Error(404, "unknown_warehouse", "no warehouse " + warehouse);
              id = w->id;
            }
            json a = json::array();
            for (const r::StockDisclosure& d : r::DiscloseStock(ledger_.config(), ledger_.state(), id, commodity)) {
              a.push_back(StockJson(d));
            }
            return Reply{200, json{{"stock", a}}};
          });
        });
  Route("GET", "/verify", {kSupervisor, kOperator}, [this](const Caller&, const httplib::Request& req, const json&) {
    // quick=1: the invariants over the live state and the hash chain only; otherwise also the
    // full rebuild of every receipt and balance from the log (VerifyHistory).
    const bool quick = req.get_param_value("quick") == "1";
    return Query([this, quick] {
      json j{{"history_records", ledger_.history().size()},
             {"history_head", r::HashHex(ledger_.state().meta.history_head)},
             {"settlement_anomalies", ledger_.settlement_anomalies()}};
      absl::Status state = ledger_.Verify();
      r::HistoryReport report;
      if (quick) {
        r::Hash prev{};
        absl::Status read = ledger_.history().ForEach(0, ledger_.history().size(), [&](const r::HistoryRecord& rec) {
          if (rec.prev_hash != prev || r::ComputeRecordHash(prev, rec.index, rec.event) != rec.hash) {
            report.ok = false;
            report.discrepancy = "record " + std::to_string(rec.index) + " breaks the hash chain";
            return absl::CancelledError();
          }
          prev = rec.hash;
          return absl::OkStatus();
        });
        if (!read.ok() && report.ok) {
          report.ok = false;
          report.discrepancy = std::string(read.message());
        }
      } else {
        report = r::VerifyHistory(ledger_.config(), ledger_.history(), &ledger_.state());
      }
      j["mode"] = quick ? "quick" : "full";
      j["invariants"] = state.ok() ? "ok" : std::string(state.message());
      j["history"] = report.ok ? "ok" : report.discrepancy;
      j["ok"] = state.ok() && report.ok && ledger_.settlement_anomalies() == 0;
      return Reply{200, j};
    });
  });
}

ApiServer::ApiServer(const ExchangeConfig& config, CommandQueue& commands, const r::Ledger& ledger,
                     const exchange::ExchangeCore& core, ApiOptions options)
    : impl_(std::make_unique<Impl>(config, commands, ledger, core, options)) {}
ApiServer::~ApiServer() { impl_->Stop(); }
absl::Status ApiServer::Start() { return impl_->Start(); }
void ApiServer::Stop() { impl_->Stop(); }
void ApiServer::OnLedgerResult(uint64_t ticket, SeqNo seq, std::span<const r::LedgerEvent> events) {
  impl_->OnLedgerResult(ticket, seq, events);
}
void ApiServer::RunQuery(uint64_t ticket) { impl_->RunQuery(ticket); }
void ApiServer::OnEvents(std::span<const Event> events) { impl_->OnEvents(events); }

std::unique_ptr<ApiServer> AttachApi(const ExchangeConfig& config, CommandQueue& commands,
                                     const r::Ledger& ledger, const exchange::ExchangeCore& core,
                                     exchange::Sequencer& sequencer) {
  auto server = std::make_unique<ApiServer>(config, commands, ledger, core);
  sequencer.SetHooks(server.get());
  sequencer.AddSink(server.get());
  return server;
}

}  // namespace dazong::api
