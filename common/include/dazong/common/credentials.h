// Password and token hashing with libsodium's argon2id (crypto_pwhash_str). Hashes are
// salted, slow by design and self-describing, so the config stores only the hash string.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dazong {

// Hashes `secret` with argon2id at libsodium's "interactive" cost.
absl::StatusOr<std::string> HashSecret(std::string_view secret);
// True when `secret` matches `hash`. A malformed hash never matches.
bool VerifySecret(std::string_view hash, std::string_view secret);

}  // namespace dazong
