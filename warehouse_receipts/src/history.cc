#include "dazong/warehouse_receipts/history.h"

#include "absl/strings/str_cat.h"
#include "dazong/warehouse_receipts/codec.h"

namespace dazong::receipts {
namespace {

// The first field in which two receipts differ, or "".
std::string DiffReceipt(const Receipt& a, const Receipt& b) {
  if (a.number != b.number) return "number";
  if (a.holder != b.holder) {
    return "holder " + PrincipalString(a.holder) + " in the log, " + PrincipalString(b.holder) +
           " in the state";
  }
  if (a.status != b.status) {
    return "status " + std::string(ReceiptStatusName(a.status)) + " in the log, " +
           std::string(ReceiptStatusName(b.status)) + " in the state";
  }
  if (a.elements.quantity != b.elements.quantity) {
    return absl::StrCat("quantity ", a.elements.quantity.raw(), " in the log, ",
                        b.elements.quantity.raw(), " in the state");
  }
  if (a.encumbrance != b.encumbrance) {
    return "encumbrance " + std::string(EncumbranceKindName(a.encumbrance.kind)) + " in the log, " +
           std::string(EncumbranceKindName(b.encumbrance.kind)) + " in the state";
  }
  if (a.holds != b.holds) return "sale holds";
  if (a.elements != b.elements || a.lot_refs != b.lot_refs) return "elements";
  if (a.parents != b.parents || a.children != b.children) return "parent/child links";
  if (a.pending_pledgee != b.pending_pledgee) return "pending pledge";
  if (a.version != b.version) {
    return absl::StrCat("version ", a.version, " in the log, ", b.version, " in the state");
  }
  if (a.history_hash != b.history_hash) return "history hash";
  if (!(a == b)) return "other fields";
  return "";
}

std::string DiffStates(const LedgerState& log, const LedgerState& st) {
  for (const auto& [id, r] : log.receipts) {
    auto it = st.receipts.find(id);
    if (it == st.receipts.end()) return absl::StrCat("receipt ", id.value(), " missing from the state");
    std::string d = DiffReceipt(r, it->second);
    if (!d.empty()) return absl::StrCat("receipt ", id.value(), ": ", d);
  }
  for (const auto& [id, r] : st.receipts) {
    if (!log.receipts.contains(id)) return absl::StrCat("receipt ", id.value(), " not in the log");
  }
  if (log.accounts != st.accounts) {
    for (const auto& [m, a] : log.accounts) {
      auto it = st.accounts.find(m);
      const Account other = it == st.accounts.end() ? Account{} : it->second;
      if (!(a == other)) {
        return absl::StrCat("account ", m.value(), ": available ", a.available.raw(), "/",
                            other.available.raw(), ", reserved ", a.reserved.raw(), "/",
                            other.reserved.raw(), " (log/state)");
      }
    }
    return "accounts in the state that the log never created";
  }
  if (log.stock != st.stock) return "inspected stock";
  if (log.orders != st.orders) return "order reservations";
  if (log.settled_trades != st.settled_trades) return "settled trades";
  if (!(log.meta == st.meta)) return "meta (counters, totals or history head)";
  return "";
}

}  // namespace

HistoryReport VerifyHistory(const ConfigIndex& config, std::span<const HistoryRecord> records,
                            const LedgerState* expected) {
  HistoryReport report;
  Hash prev{};
  uint64_t last_seq = 0;
  Timestamp last_time = 0;
  IncrementalVerifier invariants(config);
  auto fail = [&](uint64_t i, std::string what) {
    report.ok = false;
    report.index = i;
    report.discrepancy = std::move(what);
    return std::move(report);
  };
  for (uint64_t i = 0; i < records.size(); ++i) {
    const HistoryRecord& rec = records[i];
    const std::string where = absl::StrCat("record ", i, " (", std::string(EventName(rec.event.body)),
                                           ", seq ", rec.event.seq.value(), ")");
    if (rec.index != i) return fail(i, absl::StrCat(where, ": index field says ", rec.index));
    if (rec.prev_hash != prev) {
      return fail(i, where + ": does not chain to the previous record (removed or reordered)");
    }
    if (ComputeRecordHash(prev, i, rec.event) != rec.hash) {
      return fail(i, where + ": hash does not match its contents (altered)");
    }
    if (rec.event.seq.value() < last_seq || rec.event.time < last_time) {
      return fail(i, where + ": sequence number or time goes backwards");
    }
    invariants.BeforeEvent(report.rebuilt, rec.event.body);
    absl::Status st = ApplyEvent(config, report.rebuilt, rec);
    if (!st.ok()) return fail(i, where + ": " + std::string(st.message()));
    const bool group_end = i + 1 == records.size() || records[i + 1].event.seq != rec.event.seq;
    if (group_end) {
      st = invariants.CheckCommand(report.rebuilt);
      if (!st.ok()) return fail(i, "after " + where + ": " + std::string(st.message()));
    }
    prev = rec.hash;
    last_seq = rec.event.seq.value();
    last_time = rec.event.time;
    report.records = i + 1;
  }
  if (absl::Status st = VerifyState(config, report.rebuilt); !st.ok()) {
    return fail(records.empty() ? 0 : records.size() - 1, "at the end: " + std::string(st.message()));
  }
  if (expected != nullptr) {
    std::string d = DiffStates(report.rebuilt, *expected);
    if (!d.empty()) {
      report.ok = false;
      report.discrepancy = "end state differs from the log: " + d;
    }
  }
  return report;
}

HistoryReport VerifyHistory(const ConfigIndex& config, const HistoryLog& log,
                            const LedgerState* expected) {
  const std::vector<HistoryRecord> records = log.Decoded();
  return VerifyHistory(config, std::span<const HistoryRecord>(records), expected);
}

}  // namespace dazong::receipts
