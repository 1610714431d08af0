#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace analytics::auth {

/// Who may call an operator or ingest endpoint: a list of API keys, each for every scope or
/// only some (the gateway's scopes are event types).
///
/// Entries are `KEY` (every scope) or `KEY@scope1|scope2`, separated by commas or newlines;
/// blank lines and lines starting with `#` are ignored (the format of GATEWAY_API_KEYS and of
/// a key file). Keys are kept only as SHA-256 digests and compared in constant time
/// (CRYPTO_memcmp over digests, every key tried), so neither a key's bytes nor its length leak
/// through timing, and no key text is kept to be logged. Immutable after parse(); thread-safe.
class ApiKeys {
 public:
  /// Throws std::invalid_argument for a malformed entry; the message names the entry by its
  /// position, never by its text (which holds a secret).
  static ApiKeys parse(std::string_view entries);

  /// No key configured: the caller runs open (and should say so at start).
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  enum class Verdict { kAllowed, kMissing, kUnknown, kNotInScope };
  /// `presented`: the key a client sent (empty when none).
  Verdict check(std::string_view presented, std::string_view scope) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Key {
    Digest digest;
    std::vector<std::string> scopes;  // empty: every scope
  };
  std::vector<Key> keys_;
};

/// The key a request carries: `X-API-Key: KEY`, else `Authorization: Bearer KEY`; empty when
/// neither. Takes the two header values as sent.
std::string_view presented_key(std::string_view x_api_key, std::string_view authorization);

}  // namespace analytics::auth
