#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/json_limits.hpp"

namespace analytics::gateway {

/// The deepest nesting an event may have (a JSON body's array of events adds one level): the
/// limit every service applies to client JSON. Our events are three levels deep.
inline constexpr size_t kMaxJsonDepth = http::kDefaultMaxJsonDepth;

/// One event of a request, as received: a view into the request body, which must outlive it.
struct RawRecord {
  size_t index = 0;      // position in the request, 0-based
  size_t line = 0;       // 1-based line for NDJSON, 0 otherwise
  std::string_view raw;  // the record's bytes exactly as sent (surrounding whitespace trimmed)
};

enum class BodyFormat { kJson, kNdjson };

/// Maps a Content-Type header to a format; nullopt means 415.
std::optional<BodyFormat> format_of(std::string_view content_type);

/// Splits a body into records without building any document for them. JSON: one object, or an
/// array of values (each a record); the whole body must be valid JSON no deeper than
/// kMaxJsonDepth. NDJSON: one record per non-blank line; each line is parsed later on its own,
/// so a bad line rejects only that record.
/// Throws errors::ClientError for the body as a whole: 400 `empty_body`, 400 `malformed_json`
/// (with line and column where known), 413 `too_many_events` beyond `max_events`.
std::vector<RawRecord> split_records(std::string_view body, BodyFormat format, size_t max_events);

}  // namespace analytics::gateway
