// The journal's binary record formats. Versioned by a leading byte (format 2: integers as
// LEB128 varints, signed ones zigzag-encoded, times 8 bytes little-endian; format 1, fixed-width
// little-endian integers, is still read), with every field written explicitly (no struct dumps), so a journal written by one build is read back
// byte for byte by another. Decoding never trusts its input: truncated or unknown records are
// DataLoss errors.
#pragma once

#include <functional>
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

// A block (format 3): the commands of one group commit in one record, in sequence order: the
// version byte, the number of commands (4 bytes, little-endian), then each command's own
// encoding (format 2) with its length as a varint.
// Appends `cmd` to `block`, starting the block if it is empty; `scratch` is working space.
void AppendCommandToBlock(const SequencedCommand& cmd, std::string& block, std::string& scratch);
// Visits the commands of one journal record, a block or a single command (formats 1 and 2,
// as journals written before blocks hold), in order; stops at the first error.
absl::Status DecodeJournalRecord(std::string_view bytes,
                                 const std::function<absl::Status(const SequencedCommand&)>& visit);

void EncodeTrade(const TradeRecord& trade, std::string& out);
absl::StatusOr<TradeRecord> DecodeTrade(std::string_view bytes);

}  // namespace dazong::exchange
