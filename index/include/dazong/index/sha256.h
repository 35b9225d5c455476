// SHA-256 (libsodium crypto_hash_sha256) with a streaming builder for canonical inputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dazong::index {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Feeds typed values in a fixed binary form (little-endian integers, length-prefixed
// strings), then yields the hex digest.
class Sha256Builder {
 public:
  Sha256Builder();
  Sha256Builder& Add(std::string_view text);  // 8-byte length, then the bytes
  Sha256Builder& Add(int64_t value);
  Sha256Builder& Add(uint64_t value);
  std::string Hex();

 private:
  alignas(16) unsigned char state_[128];
};

}  // namespace dazong::index
