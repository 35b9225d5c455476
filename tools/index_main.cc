// dazong-index: the price-index tool for supervisors and auditors.
//
//   dazong-index latest    --config F --index ID            the `latest` hash
//   dazong-index history   --config F --index ID --from D --to D
//                                                            the value in force for each date
//   dazong-index explain   --config F --index ID --date D    one fixing: inputs, exclusions,
//                                                            and every record of that date
//   dazong-index asof      --config F --index ID --date D --at TIME
//                                                            what was published for D at TIME,
//                                                            before any later correction
//   dazong-index recompute --config F --trades trades.csv [--quotes q.csv] [--busts b.csv]
//                          [--until TIME] [--fixings-only] [--index ID]
//                                                            the same calculation, offline
//   dazong-index export-trades --config F                   journal trades as recompute CSV
//   dazong-index export-quotes --config F                   the book states (best bid and
//                                                            offer) the journal determines,
//                                                            as recompute quotes CSV
//   dazong-index params    --config F --index ID [--date D]  the canonical parameter text
//
// Dates are YYYY-MM-DD (Asia/Shanghai); TIME is ns since the epoch or an ISO time with
// offset. --redis HOST:PORT overrides the config's Redis. Records print one per line as
// tab-separated key=value fields (docs/index-methodology.md lists them).
// Exit codes: 0 success, 1 not found, 2 usage or I/O error.
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dazong/common/config.h"
#include "dazong/exchange/journal_store.h"
#include "dazong/index/calc.h"
#include "dazong/index/engine.h"
#include "dazong/index/journal_inputs.h"
#include "dazong/index/recompute_csv.h"
#include "dazong/index/record_codec.h"
#include "dazong/index/redis_publisher.h"

namespace {

using namespace dazong;
using namespace dazong::index;

constexpr int kNotFound = 1;
constexpr int kUsage = 2;

int Usage() {
  std::fprintf(stderr,
               "usage: dazong-index latest|history|explain|asof|recompute|export-trades|export-quotes|params "
               "--config FILE [options]\n(see the header of tools/index_main.cc)\n");
  return kUsage;
}

struct Args {
  std::string command;
  std::map<std::string, std::string> options;
  bool Has(const std::string& k) const { return options.count(k) != 0; }
  std::string Get(const std::string& k) const {
    auto it = options.find(k);
    return it == options.end() ? "" : it->second;
  }
};

bool ReadText(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void PrintFields(const Fields& f) {
  std::string line;
  for (size_t i = 0; i < f.size(); ++i) {
    if (i > 0) line += '\t';
    line += f[i].first;
    line += '=';
    line += f[i].second;
  }
  std::printf("%s\n", line.c_str());
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class Redis {
 public:
  ~Redis() {
    if (ctx_ != nullptr) redisFree(ctx_);
  }
  bool Connect(const std::string& host, int port) {
    timeval timeout{3, 0};
    ctx_ = redisConnectWithTimeout(host.c_str(), port, timeout);
    if (ctx_ == nullptr || ctx_->err) {
      std::fprintf(stderr, "dazong-index: cannot reach redis at %s:%d: %s\n", host.c_str(), port,
                   ctx_ != nullptr ? ctx_->errstr : "out of memory");
      return false;
    }
    return true;
  }
  Reply Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    return Reply(static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data())));
  }

 private:
  redisContext* ctx_ = nullptr;
};

Fields PairsToFields(const redisReply* r) {
  Fields f;
  for (size_t i = 0; i + 1 < r->elements; i += 2) {
    f.emplace_back(std::string(r->element[i]->str, r->element[i]->len),
                   std::string(r->element[i + 1]->str, r->element[i + 1]->len));
  }
  return f;
}

// Entries of a stream between ids, as (id, fields).
std::vector<std::pair<std::string, Fields>> ReadStream(Redis& redis, const std::string& key,
                                                       const std::string& from,
                                                       const std::string& to) {
  std::vector<std::pair<std::string, Fields>> out;
  Reply r = redis.Command({"XRANGE", key, from, to});
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    out.emplace_back(std::string(e->element[0]->str, e->element[0]->len), PairsToFields(e->element[1]));
  }
  return out;
}

void PrintExplained(const Fields& f) {
  std::printf("index %s  date %s  kind %s  seq %s\n", FieldValue(f, "index").c_str(),
              FieldValue(f, "date").c_str(), FieldValue(f, "kind").c_str(), FieldValue(f, "seq").c_str());
  std::printf("  value %s  status %s  level %s  as of %s\n", FieldValue(f, "value").c_str(),
              FieldValue(f, "status").c_str(), FieldValue(f, "level").c_str(),
              FieldValue(f, "as_of").c_str());
  std::printf("  methodology %s  params %s\n  calc id %s\n", FieldValue(f, "methodology_version").c_str(),
              FieldValue(f, "params_hash").c_str(), FieldValue(f, "calc_id").c_str());
  std::printf("  trades %s  volume %s  range %s..%s  buyers %s  sellers %s  top %s (%s bps)\n",
              FieldValue(f, "trades").c_str(), FieldValue(f, "volume").c_str(),
              FieldValue(f, "price_low").c_str(), FieldValue(f, "price_high").c_str(),
              FieldValue(f, "buyers").c_str(), FieldValue(f, "sellers").c_str(),
              FieldValue(f, "top_member").c_str(), FieldValue(f, "top_share_bps").c_str());
  std::printf("  used     %s\n  excluded %s\n", FieldValue(f, "used").c_str(), FieldValue(f, "excluded").c_str());
  for (const char* k : {"missed", "inputs", "supersedes", "reason", "alerts"}) {
    if (!FieldValue(f, k).empty()) std::printf("  %-8s %s\n", k, FieldValue(f, k).c_str());
  }
}

// A read-only mapping of a whole file (the trades file of a recompute can be gigabytes).
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }
  bool Open(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0) {
      close(fd);
      return false;
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p == MAP_FAILED) {
        close(fd);
        return false;
      }
      data_ = p;
      madvise(p, size_, MADV_SEQUENTIAL);
    }
    close(fd);
    return true;
  }
  std::string_view text() const {
    return data_ == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(data_), size_);
  }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

int RunRecompute(const ExchangeConfig& config, const Args& args) {
  MappedFile trades;
  if (!trades.Open(args.Get("trades"))) {
    std::fprintf(stderr, "dazong-index: cannot read %s\n", args.Get("trades").c_str());
    return kUsage;
  }
  std::vector<RecomputeInput> others;  // quotes and busts
  std::string text;
  for (const char* option : {"quotes", "busts"}) {
    if (!args.Has(option)) continue;
    if (!ReadText(args.Get(option), text)) {
      std::fprintf(stderr, "dazong-index: cannot read %s\n", args.Get(option).c_str());
      return kUsage;
    }
    absl::StatusOr<std::vector<RecomputeInput>> more =
        std::string(option) == "quotes" ? ParseQuotesCsv(text, config) : ParseBustsCsv(text);
    if (!more.ok()) {
      std::fprintf(stderr, "dazong-index: %s: %s\n", args.Get(option).c_str(),
                   more.status().ToString().c_str());
      return kUsage;
    }
    others.insert(others.end(), more->begin(), more->end());
  }
  Timestamp until = 0;
  if (args.Has("until")) {
    absl::StatusOr<Timestamp> t = ParseTime(args.Get("until"));
    if (!t.ok()) return Usage();
    until = *t;
  }
  absl::StatusOr<Methodology> m = Methodology::Build(config);
  if (!m.ok()) {
    std::fprintf(stderr, "dazong-index: %s\n", m.status().ToString().c_str());
    return kUsage;
  }
  EngineOptions options;
  options.intraday_records = !args.Has("fixings-only");
  const bool one_index = args.Has("index");
  const std::string index = args.Get("index");
  // Nothing is printed for a malformed trades file: RecomputeTradesCsv checks the whole file
  // before the first record (with intraday records) or holds the records until the end
  // (--fixings-only).
  absl::Status s = RecomputeTradesCsv(*m, config, trades.text(), std::move(others), until, options,
                                      [&](IndexRecord&& r) {
                                        if (one_index && r.index_id != index) return;
                                        PrintFields(RecordFields(r, *m));
                                      });
  if (!s.ok()) {
    if (s.code() == absl::StatusCode::kInvalidArgument) {  // a line of the trades file
      std::fprintf(stderr, "dazong-index: %s: %s\n", args.Get("trades").c_str(), s.ToString().c_str());
    } else {
      std::fprintf(stderr, "dazong-index: %s\n", s.ToString().c_str());
    }
    return kUsage;
  }
  return 0;
}

int ExportTrades(const ExchangeConfig& config) {
  auto store = exchange::JournalStore::Open(config.data_dir + "/journal",
                                            exchange::JournalStore::Mode::kReadOnly);
  if (!store.ok()) {
    std::fprintf(stderr, "dazong-index: %s\n", store.status().ToString().c_str());
    return kUsage;
  }
  std::printf("trade_id,time,instrument,price,quantity,buyer,seller\n");
  absl::Status s = (*store)->ReadTrades([&](const exchange::TradeRecord& t) {
    IndexTrade trade{t.trade_id.value(), t.time,          t.instrument.value(), t.price.raw(),
                     t.quantity.raw(),   t.buyer.value(), t.seller.value()};
    std::printf("%s\n", TradeCsvLine(trade, config).c_str());
    return absl::OkStatus();
  });
  if (!s.ok()) {
    std::fprintf(stderr, "dazong-index: %s\n", s.ToString().c_str());
    return kUsage;
  }
  return 0;
}

// Replays the journal through the exchange core and prints every best bid/offer change.
int ExportQuotes(const ExchangeConfig& config) {
  auto store = exchange::JournalStore::Open(config.data_dir + "/journal",
                                            exchange::JournalStore::Mode::kReadOnly);
  if (!store.ok()) {
    std::fprintf(stderr, "dazong-index: %s\n", store.status().ToString().c_str());
    return kUsage;
  }
  std::printf("time,instrument,bid,ask\n");
  absl::Status s = ReplayJournal(config, **store, [&](std::span<const Event> events) {
    for (const Event& e : events) {
      if (const auto* b = std::get_if<BboChanged>(&e.body)) {
        std::printf("%s\n", QuoteCsvLine(BboOf(*b, e.time), config).c_str());
      }
    }
  });
  if (!s.ok()) {
    std::fprintf(stderr, "dazong-index: %s\n", s.ToString().c_str());
    return kUsage;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) return Usage();
    a = a.substr(2);
    if (a == "fixings-only") {
      args.options[a] = "1";
    } else if (i + 1 < argc) {
      args.options[a] = argv[++i];
    } else {
      return Usage();
    }
  }
  if (!args.Has("config")) return Usage();
  absl::StatusOr<ExchangeConfig> config = LoadConfigFile(args.Get("config"));
  if (!config.ok()) {
    std::fprintf(stderr, "dazong-index: %s\n", config.status().ToString().c_str());
    return kUsage;
  }
  if (args.command == "recompute") {
    if (!args.Has("trades")) return Usage();
    return RunRecompute(*config, args);
  }
  if (args.command == "export-trades") return ExportTrades(*config);
  if (args.command == "export-quotes") return ExportQuotes(*config);
  if (args.command == "params") {
    absl::StatusOr<Methodology> m = Methodology::Build(*config);
    if (!m.ok() || !args.Has("index")) return Usage();
    LocalDay day = 0;
    if (args.Has("date")) {
      absl::StatusOr<LocalDay> d = ParseDate(args.Get("date"));
      if (!d.ok()) return Usage();
      day = *d;
    }
    for (const std::string& id : m->index_ids()) {
      if (id != args.Get("index")) continue;
      const IndexParameters& p = m->ForDate(id, day);
      std::printf("%ssha256=%s\n", p.canonical.c_str(), p.hash.c_str());
      return 0;
    }
    return kNotFound;
  }

  // Redis readers.
  std::string host = config->redis.host;
  int port = config->redis.port;
  if (args.Has("redis")) {
    const std::string hp = args.Get("redis");
    const size_t colon = hp.rfind(':');
    if (colon == std::string::npos) return Usage();
    host = hp.substr(0, colon);
    port = std::atoi(hp.substr(colon + 1).c_str());
  }
  const std::string prefix = config->redis.key_prefix;
  const std::string index = args.Get("index");
  if (index.empty()) return Usage();
  Redis redis;
  if (!redis.Connect(host, port)) return kUsage;
  const auto key = [&](const std::string& suffix) {
    return RedisIndexPublisher::Key(prefix, index, suffix);
  };
  if (args.command == "latest") {
    Reply r = redis.Command({"HGETALL", key("latest")});
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return kNotFound;
    PrintFields(PairsToFields(r.get()));
    return 0;
  }
  if (args.command == "history") {
    absl::StatusOr<LocalDay> from = ParseDate(args.Get("from"));
    absl::StatusOr<LocalDay> to = ParseDate(args.Get("to"));
    if (!from.ok() || !to.ok() || *to < *from) return Usage();
    std::printf("date\tvalue\tstatus\tlevel\tkind\tmethodology_version\tcalc_id\n");
    for (LocalDay d = *from; d <= *to; ++d) {
      Reply r = redis.Command({"HGETALL", key("fixing:" + FormatDate(d))});
      if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements == 0) continue;
      const Fields f = PairsToFields(r.get());
      std::printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", FormatDate(d).c_str(), FieldValue(f, "value").c_str(),
                  FieldValue(f, "status").c_str(), FieldValue(f, "level").c_str(),
                  FieldValue(f, "kind").c_str(), FieldValue(f, "methodology_version").c_str(),
                  FieldValue(f, "calc_id").c_str());
    }
    return 0;
  }
  if (args.command == "explain" || args.command == "asof") {
    const std::string date = args.Get("date");
    if (!ParseDate(date).ok()) return Usage();
    std::string to = "+";
    if (args.command == "asof") {
      absl::StatusOr<Timestamp> at = ParseTime(args.Get("at"));
      if (!at.ok()) return Usage();
      to = std::to_string(*at / 1'000'000);  // stream ids are Redis publication times in ms
    }
    std::vector<std::pair<std::string, Fields>> all = ReadStream(redis, key("fixings"), "-", "+");
    std::vector<std::pair<std::string, Fields>> records;
    for (auto& e : all) {
      if (FieldValue(e.second, "date") == date) records.push_back(e);
    }
    if (args.command == "explain") {
      if (records.empty()) return kNotFound;
      std::printf("in force (stream id %s):\n", records.back().first.c_str());
      PrintExplained(records.back().second);
      if (records.size() > 1) {
        std::printf("\nhistory of this date (oldest first):\n");
        for (const auto& [id, f] : records) {
          std::printf("  %s  %s  value %s  calc %s%s%s\n", id.c_str(), FieldValue(f, "kind").c_str(),
                      FieldValue(f, "value").c_str(), FieldValue(f, "calc_id").c_str(),
                      FieldValue(f, "reason").empty() ? "" : "  reason ",
                      FieldValue(f, "reason").c_str());
        }
      }
      return 0;
    }
    // asof: the last record for the date published at or before the time.
    const std::pair<std::string, Fields>* found = nullptr;
    size_t later = 0;
    const uint64_t bound = std::stoull(to);
    for (const auto& e : records) {
      const uint64_t ms = std::stoull(e.first.substr(0, e.first.find('-')));
      if (ms <= bound) {
        found = &e;
      } else {
        ++later;
      }
    }
    if (found == nullptr) {
      std::fprintf(stderr, "nothing was published for %s by then\n", date.c_str());
      return kNotFound;
    }
    std::printf("stream_id=%s\t", found->first.c_str());
    PrintFields(found->second);
    if (later > 0) std::fprintf(stderr, "note: %zu later record(s) supersede it\n", later);
    return 0;
  }
  return Usage();
}
