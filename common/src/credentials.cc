#include "dazong/common/credentials.h"

#include <sodium.h>

#include <string>

namespace dazong {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// sodium_init() is thread-safe and idempotent; the static makes it run once per process.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

absl::StatusOr<std::string> HashSecret(std::string_view secret) {
  if (secret.empty()) return absl::InvalidArgumentError("the secret must not be empty");
  if (secret.size() > crypto_pwhash_PASSWD_MAX) {
    return absl::InvalidArgumentError("the secret is too long");
  }
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifySecret(std::string_view hash, std::string_view secret) {
  // libsodium wants a NUL-terminated string that fits crypto_pwhash_STRBYTES.
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (hash.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) return false;
  if (hash.find('\0') != std::string_view::npos) return false;
  if (!SodiumReady()) return false;
  char terminated[crypto_pwhash_STRBYTES] = {};
  hash.copy(terminated, hash.size());
  static const char kEmpty[1] = {'\0'};
  const char* data = secret.empty() ? kEmpty : secret.data();
  return crypto_pwhash_str_verify(terminated, data, secret.size()) == 0;
}

}  // namespace dazong
