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

/// The dotted path of a key that appears twice in one object, anywhere in `value`.
std::optional<std::string> repeated_key(simdjson::dom::element value) {
  if (value.is_array()) {
    simdjson::dom::array array = value.get_array().value_unsafe();
    for (auto item : array) {
      if (auto found = repeated_key(item)) return found;
    }
    return std::nullopt;
  }
  if (!value.is_object()) return std::nullopt;
  simdjson::dom::object object = value.get_object().value_unsafe();
  // Few keys: compare pairs in place. Many (a hostile object): sort copies of the keys.
  if (object.size() <= 32) {
    for (auto a = object.begin(); a != object.end(); ++a) {
      auto b = a;
      for (++b; b != object.end(); ++b) {
        if (a.key() == b.key()) return std::string(a.key());
      }
    }
  } else {
    std::vector<std::string_view> keys;
    for (auto field : object) keys.push_back(field.key);
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) return std::string(*dup);
  }
  for (auto field : object) {
    if (auto found = repeated_key(field.value)) return std::string(field.key) + "." + *found;
  }
  return std::nullopt;
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
  if (auto key = repeated_key(doc)) {
    return reject("schema_violation", *key, "appears more than once; a key may appear only once");
  }

  simdjson::dom::element version_field;
  if (object.at_key("schema_version").get(version_field) == simdjson::SUCCESS) {
    int64_t version = 0;
    if (version_field.get_int64().get(version) || !schemas_.count(static_cast<int>(version))) {
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

  if (object.at_key("received_at").error() == simdjson::SUCCESS) {
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

  simdjson::dom::element key;
  if (object.at_key(key_field_).get(key) == simdjson::SUCCESS && !key.is_null()) {
    std::string_view text;
    if (key.get_string().get(text) == simdjson::SUCCESS) {
      out.key.assign(text);
    } else {
      out.key = simdjson::minify(key);
    }
  }
}

}  // namespace analytics::gateway
