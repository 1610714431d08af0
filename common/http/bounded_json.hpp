#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "common/http/json_limits.hpp"

namespace analytics::http {

/// Why untrusted JSON was refused: "is not valid JSON: ..." (naming line and column; invalid
/// UTF-8 and numbers beyond double's range included), "nests arrays and objects deeper than
/// N levels" or "repeats the key \"k\" in one object; ...".
class JsonRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses JSON from outside (request bodies, records other producers wrote to Kafka), stopping
/// as soon as arrays and objects nest deeper than `max_depth`: nlohmann's dump(), comparison
/// and destruction recurse once per level, so an unbounded document could overflow the stack.
/// Throws JsonRefused.
nlohmann::json parse_bounded_json(std::string_view text, size_t max_depth = kDefaultMaxJsonDepth);

}  // namespace analytics::http
