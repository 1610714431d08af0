#pragma once

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/contracts/field_error.hpp"

namespace analytics::contracts {

class CompiledSchema;

/// The JSON Schemas in proto/schemas/<event_type>/v<N>.json, compiled once at load.
/// Immutable after load; every method is thread-safe.
class SchemaRegistry {
 public:
  /// Throws std::runtime_error if a schema file is unreadable or not a valid schema.
  static SchemaRegistry load(const std::string& schemas_dir);
  ~SchemaRegistry();
  SchemaRegistry(SchemaRegistry&&) noexcept;
  SchemaRegistry& operator=(SchemaRegistry&&) noexcept;

  std::vector<std::string> event_types() const;
  /// Ascending; empty for an unknown type.
  std::vector<int> versions(const std::string& event_type) const;
  /// The schema document as stored, or nullopt.
  std::optional<std::string> schema_text(const std::string& event_type, int version) const;

  /// The compiled schema, or nullptr for an unknown type/version. The hot path: callers parse
  /// with simdjson and validate the parsed value.
  const CompiledSchema* compiled(const std::string& event_type, int version) const;

  /// Errors of `event` against the schema (through the same compiled schema); empty when
  /// valid. For tests and tools, not the hot path. Throws std::out_of_range for an unknown
  /// type/version.
  std::vector<FieldError> validate(const std::string& event_type, int version,
                                   const nlohmann::json& event) const;

 private:
  struct Entry;
  SchemaRegistry();
  std::map<std::pair<std::string, int>, std::unique_ptr<Entry>> schemas_;
};

}  // namespace analytics::contracts
