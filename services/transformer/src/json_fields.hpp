#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "common/http/bounded_json.hpp"
#include "common/time/iso8601.hpp"
#include "silver_order.hpp"

namespace analytics::transformer {

// Field access shared by the silver mappers. Records reach the transformer validated by the
// gateway, but the topics may be written by other producers: mappers check again what silver
// depends on.

/// A field silver cannot take (a wrong type, out of the schema's range, or a value PostgreSQL
/// cannot store: text never holds NUL). map_json_object quarantines the record as
/// schema_violation, so one such record cannot wedge the pipeline.
struct FieldViolation {
  std::string field;
  std::string why;
};

std::string trim(std::string_view s);
std::string lower(std::string s);

/// A non-empty string field (trimmed), or nullopt. Throws FieldViolation for a NUL character.
std::optional<std::string> string_field(const nlohmann::json& doc, const char* key);

/// `quantity`: nullopt when absent or null; else an integer in 1..100000 (FieldViolation).
std::optional<int32_t> quantity_field(const nlohmann::json& doc);

/// `price` in cents: nullopt when absent or null; else a number in 0..1,000,000, the schemas'
/// bound, which also keeps revenue inside numeric(14,2) (FieldViolation).
std::optional<int64_t> price_cents_field(const nlohmann::json& doc);

/// The gateway's `received_at`, when present and ISO-8601.
std::optional<time::UnixMicros> received_at_field(const nlohmann::json& doc);

/// A timestamp field as text (a non-string is shown as JSON) and its parse.
struct TimestampField {
  std::string text;
  std::optional<time::UnixMicros> value;
};
TimestampField timestamp_field(const nlohmann::json& doc, const char* key);

Quarantined schema_violation(const std::string& field, const std::string& why);
/// Why an event time is refused, if it is: not ISO-8601 (malformed_timestamp), or outside
/// `rules`' window around `ingested_at` (implausible_timestamp).
std::optional<Quarantined> refuse_event_time(const TimestampField& field,
                                             time::UnixMicros ingested_at,
                                             const EventTimeRules& rules);

/// A refused record made safe to keep outside bronze: wherever it sits (nested objects and
/// arrays too) and however it is spelt (`Email`, `EMAIL`), every field holding personal data
/// of any entity — `email`, `customer_name`, `user_id` — is replaced by what silver stores
/// instead (`email_hmac`, `customer_name_masked`, `user_hmac`, computed as silver computes
/// them, so they join silver), or dropped when it is not a non-blank string. The key version
/// goes beside them as `_pii_key_version`.
void protect_personal_fields(nlohmann::json& doc, const PiiProtector& pii);

/// `doc` as JSON text PostgreSQL's jsonb accepts: invalid UTF-8 replaced, NUL characters
/// (which jsonb cannot hold) shown as U+FFFD.
std::string storable_json(const nlohmann::json& doc);

/// A record parsed as JSON, and the first key it holds twice in one object, if any.
struct ParsedRecord {
  nlohmann::json doc;  // a repeated key keeps its last value here
  /// Dotted path of the key, e.g. "order_id" or "properties.utm_source" (array positions are
  /// not named, as the gateway names them).
  std::optional<std::string> repeated_key;
};

/// Parses a record from Kafka like http::parse_bounded_json (the same depth bound and
/// http::JsonRefused), and says whether an object in it holds a key twice. Readers disagree on
/// which value of a repeated key counts (nlohmann keeps the last, simdjson's lookups find the
/// first), so such a record has no single meaning: the gateway refuses it and silver must too.
/// Costs one parse; a record with a repeated key is read a second time to name it.
ParsedRecord parse_record_json(std::string_view payload);

/// Parses `payload` and maps it with `map(doc)`: what is not a JSON object (or is nested
/// deeper than http::kDefaultMaxJsonDepth) is quarantined malformed_json; a key repeated in
/// one object, or a FieldViolation, schema_violation. A refused object carries its PII-safe
/// form: `redact(doc)` replaces the entity's personal fields first.
template <typename Mapped, typename Map, typename Redact>
Mapped map_json_object(std::string_view payload, Map&& map, Redact&& redact) {
  ParsedRecord parsed;
  try {
    // Bounded like every parse of outside JSON: a record nested 100,000 deep is refused here,
    // before any recursive walk over it could overflow the stack.
    parsed = parse_record_json(payload);
  } catch (const http::JsonRefused& e) {
    return Quarantined{QuarantineReason::kMalformedJson, std::string("payload ") + e.what()};
  }
  nlohmann::json& doc = parsed.doc;
  if (!doc.is_object()) {
    return Quarantined{QuarantineReason::kMalformedJson, "payload is not a JSON object"};
  }
  Mapped mapped = [&]() -> Mapped {
    if (parsed.repeated_key) {
      return schema_violation(*parsed.repeated_key,
                              "appears more than once; a key may appear only once");
    }
    try {
      return map(doc);
    } catch (const FieldViolation& e) {
      return schema_violation(e.field, e.why);
    }
  }();
  if (auto* refused = std::get_if<Quarantined>(&mapped)) {
    redact(doc);
    refused->safe_payload = storable_json(doc);
  }
  return mapped;
}

}  // namespace analytics::transformer
