// PendingQueries: the reads one client has queued as QueryCommands, each waiting under its
// ticket until the sequencer runs it (QueryRunner::RunQuery(ticket), after the commit of
// everything queued before it). Thread-safe: Submit on the caller's thread, Take on the
// sequencer's.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "dazong/common/event_sink.h"
#include "dazong/common/mpsc_queue.h"

namespace dazong {

template <typename T>
class PendingQueries {
 public:
  // Queues `item` under a fresh ticket as a QueryCommand for `client`. If the command queue is
  // full nothing stays queued and `item` comes back, for the caller to refuse.
  std::optional<T> Submit(T item, CommandQueue& commands, QueryClient client) {
    uint64_t ticket = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket = next_ticket_++;
      pending_.emplace(ticket, std::move(item));
    }
    if (commands.TryPush(QueryCommand{ticket, client})) return std::nullopt;
    return Take(ticket);
  }

  // The item queued under `ticket`, removed; nullopt if there is none.
  std::optional<T> Take(uint64_t ticket) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return std::nullopt;
    std::optional<T> item(std::move(it->second));
    pending_.erase(it);
    return item;
  }

 private:
  std::mutex mu_;
  uint64_t next_ticket_ = 1;
  absl::flat_hash_map<uint64_t, T> pending_;
};

}  // namespace dazong
