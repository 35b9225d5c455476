// FixClient: a member firm's FIX 4.4 initiator, for the integration tests, the demo CLI and
// load tools. It logs on with Username/Password, sends orders and cancels, and collects every
// application message it receives. No QuickFIX type appears in this header.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dazong::fix_client {

// A received message: its type and its fields as text (tag -> value; repeated tags keep the
// last value).
struct ReceivedMessage {
  std::string msg_type;
  std::map<int, std::string> fields;
  std::string raw;  // SOH replaced by '|'
  std::string Get(int tag) const {
    auto it = fields.find(tag);
    return it == fields.end() ? std::string() : it->second;
  }
  bool Has(int tag) const { return fields.contains(tag); }
};

struct FixClientOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string sender_comp_id;          // the member's CompID
  std::string target_comp_id = "DAZONG";
  std::string username;                // Username(553); empty: not sent
  std::string password;                // Password(554); empty: not sent
  std::string store_dir;               // session store; empty: in memory
  std::string dictionary_path;         // empty: no validation of incoming messages
  int heartbeat_seconds = 30;
  int reconnect_seconds = 1;
};

class FixClient {
 public:
  static absl::StatusOr<std::unique_ptr<FixClient>> Create(const FixClientOptions& options);
  ~FixClient();

  absl::Status Start();
  void Stop();

  bool WaitLoggedOn(std::chrono::milliseconds timeout);
  bool logged_on() const;
  // The Text(58) of the last Logout received, e.g. why a logon was refused.
  std::string last_logout_text() const;

  struct Order {
    std::string cl_ord_id;
    std::string symbol;
    char side = '1';          // '1' buy, '2' sell
    char ord_type = '2';      // '2' limit, '1' market
    std::string price;        // decimal text, for limit orders
    std::string quantity;     // base units
    char time_in_force = '0';
    // Sells only: the receipts to deliver, as (ledger receipt id, base units) pairs, sent as
    // NoReceipts(20010) with ReceiptID(20011) and ReceiptQty(20012). Empty: none named.
    std::vector<std::pair<std::string, std::string>> receipts = {};
  };
  absl::Status SendNewOrder(const Order& order);
  absl::Status SendCancel(const std::string& cl_ord_id, const std::string& orig_cl_ord_id,
                          const std::string& symbol, char side);
  // Sends an arbitrary application message given as tag=value pairs (for hostile-input tests).
  absl::Status SendRaw(const std::string& msg_type, const std::vector<std::pair<int, std::string>>& fields);
  // A repeating group for SendRaw: NumInGroup tag, first (delimiter) tag, and the entries.
  struct RawGroup {
    int count_tag = 0;
    int delimiter = 0;
    std::vector<std::vector<std::pair<int, std::string>>> entries;
  };
  absl::Status SendRaw(const std::string& msg_type, const std::vector<std::pair<int, std::string>>& fields,
                       const std::vector<RawGroup>& groups);

  // Waits for the first received message (since the last Clear, not yet taken) matching
  // `match`, removes it from the inbox and returns it.
  std::optional<ReceivedMessage> WaitFor(const std::function<bool(const ReceivedMessage&)>& match,
                                         std::chrono::milliseconds timeout);
  // Every message received so far (admin messages included), oldest first.
  std::vector<ReceivedMessage> Received() const;

  class Impl;

 private:
  explicit FixClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dazong::fix_client
