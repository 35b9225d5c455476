// Ledger commands: plain values the HTTP API / CLI build and the sequencer numbers, stamps,
// journals and applies with Ledger::Apply. Each carries the authenticated acting principal
// (set by the API from the bearer token, never from the request body).
//
// Role table (checked first, before any other rule):
//   ReportStock, RegisterReceipt, ConfirmLoadOut, CorrectReceipt ... warehouse
//   TransferReceipt, SplitReceipt, MergeReceipts, RequestLoadOut .... holder (member or bank)
//   RequestPledge ..................................................... holder (member)
//   AcceptPledge ...................................................... bank
//   DeclinePledge ..................................................... holder (member) or bank
//   ReleasePledge, EnforcePledge ..................................... bank (the pledgee)
//   FreezeReceipt, UnfreezeReceipt, ExpireReceipts ................... exchange
//   Deposit, Withdraw .................................................. bank (settlement bank)
// Supervisors are read-only: every command from a supervisor is refused with kWrongRole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dazong/warehouse_receipts/types.h"

namespace dazong::receipts {

// The warehouse reports its inspected stock of (commodity, grade), an absolute quantity.
struct ReportStock {
  Principal actor;
  std::string commodity;
  std::string grade;
  Quantity quantity;
};

// The warehouse issues a receipt numbered `serial` from its range to `holder` (a member code).
struct RegisterReceipt {
  Principal actor;
  uint64_t serial = 0;
  std::string holder;
  ReceiptElements elements;
};

struct TransferReceipt {
  Principal actor;
  ReceiptId receipt;
  Principal to;  // a member or a bank
};

// Splits into children of the given quantities (at least two, each positive, summing to the
// receipt's quantity). The parent is retired.
struct SplitReceipt {
  Principal actor;
  ReceiptId receipt;
  std::vector<Quantity> quantities;
};

// Merges two or more receipts of one warehouse, commodity, grade, brand, packaging, unit and
// holder into one. The inputs are retired.
struct MergeReceipts {
  Principal actor;
  std::vector<ReceiptId> receipts;
};

struct RequestPledge {
  Principal actor;
  ReceiptId receipt;
  std::string bank;
};
struct AcceptPledge {
  Principal actor;
  ReceiptId receipt;
};
// Withdraws (holder) or declines (requested bank) a pending pledge request.
struct DeclinePledge {
  Principal actor;
  ReceiptId receipt;
};
struct ReleasePledge {
  Principal actor;
  ReceiptId receipt;
};
// The pledgee takes the receipt: it becomes the holder, the pledge ends.
struct EnforcePledge {
  Principal actor;
  ReceiptId receipt;
  std::string reason;
};

// The exchange freezes a receipt for delivery (or a dispute / court order).
struct FreezeReceipt {
  Principal actor;
  ReceiptId receipt;
  std::string reference;
  std::string reason;
};
struct UnfreezeReceipt {
  Principal actor;
  ReceiptId receipt;
  std::string reason;
};

struct RequestLoadOut {
  Principal actor;
  ReceiptId receipt;
};
// The issuing warehouse confirms the goods left: the receipt is cancelled and the warehouse's
// inspected stock falls by its quantity.
struct ConfirmLoadOut {
  Principal actor;
  ReceiptId receipt;
};

// Correction by cancel-and-reissue: the receipt is voided and a new one numbered `new_serial`
// with the corrected elements goes to the same holder. `reason` is required.
struct CorrectReceipt {
  Principal actor;
  ReceiptId receipt;
  uint64_t new_serial = 0;
  ReceiptElements elements;
  std::string reason;
};

// The exchange marks every live, unencumbered receipt whose expiry is at or before the
// command's time stamp as expired.
struct ExpireReceipts {
  Principal actor;
};

struct Deposit {
  Principal actor;
  std::string member;
  Money amount;
  std::string reference;  // the bank's transfer reference
};
struct Withdraw {
  Principal actor;
  std::string member;
  Money amount;
  std::string reference;
};

using LedgerCommand =
    std::variant<ReportStock, RegisterReceipt, TransferReceipt, SplitReceipt, MergeReceipts,
                 RequestPledge, AcceptPledge, DeclinePledge, ReleasePledge, EnforcePledge,
                 FreezeReceipt, UnfreezeReceipt, RequestLoadOut, ConfirmLoadOut, CorrectReceipt,
                 ExpireReceipts, Deposit, Withdraw>;

// "ReportStock", "RegisterReceipt", ...
std::string_view CommandName(const LedgerCommand& cmd);
const Principal& CommandActor(const LedgerCommand& cmd);

}  // namespace dazong::receipts
