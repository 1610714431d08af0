#pragma once

#include <string>
#include <string_view>

namespace analytics::transformer {

/// Protects personal data before it reaches silver. Identifiers become keyed HMAC-SHA-256
/// digests: deterministic (the same e-mail always gives the same digest, so joins and
/// distinct counts still work) but not reversible by hashing a dictionary without the key.
/// Thread-safe after construction.
class PiiProtector {
 public:
  /// Throws std::invalid_argument when `key` is shorter than 16 bytes. `key_version` is stored
  /// beside every digest (PII_HMAC_KEY_VERSION), so rows hashed under different keys can be
  /// told apart after a rotation (docs/warehouse.md).
  explicit PiiProtector(std::string key, int key_version = 1);

  int key_version() const { return key_version_; }

  /// Lower-case hex HMAC-SHA-256 of `value`.
  std::string hmac_hex(std::string_view value) const;

  /// "Sarah Connor" -> "S***"; the first character is kept whole even when it is multi-byte
  /// UTF-8. Empty input gives empty output.
  static std::string mask_name(std::string_view name);

 private:
  std::string key_;
  int key_version_;
};

}  // namespace analytics::transformer
