// fix-load: a FIX 4.4 load generator. N initiator sessions send NewOrderSingles at a fixed
// total rate (open loop) or with a fixed number of orders in flight (closed loop), and it
// reports throughput and the round-trip time from each NewOrderSingle to its first
// ExecutionReport. The same tool drives dazongd and bench/fix_echo_acceptor.cc, so their
// figures compare within one run (docs/benchmarks.md, "FIX gateway").
//
// usage: fix-load --port P --sessions COMP[:PASSWORD],... [--host 127.0.0.1] [--target DAZONG]
//          (--rate ORDERS_PER_S | --inflight N) [--duration S] [--warmup S]
//          [--symbol RB-HRB400E] [--price 3650.00] [--qty 10000] [--mix alternate|passive|rest-cancel]
//          [--setup "shell command"] [--dictionary XML] [--label TEXT]
//
// --mix alternate: each session alternates buy and sell at --price, so about half the orders
//   trade and the book stays small (the default). passive: buys at --price and sells one
//   tick-ish (1.00) above it, so nothing trades and the book grows. rest-cancel: each session
//   alternates a buy at --price and an OrderCancelRequest (F) for it, so nothing trades, the
//   book stays small and every request is answered by exactly one ExecutionReport (New or
//   Canceled), like the echo's one report per order. Requests of either kind count as orders
//   in the figures (throughput, round trip to the first report).
// --setup: a command run (sh -c) after the sessions log on and before the load starts, e.g. to
//   seed members' cash and receipts through the exchange's HTTP API once the ledger is on; the
//   run stops if it fails.
// A session's password defaults to "demo-" + its CompID (the demo configuration's convention).
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dazong/quickfix.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kRing = 1 << 20;       // orders per session tracked at once
constexpr int64_t kRateModeMaxInFlight = 2000;  // open loop, but never an unbounded flood

int64_t NowNs() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

// Sleeps until NowNs() >= `due` (steady_clock is CLOCK_MONOTONIC).
void SleepUntilNs(int64_t due) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(due / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(due % 1'000'000'000);
  while (NowNs() < due && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string target = "DAZONG";
  std::vector<std::pair<std::string, std::string>> sessions;
  double rate = 0;
  int inflight = 0;
  double duration = 10;
  double warmup = 2;
  std::string symbol = "RB-HRB400E";
  std::string price = "3650.00";
  std::string passive_sell_price = "3651.00";
  std::string qty = "10000";
  std::string mix = "alternate";
  std::string setup;
  std::string dictionary;
  std::string label = "run";
};

struct Session {
  FIX::SessionID id;
  std::string comp;
  std::string password;
  std::vector<int64_t> sent_ns = std::vector<int64_t>(kRing);
  std::vector<uint8_t> answered = std::vector<uint8_t>(kRing);
  std::atomic<uint64_t> next{0};
  std::atomic<int64_t> in_flight{0};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> rtts;  // initiator thread only
  uint64_t answered_in_window = 0;
  uint64_t rejected = 0;
};

class Load final : public FIX::Application {
 public:
  explicit Load(Options options) : options_(std::move(options)) {
    for (size_t i = 0; i < options_.sessions.size(); ++i) {
      auto s = std::make_unique<Session>();
      s->comp = options_.sessions[i].first;
      s->password = options_.sessions[i].second;
      s->id = FIX::SessionID(FIX::BeginString_FIX44, s->comp, options_.target);
      s->rtts.reserve(1 << 20);
      sessions_.push_back(std::move(s));
    }
  }

  std::vector<std::unique_ptr<Session>>& sessions() { return sessions_; }
  std::atomic<int> logged_on{0};
  std::atomic<int64_t> window_start{0};
  std::atomic<int64_t> window_end{0};

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logged_on.fetch_add(1); }
  void onLogout(const FIX::SessionID&) override { logged_on.fetch_sub(1); }
  void toAdmin(FIX::Message& msg, const FIX::SessionID& id) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) == FIX::MsgType_Logon) {
      msg.setField(FIX::Password(Find(id)->password));
      msg.setField(FIX::ResetSeqNumFlag(true));
    }
  }
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message& msg, const FIX::SessionID&) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) == FIX::MsgType_Logout && msg.isSetField(FIX::FIELD::Text)) {
      std::fprintf(stderr, "logout: %s\n", msg.getField(FIX::FIELD::Text).c_str());
    }
  }
  void fromApp(const FIX::Message& msg, const FIX::SessionID& id) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) != FIX::MsgType_ExecutionReport) return;
    const int64_t now = NowNs();
    Session* s = Find(id);
    const std::string cl = msg.getField(FIX::FIELD::ClOrdID);
    const size_t dash = cl.rfind('-');
    if (dash == std::string::npos) return;
    const uint64_t n = std::strtoull(cl.c_str() + dash + 1, nullptr, 10);
    const size_t slot = n % kRing;
    if (s->answered[slot]) return;  // only the first report counts
    s->answered[slot] = 1;
    if (msg.getField(FIX::FIELD::ExecType) == "8") ++s->rejected;
    const int64_t sent = s->sent_ns[slot];
    if (sent >= window_start.load(std::memory_order_relaxed) && now <= window_end.load(std::memory_order_relaxed)) {
      s->rtts.push_back(now - sent);
      ++s->answered_in_window;
    }
    s->in_flight.fetch_sub(1);
    s->cv.notify_one();
  }

  void SendOne(Session& s, uint64_t n) {
    const std::string prefix = s.comp + "-" + std::to_string(start_id_) + "-";
    const size_t slot = n % kRing;
    s.answered[slot] = 0;
    if (options_.mix == "rest-cancel" && n % 2 == 1) {
      // Cancels the order this session sent just before (same session, so it is sequenced
      // after it even if its acknowledgement has not arrived yet).
      FIX44::OrderCancelRequest cancel;
      cancel.setField(FIX::OrigClOrdID(prefix + std::to_string(n - 1)));
      cancel.setField(FIX::ClOrdID(prefix + std::to_string(n)));
      cancel.setField(FIX::Symbol(options_.symbol));
      cancel.setField(FIX::Side(FIX::Side_BUY));
      cancel.setField(FIX::TransactTime());
      cancel.setField(FIX::FIELD::OrderQty, options_.qty);
      s.sent_ns[slot] = NowNs();
      s.in_flight.fetch_add(1);
      FIX::Session::sendToTarget(cancel, s.id);
      return;
    }
    FIX44::NewOrderSingle order;
    order.setField(FIX::ClOrdID(prefix + std::to_string(n)));
    order.setField(FIX::Symbol(options_.symbol));
    const bool buy = options_.mix == "rest-cancel" || (n % 2) == 0;
    order.setField(FIX::Side(buy ? FIX::Side_BUY : FIX::Side_SELL));
    order.setField(FIX::TransactTime());
    order.setField(FIX::OrdType(FIX::OrdType_LIMIT));
    order.setField(FIX::FIELD::OrderQty, options_.qty);
    order.setField(FIX::FIELD::Price, options_.mix == "passive" && !buy ? options_.passive_sell_price : options_.price);
    order.setField(FIX::TimeInForce(FIX::TimeInForce_DAY));
    s.sent_ns[slot] = NowNs();
    s.in_flight.fetch_add(1);
    FIX::Session::sendToTarget(order, s.id);
  }

  const Options& options() const { return options_; }

 private:
  Session* Find(const FIX::SessionID& id) {
    for (auto& s : sessions_) {
      if (s->id == id) return s.get();
    }
    return sessions_.front().get();
  }

  Options options_;
  std::vector<std::unique_ptr<Session>> sessions_;
  const int64_t start_id_ = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count() % 100000000;
};

int Usage() {
  std::fprintf(stderr, "usage: fix-load --port P --sessions COMP[:PASSWORD],... (--rate R | --inflight N) "
                       "[--duration S] [--warmup S] [--symbol S] [--price P] [--qty Q] [--mix alternate|passive|rest-cancel] "
                       "[--setup CMD] [--dictionary XML] [--target DAZONG] [--host H] [--label TEXT]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--host") o.host = v;
    else if (k == "--port") o.port = v;
    else if (k == "--target") o.target = v;
    else if (k == "--rate") o.rate = std::atof(v.c_str());
    else if (k == "--inflight") o.inflight = std::atoi(v.c_str());
    else if (k == "--duration") o.duration = std::atof(v.c_str());
    else if (k == "--warmup") o.warmup = std::atof(v.c_str());
    else if (k == "--symbol") o.symbol = v;
    else if (k == "--price") o.price = v;
    else if (k == "--passive-sell-price") o.passive_sell_price = v;
    else if (k == "--qty") o.qty = v;
    else if (k == "--mix") o.mix = v;
    else if (k == "--setup") o.setup = v;
    else if (k == "--dictionary") o.dictionary = v;
    else if (k == "--label") o.label = v;
    else if (k == "--sessions") {
      size_t start = 0;
      while (start < v.size()) {
        size_t comma = v.find(',', start);
        std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const size_t colon = item.find(':');
        if (colon == std::string::npos) {
          o.sessions.emplace_back(item, "demo-" + item);
        } else {
          o.sessions.emplace_back(item.substr(0, colon), item.substr(colon + 1));
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      return Usage();
    }
  }
  if (o.port.empty() || o.sessions.empty() || (o.rate <= 0 && o.inflight <= 0)) return Usage();
  if (o.mix != "alternate" && o.mix != "passive" && o.mix != "rest-cancel") return Usage();

  Load load(o);
  FIX::SessionSettings settings;
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "initiator");
  defaults.setString("SocketConnectHost", o.host);
  defaults.setString("SocketConnectPort", o.port);
  defaults.setString("StartTime", "00:00:00");
  defaults.setString("EndTime", "00:00:00");
  defaults.setString("HeartBtInt", "30");
  defaults.setString("ReconnectInterval", "1");
  defaults.setString("SocketNodelay", "Y");
  defaults.setString("SocketSendBufferSize", "1048576");
  defaults.setString("SocketReceiveBufferSize", "1048576");
  defaults.setString("CheckLatency", "N");
  defaults.setString("ResetOnLogon", "Y");
  defaults.setString("UseDataDictionary", o.dictionary.empty() ? "N" : "Y");
  if (!o.dictionary.empty()) defaults.setString("DataDictionary", o.dictionary);
  settings.set(defaults);
  for (auto& s : load.sessions()) settings.set(s->id, FIX::Dictionary());
  FIX::MemoryStoreFactory store;
  FIX::SocketInitiator initiator(load, store, settings);
  initiator.start();
  const auto logon_deadline = Clock::now() + std::chrono::seconds(30);
  while (load.logged_on.load() < static_cast<int>(load.sessions().size()) && Clock::now() < logon_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (load.logged_on.load() < static_cast<int>(load.sessions().size())) {
    std::fprintf(stderr, "fix-load: only %d of %zu sessions logged on\n", load.logged_on.load(), load.sessions().size());
    initiator.stop();
    return 1;
  }
  if (!o.setup.empty()) {
    const int rc = std::system(o.setup.c_str());
    if (rc != 0) {
      std::fprintf(stderr, "fix-load: --setup failed (%d)\n", rc);
      initiator.stop();
      return 1;
    }
  }

  const size_t n_sessions = load.sessions().size();
  const int64_t start = NowNs();
  const int64_t warm_ns = static_cast<int64_t>(o.warmup * 1e9);
  const int64_t run_ns = static_cast<int64_t>(o.duration * 1e9);
  load.window_start.store(start + warm_ns);
  load.window_end.store(start + warm_ns + run_ns);
  const int64_t stop_at = start + warm_ns + run_ns;
  std::atomic<uint64_t> capped{0};
  std::vector<std::thread> senders;
  for (size_t i = 0; i < n_sessions; ++i) {
    senders.emplace_back([&, i] {
      Session& s = *load.sessions()[i];
      if (o.inflight > 0) {
        const int64_t mine = std::max<int64_t>(1, o.inflight / static_cast<int64_t>(n_sessions) +
                                                      (static_cast<int64_t>(i) < o.inflight % static_cast<int64_t>(n_sessions) ? 1 : 0));
        while (NowNs() < stop_at) {
          {
            std::unique_lock lock(s.mu);
            s.cv.wait_for(lock, std::chrono::milliseconds(10), [&] { return s.in_flight.load() < mine; });
          }
          while (s.in_flight.load() < mine && NowNs() < stop_at) load.SendOne(s, s.next.fetch_add(1));
        }
      } else {
        const double per_session = o.rate / static_cast<double>(n_sessions);
        const int64_t interval = static_cast<int64_t>(1e9 / per_session);
        int64_t due = start + static_cast<int64_t>(i) * interval / static_cast<int64_t>(n_sessions);
        // Sleeps to each due time (absolute, 1 ns timer slack) instead of spinning: the tool
        // shares the machine's cores with the system under test, and a spinning sender would
        // take the CPU the server's woken threads need. A late wake-up only delays the send;
        // the round trip is timed from the actual send.
        prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
        while (due < stop_at) {
          SleepUntilNs(due);
          if (s.in_flight.load() < kRateModeMaxInFlight) {
            load.SendOne(s, s.next.fetch_add(1));
          } else {
            capped.fetch_add(1);
          }
          due += interval;
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // late answers
  initiator.stop();

  std::vector<int64_t> all;
  uint64_t sent = 0, answered = 0, rejected = 0;
  for (auto& s : load.sessions()) {
    all.insert(all.end(), s->rtts.begin(), s->rtts.end());
    sent += s->next.load();
    answered += s->answered_in_window;
    rejected += s->rejected;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) -> double {
    if (all.empty()) return 0;
    const size_t at = std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())));
    return static_cast<double>(all[at]) / 1000.0;
  };
  const double throughput = static_cast<double>(answered) / o.duration;
  std::printf("%s: sessions=%zu mode=%s sent=%llu rejected=%llu capped=%llu measured=%zu "
              "throughput=%.0f/s rtt_us p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f\n",
              o.label.c_str(), n_sessions,
              o.inflight > 0 ? ("inflight=" + std::to_string(o.inflight)).c_str()
                             : ("rate=" + std::to_string(static_cast<int>(o.rate))).c_str(),
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(rejected),
              static_cast<unsigned long long>(capped.load()), all.size(), throughput, pct(0.50), pct(0.90),
              pct(0.99), pct(0.999), all.empty() ? 0.0 : static_cast<double>(all.back()) / 1000.0);
  return 0;
}
