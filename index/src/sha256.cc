#include "dazong/index/sha256.h"

#include <sodium.h>

#include <cstring>

namespace dazong::index {
namespace {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "state buffer too small");

crypto_hash_sha256_state* State(unsigned char* buf) {
  return reinterpret_cast<crypto_hash_sha256_state*>(buf);
}

std::string ToHex(const unsigned char* digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(crypto_hash_sha256_BYTES * 2, '0');
  for (size_t i = 0; i < crypto_hash_sha256_BYTES; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

void PutLe(unsigned char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ToHex(digest);
}

Sha256Builder::Sha256Builder() { crypto_hash_sha256_init(State(state_)); }

Sha256Builder& Sha256Builder::Add(std::string_view text) {
  Add(static_cast<uint64_t>(text.size()));
  crypto_hash_sha256_update(State(state_), reinterpret_cast<const unsigned char*>(text.data()),
                            text.size());
  return *this;
}

Sha256Builder& Sha256Builder::Add(int64_t value) { return Add(static_cast<uint64_t>(value)); }

Sha256Builder& Sha256Builder::Add(uint64_t value) {
  unsigned char buf[8];
  PutLe(buf, value);
  crypto_hash_sha256_update(State(state_), buf, sizeof(buf));
  return *this;
}

std::string Sha256Builder::Hex() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(State(state_), digest);
  return ToHex(digest);
}

}  // namespace dazong::index
