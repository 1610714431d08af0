#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace analytics::http {

/// Deepest nesting a client's JSON may have by default: nlohmann's dump(), comparison and copy
/// recurse once per level, so a body nested ~60,000 deep would overflow a thread's stack later.
inline constexpr size_t kDefaultMaxJsonDepth = 64;

/// Parses a request body as JSON, stopping as soon as arrays and objects nest deeper than
/// `max_depth`. Throws ApiError(400, "malformed_json") naming the line and column of a syntax
/// error (invalid UTF-8 included), the depth limit, or a number out of double's range.
nlohmann::json parse_json_body(std::string_view body, size_t max_depth = kDefaultMaxJsonDepth);

}  // namespace analytics::http
