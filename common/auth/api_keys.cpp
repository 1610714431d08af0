#include "common/auth/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "common/text/entries.hpp"

namespace analytics::auth {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out.data());
  return out;
}

}  // namespace

ApiKeys ApiKeys::parse(std::string_view entries) {
  ApiKeys keys;
  size_t position = 0;
  for (std::string_view entry : text::list_entries(entries)) {
    if (entry.front() == '#') continue;
    ++position;
    std::string_view key = entry.substr(0, entry.find('@'));
    if (key.size() < 16) {
      throw std::invalid_argument("API key entry " + std::to_string(position) +
                                  " is shorter than 16 characters");
    }
    Key k{sha256(key), {}};
    if (key.size() < entry.size()) {
      std::string_view scopes = entry.substr(key.size() + 1);
      while (!scopes.empty()) {
        size_t bar = scopes.find('|');
        std::string_view scope = text::trim(scopes.substr(0, bar));
        scopes.remove_prefix(bar == std::string_view::npos ? scopes.size() : bar + 1);
        if (scope.empty()) {
          throw std::invalid_argument("API key entry " + std::to_string(position) +
                                      " has an empty scope after '@'");
        }
        k.scopes.emplace_back(scope);
      }
      if (k.scopes.empty()) {
        throw std::invalid_argument("API key entry " + std::to_string(position) +
                                    " names no scope after '@'");
      }
    }
    keys.keys_.push_back(std::move(k));
  }
  return keys;
}

ApiKeys::Verdict ApiKeys::check(std::string_view presented, std::string_view scope) const {
  if (presented.empty()) return Verdict::kMissing;
  Digest digest = sha256(presented);
  const Key* match = nullptr;
  for (const auto& key : keys_) {  // no early exit: every key costs the same
    if (CRYPTO_memcmp(key.digest.data(), digest.data(), digest.size()) == 0) match = &key;
  }
  if (!match) return Verdict::kUnknown;
  if (match->scopes.empty()) return Verdict::kAllowed;
  for (const auto& s : match->scopes) {
    if (s == scope) return Verdict::kAllowed;
  }
  return Verdict::kNotInScope;
}

std::string_view presented_key(std::string_view x_api_key, std::string_view authorization) {
  if (!text::trim(x_api_key).empty()) return text::trim(x_api_key);
  authorization = text::trim(authorization);
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() > kBearer.size()) {
    bool bearer = true;
    for (size_t i = 0; i < kBearer.size(); ++i) {
      bearer = bearer && (authorization[i] | 0x20) == kBearer[i];
    }
    if (bearer) return text::trim(authorization.substr(kBearer.size()));
  }
  return {};
}

}  // namespace analytics::auth
