// EventSink: where the sequencer delivers events once the commands that caused them are
// durable. Implementations (the FIX gateway, the Redis publisher) must not block: they copy
// what they need into their own queues and return.
#pragma once

#include <span>

#include "dazong/common/commands.h"
#include "dazong/common/events.h"

namespace dazong {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Called on the sequencer thread, in sequence order, once per durable group commit.
  virtual void OnEvents(std::span<const Event> events) = 0;
};

// The queue that gateways and the API push commands into.
template <typename T>
class BoundedMpscQueue;
using CommandQueue = BoundedMpscQueue<CommandBody>;

}  // namespace dazong
