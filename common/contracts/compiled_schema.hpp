#pragma once

#include <simdjson.h>

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "common/contracts/field_error.hpp"

namespace analytics::contracts {

/// A JSON Schema (draft-07) compiled once into plain checks over a parsed simdjson value, so
/// validating an event costs no allocation unless it fails and never builds a regular
/// expression (`pattern` is an RE2 compiled at load).
///
/// Supported keywords — every one our contracts use: `type`, `properties`, `required`,
/// `additionalProperties` (boolean or schema), `items` (one schema), `enum` (strings, integers,
/// booleans, null), `minimum`, `maximum`, `minLength`, `maxLength` (in code points), `pattern`,
/// `format: uuid`; annotations (`$schema`, `$id`, `title`, `description`, `$comment`,
/// `default`, `examples`) are ignored. Any other keyword makes compile() throw, so a schema can
/// never be silently half-enforced. Types follow valijson's strict reading (the reference the
/// unit tests compare against): 1.0 is a number, not an integer.
/// Immutable after compile(); validate() is thread-safe.
class CompiledSchema {
 public:
  /// Throws std::invalid_argument naming the unsupported keyword or bad value.
  static CompiledSchema compile(const nlohmann::json& schema);

  /// Appends one FieldError per failed rule to `errors`; true when `value` is valid.
  bool validate(simdjson::dom::element value, std::vector<FieldError>& errors) const;

  struct Node;

 private:
  explicit CompiledSchema(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

}  // namespace analytics::contracts
