#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/contracts/schema_registry.hpp"

namespace analytics::contracts {
class CompiledSchema;
}

namespace analytics::gateway {

/// What one received record becomes.
struct CheckedRecord {
  /// Empty when accepted; else schema_violation | malformed_json | not_an_object | too_large.
  std::string reason;
  std::vector<contracts::FieldError> errors;
  int version = 0;      // the schema version the record was checked against
  std::string payload;  // accepted: the Kafka value, the record's own bytes plus received_at
  std::string key;      // accepted: the Kafka key, the key field's value as text

  bool accepted() const { return reason.empty(); }
};

/// Checks the records of one event type: parses each with simdjson (depth-bounded, strict
/// UTF-8 and numbers), rejects repeated keys (readers disagree on which one counts), validates
/// against the record's schema version — its own `schema_version`, else the request's — and
/// builds the Kafka payload by splicing `received_at` into the bytes as sent. Nothing is
/// serialised from a document unless the client sent its own received_at.
/// Immutable; check() is thread-safe (a parser per thread).
class RecordChecker {
 public:
  /// `max_event_bytes`: an accepted payload larger than this is rejected as too_large.
  RecordChecker(const contracts::SchemaRegistry& schemas, std::string event_type,
                std::string key_field, size_t max_event_bytes);

  /// `received_at`: the ISO-8601 time to stamp. `line`: 1-based NDJSON line (0: none), named
  /// in parse errors. Overwrites every field of `out`.
  void check(std::string_view raw, size_t line, int default_version, std::string_view received_at,
             CheckedRecord& out) const;

 private:
  std::string event_type_;
  std::string key_field_;
  size_t max_event_bytes_;
  std::map<int, const contracts::CompiledSchema*> schemas_;
  std::string versions_text_;  // "1, 2" for messages
};

}  // namespace analytics::gateway
