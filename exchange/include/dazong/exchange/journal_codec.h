// The journal's binary record formats. Versioned by a leading byte (format 2: integers as
// LEB128 varints, signed ones zigzag-encoded, times 8 bytes little-endian; format 1, fixed-width
// little-endian integers, is still read), with every field written explicitly (no struct dumps), so a journal written by one build is read back
// byte for byte by another. Decoding never trusts its input: truncated or unknown records are
// DataLoss errors.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dazong/common/commands.h"
#include "dazong/common/events.h"

namespace dazong::exchange {

// A trade as the store keeps it, for queries, audit and index recomputation.
struct TradeRecord {
  TradeId trade_id;
  SeqNo seq;
  Timestamp time = 0;
  InstrumentId instrument;
  Price price;
  Quantity quantity;
  Money notional;
  Side aggressor = Side::kBuy;
  bool auction = false;
  OrderId buy_order;
  MemberId buyer;
  ClOrdId buy_cl_ord_id;
  OrderId sell_order;
  MemberId seller;
  ClOrdId sell_cl_ord_id;
};

TradeRecord MakeTradeRecord(SeqNo seq, const TradeEvent& trade);

void EncodeCommand(const SequencedCommand& cmd, std::string& out);
absl::StatusOr<SequencedCommand> DecodeCommand(std::string_view bytes);

void EncodeTrade(const TradeRecord& trade, std::string& out);
absl::StatusOr<TradeRecord> DecodeTrade(std::string_view bytes);

}  // namespace dazong::exchange
