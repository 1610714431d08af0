#include "pii.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "common/text/encoding.hpp"

namespace analytics::transformer {

PiiProtector::PiiProtector(std::string key, int key_version)
    : key_(std::move(key)), key_version_(key_version) {
  if (key_.size() < 16) {
    throw std::invalid_argument("PII_HMAC_KEY must be at least 16 bytes");
  }
}

std::string PiiProtector::hmac_hex(std::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest, &len);
  return text::hex_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string PiiProtector::mask_name(std::string_view name) {
  size_t start = name.find_first_not_of(" \t");
  if (start == std::string_view::npos) return "";
  unsigned char lead = static_cast<unsigned char>(name[start]);
  size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  return std::string(name.substr(start, len)) + "***";
}

}  // namespace analytics::transformer
