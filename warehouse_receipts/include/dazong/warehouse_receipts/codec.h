// Binary record formats of the ledger's persisted state and history, for the sequencer to
// write in the same RocksDB WriteBatch as the journal and to read back at start-up.
//
// Every record is: one format-version byte (kLedgerFormatVersion), one record-type byte, then
// the fields in declaration order: u8 as one byte, wider integers as LEB128 varints (signed
// ones zigzag-encoded: amounts), times as 8 bytes little-endian, strings and vectors as a
// varint length followed by the bytes / elements, digests as 32 raw bytes. Decoding never trusts its input: a wrong version or type byte, a
// truncated or oversized field, an out-of-range enum, or trailing bytes is DataLoss.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dazong/warehouse_receipts/commands.h"
#include "dazong/warehouse_receipts/events.h"
#include "dazong/warehouse_receipts/history_log.h"
#include "dazong/warehouse_receipts/state.h"

namespace dazong::receipts {

// 2: varint integers (see below).
inline constexpr uint8_t kLedgerFormatVersion = 2;
// Events and history records (and blocks of them) carry their own version. 2: reservations
// and settlement in fewer events (OrderOpened carries a buy's cash, HolderChanged(kSettlement)
// releases the sale hold, TradeSettled releases cash and closes finished orders).
// 3: varint integers; a stored history record no longer carries the previous record's hash
// (the block carries the chain head before its first record).
inline constexpr uint8_t kLedgerEventFormatVersion = 3;

struct AccountRecord {
  MemberId member;  // kExchangeFeeAccount (0) for the exchange's fee account
  Account account;
  friend bool operator==(const AccountRecord&, const AccountRecord&) = default;
};

struct StockRecord {
  StockKey key;
  Quantity quantity;
  friend bool operator==(const StockRecord&, const StockRecord&) = default;
};

void EncodeReceipt(const Receipt& receipt, std::string& out);
absl::StatusOr<Receipt> DecodeReceipt(std::string_view bytes);

void EncodeAccount(const AccountRecord& account, std::string& out);
absl::StatusOr<AccountRecord> DecodeAccount(std::string_view bytes);

void EncodeStock(const StockRecord& stock, std::string& out);
absl::StatusOr<StockRecord> DecodeStock(std::string_view bytes);

void EncodeOrder(const OrderReservation& order, std::string& out);
absl::StatusOr<OrderReservation> DecodeOrder(std::string_view bytes);

void EncodeMeta(const LedgerMeta& meta, std::string& out);
absl::StatusOr<LedgerMeta> DecodeMeta(std::string_view bytes);

// A settled trade id (the value of a "trade settled" marker record).
void EncodeSettledTrade(TradeId trade, std::string& out);
absl::StatusOr<TradeId> DecodeSettledTrade(std::string_view bytes);

void EncodeEvent(const LedgerEvent& event, std::string& out);
absl::StatusOr<LedgerEvent> DecodeEvent(std::string_view bytes);

// A history record as stored: header, varint index, the event, then its own 32-byte hash
// (last). The previous record's hash is not stored: it is the chain, so the reader supplies
// it (the previous record's stored hash, or the block's chain head for a block's first).
void EncodeHistoryRecord(const HistoryRecord& record, std::string& out);
absl::StatusOr<HistoryRecord> DecodeHistoryRecord(std::string_view bytes,
                                                  const Hash& prev_hash = Hash{});
// The hash a stored record carries (its last 32 bytes), without decoding it.
Hash HistoryRecordHash(std::string_view encoded);

// Computes record.hash (ComputeRecordHash over its prev_hash, index and event) while appending
// the record's encoding to `out`: one encoding pass for both.
void EncodeHistoryRecordHashed(HistoryRecord& record, std::string& out);

// History records [begin, end) of `log` as one block (one RocksDB value per group commit):
// header, varint index of the first record, the chain head before it (the hash of record
// begin - 1, zero for record 0), varint count, then each record as varint size + bytes.
void EncodeHistoryBlock(const HistoryLog& log, uint64_t begin, uint64_t end, std::string& out);
// The same block from the records' encodings (e.g. views into a HistoryLog taken earlier, so
// that another thread can build the block while the log grows), the first one's index and
// the chain head before it.
void EncodeHistoryBlock(uint64_t begin, const Hash& prev_hash,
                        std::span<const std::string_view> records, std::string& out);
// Visits the encoded records of a block in order; sets `first` to the first one's index and
// `prev_hash` to the chain head before it. Blocks of another format are refused (DataLoss
// naming the format).
absl::Status DecodeHistoryBlock(std::string_view bytes, uint64_t& first, Hash& prev_hash,
                                const std::function<absl::Status(std::string_view)>& visit);

// A ledger command as the sequencer journals it (its seq and time stamp are the journal's).
void EncodeLedgerCommand(const LedgerCommand& command, std::string& out);
absl::StatusOr<LedgerCommand> DecodeLedgerCommand(std::string_view bytes);

// hash = SHA-256(prev_hash || index as 8 bytes little-endian || EncodeEvent(event)).
Hash ComputeRecordHash(const Hash& prev_hash, uint64_t index, const LedgerEvent& event);

}  // namespace dazong::receipts
