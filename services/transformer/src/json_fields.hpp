#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "common/time/iso8601.hpp"
#include "silver_order.hpp"

namespace analytics::transformer {

// Field access shared by the silver mappers. Records reach the transformer validated by the
// gateway, but the topics may be written by other producers: mappers check again what silver
// depends on.

/// A field whose value PostgreSQL cannot store (text never holds NUL). Mappers catch it and
/// quarantine the record, so one such record cannot wedge the pipeline.
struct UnstorableField {
  std::string field;
};

/// The schemas' bound on a price; it also keeps revenue inside numeric(14,2).
constexpr double kMaxPrice = 1000000;

std::string trim(std::string_view s);
std::string lower(std::string s);

/// A non-empty string field (trimmed), or nullopt. Throws UnstorableField for a NUL character.
std::optional<std::string> string_field(const nlohmann::json& doc, const char* key);

/// A timestamp field as text (a non-string is shown as JSON) and its parse.
struct TimestampField {
  std::string text;
  std::optional<time::UnixMicros> value;
};
TimestampField timestamp_field(const nlohmann::json& doc, const char* key);

Quarantined schema_violation(const std::string& field, const std::string& why);
Quarantined malformed_timestamp(const TimestampField& field);

/// Parses `payload` and maps it with `map(doc)`: what is not a JSON object is quarantined
/// malformed_json, a string field holding NUL schema_violation.
template <typename Mapped, typename Map>
Mapped map_json_object(std::string_view payload, Map&& map) {
  auto doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Quarantined{QuarantineReason::kMalformedJson, "payload is not a JSON object"};
  }
  try {
    return map(doc);
  } catch (const UnstorableField& e) {
    return schema_violation(e.field, "contains a NUL character");
  }
}

}  // namespace analytics::transformer
