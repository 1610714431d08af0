#include "event_record.hpp"

#include <simdjson.h>

#include <algorithm>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/contracts/compiled_schema.hpp"
#include "json_errors.hpp"
#include "request_body.hpp"

namespace analytics::gateway {
namespace {

/// Records up to this size are parsed by the thread's own parser, whose buffers are reused;
/// a larger one gets a parser of its own, so no thread keeps a huge buffer after one big event.
constexpr size_t kThreadParserBytes = 64 * 1024;

simdjson::dom::parser new_parser(size_t capacity) {
  simdjson::dom::parser parser;
  if (parser.allocate(capacity, kMaxJsonDepth)) throw std::bad_alloc();
  return parser;
}

/// A 6-bit digest of a key: keys with different digests differ, so only keys whose digests
/// collide are compared byte for byte.
unsigned digest(std::string_view key) {
  if (key.empty()) return 0;
  return (key.size() * 7 + static_cast<unsigned char>(key.back()) +
          static_cast<unsigned char>(key[key.size() / 2])) &
         63;
}

std::optional<std::string> repeated_key(simdjson::dom::object object);

/// A key of `object` that appears twice in it (not below it).
std::optional<std::string_view> repeated_key_here(simdjson::dom::object object) {
  constexpr size_t kInline = 32;
  if (object.size() > kInline) {  // a hostile object: sort copies of the keys
    std::vector<std::string_view> keys;
    for (auto field : object) keys.push_back(field.key);
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) return *dup;
    return std::nullopt;
  }
  std::string_view seen[kInline];
  size_t count = 0;
  uint64_t digests = 0;
  for (auto field : object) {
    uint64_t bit = uint64_t{1} << digest(field.key);
    if (digests & bit) {
      for (size_t i = 0; i < count; ++i) {
        if (seen[i] == field.key) return field.key;
      }
    }
    digests |= bit;
    seen[count++] = field.key;
  }
  return std::nullopt;
}

/// The dotted path of a key that appears twice in one object anywhere below `value`.
std::optional<std::string> repeated_key_below(simdjson::dom::element value) {
  if (value.is_array()) {
    simdjson::dom::array array = value.get_array().value_unsafe();
    for (auto item : array) {
      if (auto found = repeated_key_below(item)) return found;
    }
    return std::nullopt;
  }
  if (!value.is_object()) return std::nullopt;
  return repeated_key(value.get_object().value_unsafe());
}

/// The dotted path of a key that appears twice in one object, in `object` or below it.
std::optional<std::string> repeated_key(simdjson::dom::object object) {
  if (auto here = repeated_key_here(object)) return std::string(*here);
  for (auto field : object) {
    if (field.value.is_array() || field.value.is_object()) {
      if (auto found = repeated_key_below(field.value)) {
        return std::string(field.key) + "." + *found;
      }
    }
  }
  return std::nullopt;
}

/// The top-level fields the gateway itself reads, found in one pass.
struct GatewayFields {
  std::optional<simdjson::dom::element> schema_version;
  std::optional<simdjson::dom::element> key;
  bool has_received_at = false;
};

GatewayFields gateway_fields(simdjson::dom::object object, std::string_view key_field) {
  GatewayFields out;
  for (auto field : object) {
    if (field.key == key_field) {
      out.key = field.value;
    } else if (field.key == "schema_version") {
      out.schema_version = field.value;
    } else if (field.key == "received_at") {
      out.has_received_at = true;
    }
  }
  return out;
}

/// The record as an object without the client's received_at (the gateway's own replaces it).
std::string without_received_at(simdjson::dom::object object) {
  std::string out = "{";
  for (auto field : object) {
    if (field.key == "received_at") continue;
    if (out.size() > 1) out += ',';
    out += nlohmann::json(std::string(field.key)).dump();
    out += ':';
    out += simdjson::minify(field.value);
  }
  out += '}';
  return out;
}

/// `object_text` ends with '}': inserts `"received_at":"..."` before it.
void splice_received_at(std::string_view object_text, bool empty, std::string_view received_at,
                        std::string& out) {
  size_t close = object_text.rfind('}');
  out.reserve(close + received_at.size() + 19);
  out.assign(object_text.data(), close);
  if (!empty) out += ',';
  out += "\"received_at\":\"";
  out += received_at;
  out += "\"}";
}

}  // namespace

RecordChecker::RecordChecker(const contracts::SchemaRegistry& schemas, std::string event_type,
                             std::string key_field, size_t max_event_bytes)
    : event_type_(std::move(event_type)),
      key_field_(std::move(key_field)),
      max_event_bytes_(max_event_bytes) {
  for (int version : schemas.versions(event_type_)) {
    schemas_[version] = schemas.compiled(event_type_, version);
    if (!versions_text_.empty()) versions_text_ += ", ";
    versions_text_ += std::to_string(version);
  }
}

void RecordChecker::check(std::string_view raw, size_t line, int default_version,
                          std::string_view received_at, CheckedRecord& out) const {
  out.reason.clear();
  out.errors.clear();
  out.payload.clear();
  out.key.clear();
  out.version = default_version;
  auto reject = [&](const char* reason, std::string field, std::string message) {
    out.reason = reason;
    out.errors.push_back({std::move(field), std::move(message)});
  };

  thread_local simdjson::dom::parser shared_parser = new_parser(4096);
  std::optional<simdjson::dom::parser> own_parser;
  if (raw.size() > kThreadParserBytes) own_parser.emplace(new_parser(raw.size()));
  simdjson::dom::parser& parser = own_parser ? *own_parser : shared_parser;

  simdjson::dom::element doc;
  if (auto error = parser.parse(raw.data(), raw.size()).get(doc)) {
    std::string where = line > 0 ? "line " + std::to_string(line) + ": " : "";
    return reject("malformed_json", "", where + describe_json_error(error));
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object)) {
    return reject("not_an_object", "", "an event must be a JSON object");
  }
  if (auto key = repeated_key(object)) {
    return reject("schema_violation", *key, "appears more than once; a key may appear only once");
  }

  GatewayFields fields = gateway_fields(object, key_field_);
  if (fields.schema_version) {
    int64_t version = 0;
    if (fields.schema_version->get_int64().get(version) ||
        !schemas_.count(static_cast<int>(version))) {
      return reject("schema_violation", "schema_version",
                    "must be a version of " + event_type_ + ": " + versions_text_);
    }
    out.version = static_cast<int>(version);
  }
  auto schema = schemas_.find(out.version);
  if (schema == schemas_.end()) {
    throw std::out_of_range("no schema " + event_type_ + " v" + std::to_string(out.version));
  }
  if (!schema->second->validate(doc, out.errors)) {
    out.reason = "schema_violation";
    return;
  }

  if (fields.has_received_at) {
    std::string rebuilt = without_received_at(object);
    splice_received_at(rebuilt, rebuilt.size() == 2, received_at, out.payload);
  } else {
    splice_received_at(raw, object.size() == 0, received_at, out.payload);
  }
  if (size_t size = out.payload.size(); size > max_event_bytes_) {
    out.payload.clear();
    return reject("too_large", "",
                  "event is " + std::to_string(size) + " bytes with received_at; the limit is " +
                      std::to_string(max_event_bytes_));
  }

  if (fields.key && !fields.key->is_null()) {
    std::string_view text;
    if (fields.key->get_string().get(text) == simdjson::SUCCESS) {
      out.key.assign(text);
    } else {
      out.key = simdjson::minify(*fields.key);
    }
  }
}

}  // namespace analytics::gateway
