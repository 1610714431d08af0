#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace analytics::time {

/// Microseconds since the Unix epoch, UTC.
using UnixMicros = int64_t;

/// Parses a strict ISO-8601 date-time: `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`.
/// No zone means UTC. Rejects anything else, including impossible dates ("2026/13/45",
/// "2026-02-30T00:00:00"), words ("yesterday"), the empty string, and instants outside years
/// 1-9999 in UTC.
std::optional<UnixMicros> parse_iso8601(std::string_view text);

/// `2026-04-18T14:32:01.123456Z`. The formatters cover years 1-9999, the range parse_iso8601
/// accepts.
std::string format_iso8601(UnixMicros t);

/// Appends `2026-04-18T14:32:01Z` (whole seconds, UTC) without a temporary string: used on the
/// generators' hot path.
void append_iso8601_seconds(std::string& out, UnixMicros t);

/// `2026-04-18` (the UTC date).
std::string format_date(UnixMicros t);

/// Current wall-clock time.
UnixMicros now_micros();

}  // namespace analytics::time
