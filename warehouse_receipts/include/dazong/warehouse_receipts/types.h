// Value types of the warehouse-receipt ledger: principals, receipts, accounts, stock, the
// ledger's reason codes and the time helpers it needs. Plain values, no I/O.
//
// Everything is integers: quantities in the commodity's base unit (Quantity), money in fen
// (Money), times in nanoseconds since the Unix epoch (Timestamp) as stamped by the sequencer.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dazong/common/clock.h"
#include "dazong/common/fixed_point.h"
#include "dazong/common/ids.h"

namespace dazong::receipts {

// The ledger's own receipt id (never reused, from 1). Distinct from the receipt number,
// which is the human-facing identifier printed on the receipt.
using ReceiptId = Id<struct ReceiptIdTag>;

// A SHA-256 digest.
using Hash = std::array<uint8_t, 32>;
// Lower-case hex of a digest.
std::string HashHex(const Hash& hash);

// Who acts or holds. `code` is the configured code (member code, warehouse code, bank code,
// supervisor code); for the exchange itself the code is informational.
enum class PrincipalKind : uint8_t {
  kMember = 1,
  kWarehouse = 2,
  kBank = 3,
  kSupervisor = 4,
  kExchange = 5,
};
std::string_view PrincipalKindName(PrincipalKind kind);

struct Principal {
  PrincipalKind kind = PrincipalKind::kMember;
  std::string code;

  static Principal Member(std::string_view code) { return {PrincipalKind::kMember, std::string(code)}; }
  static Principal Warehouse(std::string_view code) {
    return {PrincipalKind::kWarehouse, std::string(code)};
  }
  static Principal Bank(std::string_view code) { return {PrincipalKind::kBank, std::string(code)}; }
  static Principal Supervisor(std::string_view code) {
    return {PrincipalKind::kSupervisor, std::string(code)};
  }
  static Principal Exchange() { return {PrincipalKind::kExchange, "EXCHANGE"}; }

  friend bool operator==(const Principal&, const Principal&) = default;
  friend auto operator<=>(const Principal&, const Principal&) = default;
};
// "member:M001", "bank:B001", ...
std::string PrincipalString(const Principal& p);

enum class ReceiptStatus : uint8_t {
  kActive = 1,            // live, may be traded, pledged, split, merged (rules permitting)
  kLoadOutRequested = 2,  // live; the holder asked to take the goods out; awaits the warehouse
  kExpired = 3,           // live (goods still stored) but past expiry: no trade, no pledge
  kRetired = 4,           // split or merged into other receipts
  kCancelled = 5,         // goods loaded out; the warehouse confirmed the cancel
  kVoided = 6,            // cancelled by a correction and reissued under a new number
};
std::string_view ReceiptStatusName(ReceiptStatus status);
// Live receipts represent goods in the warehouse and count against its inspected stock.
constexpr bool IsLive(ReceiptStatus s) {
  return s == ReceiptStatus::kActive || s == ReceiptStatus::kLoadOutRequested ||
         s == ReceiptStatus::kExpired;
}

// How a receipt came to exist.
enum class ReceiptOrigin : uint8_t {
  kRegistered = 1,  // issued by the warehouse against inspected stock
  kSplit = 2,       // a child of a split (or of a partial delivery)
  kMerged = 3,      // the product of a merge
  kReissued = 4,    // issued by a correction (cancel-and-reissue)
};

enum class EncumbranceKind : uint8_t {
  kNone = 0,
  kPledge = 1,             // pledged to `bank`
  kFrozenForSale = 2,      // reserved by one or more open sell orders (see Receipt::holds)
  kFrozenForDelivery = 3,  // frozen by the exchange (delivery, dispute, court order)
};
std::string_view EncumbranceKindName(EncumbranceKind kind);

struct Encumbrance {
  EncumbranceKind kind = EncumbranceKind::kNone;
  std::string bank;       // kPledge: the pledgee bank's code
  std::string reference;  // kFrozenForDelivery: the exchange's reference
  friend bool operator==(const Encumbrance&, const Encumbrance&) = default;
};

// Part of a receipt reserved by an open sell order.
struct SaleHold {
  OrderId order;
  Quantity quantity;
  friend bool operator==(const SaleHold&, const SaleHold&) = default;
};

// A physical lot (mark / lot number) a receipt covers, with the id of the registration that
// introduced it. Split children share their parent's lots; no two live receipts may cover the
// same (warehouse, lot) unless both descend from the same registration of that lot.
struct LotRef {
  std::string lot;
  ReceiptId origin;
  friend bool operator==(const LotRef&, const LotRef&) = default;
};

// The descriptive elements of a receipt (GB/T 30332, Civil Code art. 909, WB/T 1106) that the
// warehouse supplies. Quantity is in whole base units of `unit`.
struct ReceiptElements {
  std::string depositor;             // member code of the depositor
  std::string commodity;             // must be one of the warehouse's commodities
  std::string grade;                 // grade / specification
  std::string brand;
  std::string packaging;
  std::string unit;                  // the base unit, e.g. "kg"
  Quantity quantity;
  std::vector<std::string> lots;     // marks / lot numbers (at least one)
  std::string storage_location;
  std::string inspection_certificate;
  Timestamp expiry = 0;              // shelf life ends at this instant
  std::string storage_fee_terms;
  std::string insurance;
  friend bool operator==(const ReceiptElements&, const ReceiptElements&) = default;
};

struct Receipt {
  ReceiptId id;
  std::string number;        // prefix + zero-padded serial, or "<origin number>.<id>" if derived
  uint64_t serial = 0;       // the number in the warehouse's range (0 for derived receipts)
  WarehouseId warehouse;
  std::string warehouse_code;
  std::string licence;       // the issuing warehouse's licence at issue
  Timestamp issued = 0;      // issue date (inherited by split and merge products)
  ReceiptElements elements;  // elements.lots mirrors lot_refs' lot strings
  std::vector<LotRef> lot_refs;

  ReceiptOrigin origin = ReceiptOrigin::kRegistered;
  ReceiptStatus status = ReceiptStatus::kActive;
  std::string status_reason;  // why it was cancelled / voided / frozen
  Principal holder;           // a member or a bank
  Encumbrance encumbrance;
  std::vector<SaleHold> holds;     // kFrozenForSale only
  std::string pending_pledgee;     // bank asked to accept a pledge ("" if none)
  std::vector<ReceiptId> parents;
  std::vector<ReceiptId> children;
  uint64_t version = 0;            // +1 on every ledger event that touches the receipt
  Hash history_hash{};             // SHA-256 chain over the receipt's history records

  Quantity held_quantity() const;  // sum of holds
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

// A member's cash in fen.
struct Account {
  Money available;
  Money reserved;  // reserved by open buy orders
  friend bool operator==(const Account&, const Account&) = default;
};

// The cash account that receives fees: MemberId 0.
inline constexpr MemberId kExchangeFeeAccount = MemberId();

struct StockKey {
  WarehouseId warehouse;
  std::string commodity;
  std::string grade;
  friend bool operator==(const StockKey&, const StockKey&) = default;
  friend auto operator<=>(const StockKey&, const StockKey&) = default;
};

// The ledger's refusal reasons. Stable codes: never renumber, only append.
enum class LedgerReason : uint16_t {
  kNone = 0,
  kWrongRole = 1,              // this kind of principal may not do this operation
  kUnknownPrincipal = 2,       // no such member / warehouse / bank in the config, or disabled
  kUnknownReceipt = 3,
  kNotHolder = 4,              // the actor does not hold the receipt
  kNotIssuer = 5,              // the warehouse did not issue the receipt
  kNotPledgee = 6,
  kNotLive = 7,                // retired, cancelled or voided
  kNotActive = 8,              // live but expired or awaiting load-out
  kEncumbered = 9,
  kNotEncumbered = 10,         // nothing to release / unfreeze
  kExpired = 11,
  kLicenceInvalid = 12,        // licence expired at the command's time
  kNumberOutOfRange = 13,
  kNumberUsed = 14,
  kDuplicateLot = 15,
  kExceedsStock = 16,          // live receipted quantity would exceed inspected stock
  kStockBelowReceipted = 17,   // a stock report below what is already receipted
  kCommodityNotStored = 18,    // not one of the warehouse's commodities
  kInvalidQuantity = 19,
  kInvalidElement = 20,        // a required element is missing or malformed
  kMergeMismatch = 21,         // merge inputs differ in warehouse/commodity/grade/holder/...
  kAffiliate = 22,             // the warehouse's affiliate may not trade or finance its receipts
  kNoPledgeRequest = 23,
  kInsufficientFunds = 24,
  kReasonRequired = 25,
  kOverflow = 26,
  kNotLoadOutRequested = 27,
  kDuplicateReceipt = 28,      // the same receipt named twice
  kNotSettlementBank = 29,
};
std::string_view LedgerReasonText(LedgerReason reason);
constexpr uint16_t LedgerReasonCode(LedgerReason r) { return static_cast<uint16_t>(r); }
inline constexpr LedgerReason kLastLedgerReason = LedgerReason::kNotSettlementBank;

// Time helpers. Dates in the config are calendar dates in China Standard Time (UTC+8, no DST).
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerDay = 86'400 * kNanosPerSecond;
// The first instant after the calendar day `yyyy_mm_dd` ends in China Standard Time, i.e. a
// licence expiring on that date is valid while time < the returned instant.
absl::StatusOr<Timestamp> EndOfDayCst(std::string_view yyyy_mm_dd);
// The timestamp of 00:00 CST on the given date.
absl::StatusOr<Timestamp> StartOfDayCst(std::string_view yyyy_mm_dd);

}  // namespace dazong::receipts
