// Sha256: SHA-256 (FIPS 180-4) for the ledger's hash chains. Uses the CPU's SHA extensions
// when it has them (x86-64 SHA-NI, several times faster than portable code on the short
// inputs the ledger hashes) and a portable implementation otherwise; a unit test checks both
// against libsodium.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "dazong/warehouse_receipts/types.h"

namespace dazong::receipts {

// A digest's bytes as a string_view (to hash it as one of Sha256::Of's parts, or write it).
inline std::string_view HashBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  void Update(const Hash& h) { Update(h.data(), h.size()); }
  Hash Final();

  // The digest of the concatenation of `parts`, in one pass: when they total at most
  // kOneShotBytes, they are copied once into a padded stack buffer and compressed in a single
  // call (no per-part buffering); longer inputs go through Update/Final. Same digest either way.
  static constexpr size_t kOneShotBytes = 440;
  static Hash Of(std::initializer_list<std::string_view> parts);

  // True when the SHA extensions are in use (for benchmarks and tests).
  static bool Accelerated();
  // Forces the portable path (tests compare both); affects Sha256 objects made afterwards.
  static void ForcePortableForTesting(bool portable);

 private:
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
  void (*compress_)(uint32_t state[8], const uint8_t* blocks, size_t count);
};

}  // namespace dazong::receipts
