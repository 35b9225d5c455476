// IndexEngine: the deterministic, single-threaded heart of the index service. Trades, book
// states, busts and time arrive in time order; index records come out. The same inputs in the
// same order always give the same records (same values, calc ids and sequence numbers), which
// is what lets `dazong-index recompute` reproduce every published value from the journal.
//
// Time contract (the "watermark"): every input carries a time. Passing time T (any input, or
// OnTime(T)) promises that every trade with time < T has already been passed in. Boundaries
// (interval values, fixings, the local midnight roll-over) are processed as soon as the
// watermark reaches them, in the order (time, grid < fixing < midnight, index order).
//
// Not thread-safe; IndexService runs one on its own thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dazong/index/calc.h"
#include "dazong/index/parameters.h"
#include "dazong/index/record.h"
#include "dazong/index/record_codec.h"

namespace dazong::index {

struct EngineOptions {
  int retain_days = 5;           // days of trades kept for bust corrections
  bool intraday_records = true;  // false: fixings and corrections only (bulk recompute)
  size_t reserve_trades = 0;     // capacity hint per instrument and day (Recompute sets it)
  // Told, on the engine's thread, where an instrument's store for a day was reserved
  // (`bytes` = capacity × bytes per trade; at the first trade and at each local midnight) and
  // how many bytes a stored trade takes: a hint for prefaulting its pages on another thread.
  std::function<void(uint32_t instrument, LocalDay day, void* data, size_t bytes,
                     size_t bytes_per_trade)>
      on_store_reserved;
};

class IndexEngine {
 public:
  // `methodology` must outlive the engine.
  explicit IndexEngine(const Methodology& methodology, EngineOptions options = {});
  ~IndexEngine();

  // Each call appends the records it produced to `out`.
  void OnTrade(const IndexTrade& trade, std::vector<IndexRecord>& out);
  void OnBbo(const Bbo& bbo, std::vector<IndexRecord>& out);
  void OnTime(Timestamp watermark, std::vector<IndexRecord>& out);
  // Busts a trade: it is excluded (BUSTED) from now on, and every published fixing whose
  // input set held it is corrected. NotFound when the trade is not retained.
  absl::Status OnBust(uint64_t trade_id, Timestamp time, const std::string& reason,
                      std::vector<IndexRecord>& out);
  // Recomputes a published fixing of a single index under the parameters now in force for its
  // date (e.g. after a corrected methodology version was added) and publishes a correction.
  absl::Status CorrectFixing(const std::string& index_id, LocalDay day, Timestamp time,
                             const std::string& reason, std::vector<IndexRecord>& out);

  // A checkpoint is made at each local midnight, before any input of the new day. Returns it
  // once (day, state) and forgets it.
  std::optional<std::pair<LocalDay, std::string>> TakeCheckpoint();
  // Restores a checkpoint made at the start of `day`; feed the trades from that midnight on.
  absl::Status LoadState(std::string_view state);

  // Hands the heap buffers of a record the caller is done with back to the engine, which
  // reuses them for the next intraday records (no allocation per record in a recompute).
  void Recycle(IndexRecord& record);

  Timestamp watermark() const { return watermark_; }
  uint64_t late_inputs() const { return late_; }

 private:
  struct InstrumentDay;
  struct InstrumentState;
  struct IndexState;
  struct FixingMemo;

  void Advance(Timestamp t, std::vector<IndexRecord>& out);
  void PrepareDay();
  void ComputeNextBoundary();
  void Start(Timestamp t);
  Timestamp FixingTime(const IndexState& s) const;
  void ProcessGrid(IndexState& s, std::vector<IndexRecord>& out);
  void ProcessFixing(IndexState& s, std::vector<IndexRecord>& out);
  // Computes the fixing of `day` from its trades before the window's end and appends it as a
  // record of `kind` (a fixing, or a correction of one).
  IndexRecord& AppendFixing(const IndexParameters& p, const InstrumentDay* d, LocalDay day,
                            const FixingMemo& memo, RecordKind kind, std::vector<IndexRecord>& out);
  void ProcessComposite(IndexState& s, std::vector<IndexRecord>& out);
  void RollDay();
  void AnnounceStore(InstrumentState& inst);
  void Evict(IndexState& s, Timestamp keep_from, bool inclusive);
  void AddToWindow(IndexState& s, size_t pos);
  void RebuildExtremes(IndexState& s);
  void EmitIntraday(IndexState& s, Timestamp as_of, Timestamp from, Timestamp to, bool grid,
                    uint64_t trade_id, std::vector<IndexRecord>& out);
  void Identify(IndexState& s, const IndexParameters& p, IndexRecord& r);
  InstrumentDay* FindDay(uint32_t instrument, LocalDay day);
  void CorrectSingle(IndexState& s, LocalDay day, Timestamp time, const std::string& reason,
                     std::vector<IndexRecord>& out);
  void CorrectComposites(uint32_t instrument, LocalDay day, Timestamp time,
                         const std::string& reason, std::vector<IndexRecord>& out);
  std::string SaveState() const;

  const Methodology& methodology_;
  EngineOptions options_;
  bool started_ = false;
  LocalDay day_ = 0;
  Timestamp watermark_ = 0;
  Timestamp next_boundary_ = 0;  // the earliest grid, fixing or midnight still to process
  uint64_t late_ = 0;
  std::vector<IndexState*> order_;
  std::map<std::string, IndexState*> by_id_;
  std::map<uint32_t, InstrumentState*> instruments_;
  std::vector<InstrumentState*> by_instrument_;  // the same, indexed by instrument id
  std::optional<std::pair<LocalDay, std::string>> checkpoint_;
  // String buffers given back by Recycle: calc ids and parameter hashes.
  std::vector<std::string> spare_ids_, spare_hashes_;
  std::vector<IndexTrade> fixing_scratch_;  // a fixing's trades widened from the day's store
  // Set by a Recomputer: intraday records are built in a record kept per index (no record
  // constructed or destroyed per trade) and handed straight to this sink, after the records
  // already in `out` (handed first, in order, and `out` emptied), so the order is the same.
  const std::function<void(IndexRecord&&)>* direct_sink_ = nullptr;
  void FlushDirect(std::vector<IndexRecord>& out);
  friend class Recomputer;
  std::vector<std::unique_ptr<IndexState>> index_storage_;
  std::vector<std::unique_ptr<InstrumentState>> instrument_storage_;
};

// A recompute fed one input at a time, in SortInputs order (the streaming form of Recompute;
// records go to `sink` as soon as they are made, and their buffers are reused).
class Recomputer {
 public:
  Recomputer(const Methodology& methodology, EngineOptions options,
             const std::function<void(IndexRecord&&)>& sink);
  void Trade(const IndexTrade& trade);
  void Quote(const Bbo& bbo);
  absl::Status Bust(uint64_t trade_id, Timestamp time, const std::string& reason);
  absl::Status Input(const RecomputeInput& in);
  // Advances to `until` (0: the local midnight after the last input) and flushes.
  void Finish(Timestamp until);

 private:
  void Flush();

  IndexEngine engine_;
  const std::function<void(IndexRecord&&)>& sink_;
  std::vector<IndexRecord> out_;
  Timestamp last_ = 0;
};

// `dazong-index recompute`: runs `inputs` (in SortInputs order) through a fresh engine, then
// advances it to `until` (0: the local midnight after the last input), appending every record.
absl::Status Recompute(const Methodology& methodology, const std::vector<RecomputeInput>& inputs,
                       Timestamp until, EngineOptions options, std::vector<IndexRecord>& out);
// The same, handing each record to `sink` as soon as it is made (bounded memory).
absl::Status Recompute(const Methodology& methodology, const std::vector<RecomputeInput>& inputs,
                       Timestamp until, EngineOptions options,
                       const std::function<void(IndexRecord&&)>& sink);

// The calc id of a fixing or correction: SHA-256 (hex) over the parameter hash, the record's
// identity, its result and its input trade ids (docs/index-methodology.md, "Calculation id").
std::string FixingCalcId(const IndexRecord& r);

}  // namespace dazong::index
