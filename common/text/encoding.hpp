#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace analytics::text {

/// Lower-case hexadecimal, two digits per byte.
std::string hex_encode(std::string_view bytes);

/// The bytes of hexadecimal text (either case), or nullopt when it is not an even number of hex
/// digits.
std::optional<std::string> hex_decode(std::string_view hex);

/// Standard base64 (RFC 4648) with padding.
std::string base64_encode(std::string_view bytes);

/// True when `s` is well-formed UTF-8 (RFC 3629) without NUL: what a PostgreSQL text value
/// holds and what nlohmann::json serialises without throwing.
bool is_storable_utf8(std::string_view s);

}  // namespace analytics::text
