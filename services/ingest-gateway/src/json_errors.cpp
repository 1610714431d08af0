#include "json_errors.hpp"

#include "request_body.hpp"

namespace analytics::gateway {

std::string describe_json_error(simdjson::error_code error) {
  switch (error) {
    case simdjson::DEPTH_ERROR:
      return "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels, the limit";
    case simdjson::UTF8_ERROR:
      return "not valid UTF-8";
    case simdjson::NUMBER_ERROR:
      return "a number is malformed or out of range (beyond a double, or an integer beyond 64 "
             "bits)";
    case simdjson::UNESCAPED_CHARS:
      return "a string holds an unescaped control character";
    case simdjson::STRING_ERROR:
      return "a string is malformed (bad escape or unterminated)";
    case simdjson::EMPTY:
      return "no JSON value";
    default:
      return std::string("not valid JSON (") + simdjson::error_message(error) + ")";
  }
}

}  // namespace analytics::gateway
