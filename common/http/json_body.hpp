#pragma once

#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/errors/errors.hpp"
#include "common/http/json_limits.hpp"

namespace analytics::http {

/// Parses a request body as JSON, stopping as soon as arrays and objects nest deeper than
/// `max_depth`. Throws ApiError(400, "malformed_json") naming the line and column of a syntax
/// error (invalid UTF-8 included), the depth limit, or a number out of double's range.
nlohmann::json parse_json_body(std::string_view body, size_t max_depth = kDefaultMaxJsonDepth);

/// The media type of a Content-Type header value, lower-cased, without parameters or spaces:
/// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type);

/// Throws ApiError(415, "unsupported_media_type") unless `content_type` is application/json
/// (any parameters): what endpoints that take a JSON body ask of a non-empty one.
void require_json_content_type(std::string_view content_type);

namespace detail {

/// `value` as T; another JSON type, or an integer out of T's range, is the client's mistake.
template <typename T>
T field_value(const nlohmann::json& value, const std::string& name, const std::string& code) {
  auto wrong = [&](const std::string& expected) {
    return errors::ClientError(code, "field '" + name + "' must be " + expected + ", got " +
                                         (value.is_number() ? value.dump() : value.type_name()));
  };
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!value.is_number_integer()) throw wrong("an integer");
    bool fits =
        value.is_number_unsigned()
            ? value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
            : value.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                  (std::is_unsigned_v<T> ||
                   value.get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max()));
    if (!fits) throw wrong("an integer in range");
    return value.get<T>();
  } else {
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
      if constexpr (std::is_same_v<T, std::string>) throw wrong("a string");
      if constexpr (std::is_same_v<T, bool>) throw wrong("a boolean");
      throw wrong("a number");
    }
  }
}

}  // namespace detail

/// A request field as T, or `fallback` when absent. A value of another type throws
/// errors::ClientError(`code`) naming the field: the one place request fields become 400s.
template <typename T>
T field_or(const nlohmann::json& body, const std::string& name, T fallback,
           const std::string& code = "invalid_argument") {
  auto it = body.find(name);
  return it == body.end() ? fallback : detail::field_value<T>(*it, name, code);
}

/// A request field as T; absent or of another type throws errors::ClientError(`code`).
template <typename T>
T required_field(const nlohmann::json& body, const std::string& name,
                 const std::string& code = "invalid_argument") {
  auto it = body.find(name);
  if (it == body.end()) throw errors::ClientError(code, "field '" + name + "' is required");
  return detail::field_value<T>(*it, name, code);
}

}  // namespace analytics::http
