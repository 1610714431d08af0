#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace analytics::gateway {

/// One event of a request, as received.
struct RawRecord {
  size_t index = 0;                   // position in the request, 0-based
  size_t line = 0;                    // 1-based line for NDJSON, 0 otherwise
  std::string raw;                    // the record's text (an array element is re-serialised)
  std::optional<nlohmann::json> doc;  // parsed value; nullopt when it was not valid JSON
  std::string parse_error;            // why doc is empty
};

/// Thrown when the body as a whole cannot be read (not per-record).
struct BodyError {
  std::string code;     // "malformed_json", "empty_body", "too_many_events"
  std::string message;  // includes line/column where known
};

enum class BodyFormat { kJson, kNdjson };

/// Maps a Content-Type header to a format; nullopt means 415.
std::optional<BodyFormat> format_of(std::string_view content_type);

/// Splits a body into records. JSON: one object, or an array of values (each a record).
/// NDJSON: one record per non-blank line; a line that is not JSON becomes a record with
/// parse_error set, so the rest of the request still goes through.
/// Throws BodyError when the body is empty, unreadable JSON, or holds more than `max_events`.
std::vector<RawRecord> split_records(std::string_view body, BodyFormat format, size_t max_events);

}  // namespace analytics::gateway
