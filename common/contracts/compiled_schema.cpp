#include "common/contracts/compiled_schema.hpp"

#include <re2/re2.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace analytics::contracts {
namespace {

enum TypeBit : unsigned {
  kNull = 1,
  kBoolean = 2,
  kInteger = 4,
  kNumber = 8,  // a non-integer number; "number" in a schema means kInteger | kNumber
  kString = 16,
  kArray = 32,
  kObject = 64,
  kAnyType = 127,
};

unsigned type_bit(const std::string& name) {
  if (name == "null") return kNull;
  if (name == "boolean") return kBoolean;
  if (name == "integer") return kInteger;
  if (name == "number") return kInteger | kNumber;
  if (name == "string") return kString;
  if (name == "array") return kArray;
  if (name == "object") return kObject;
  throw std::invalid_argument("unknown type '" + name + "'");
}

unsigned type_of(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return kNull;
    case simdjson::dom::element_type::BOOL:
      return kBoolean;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      return kInteger;
    case simdjson::dom::element_type::DOUBLE:
      return kNumber;
    case simdjson::dom::element_type::STRING:
      return kString;
    case simdjson::dom::element_type::ARRAY:
      return kArray;
    case simdjson::dom::element_type::OBJECT:
      return kObject;
  }
  return 0;
}

std::string describe_types(unsigned types) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kObject, "an object"}, {kArray, "an array"},     {kString, "a string"},
      {kNumber, "a number"},  {kInteger, "an integer"}, {kBoolean, "a boolean"},
      {kNull, "null"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(types & bit)) continue;
    if (bit == kInteger && (types & kNumber)) continue;  // "a number" covers integers
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

/// Code points of valid UTF-8 (simdjson has validated it): bytes that do not continue one.
size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return nlohmann::json(v).dump();
}

/// The path of the value being checked, built into a string only when a check fails.
struct Path {
  const Path* parent = nullptr;
  std::string_view name;
  size_t index = 0;
  bool is_index = false;

  std::string str() const {
    std::string head = parent ? parent->str() : "";
    if (!parent) return head;  // the root has no name
    if (!head.empty()) head += '.';
    return head + (is_index ? std::to_string(index) : std::string(name));
  }
};

}  // namespace

struct CompiledSchema::Node {
  unsigned types = kAnyType;
  // Not std::pair<std::string, Node>: a pair of an incomplete type is undefined behaviour, and
  // clang's libstdc++ instantiation rejects it.
  struct Property;
  std::vector<Property> properties;
  struct Required {
    std::string name;
    size_t property;  // its index in `properties` (found by the presence bitmask), or npos
  };
  std::vector<Required> required;
  bool additional_allowed = true;
  std::unique_ptr<Node> additional;  // schema for properties not listed, when one is given
  std::unique_ptr<Node> items;
  std::vector<nlohmann::json> enum_values;  // strings, integers, booleans, null
  std::string enum_text;                    // "completed, returned, pending" for messages
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<size_t> min_length;
  std::optional<size_t> max_length;
  std::unique_ptr<re2::RE2> pattern;

  static Node compile(const nlohmann::json& schema, const std::string& where);
  void check(simdjson::dom::element value, const Path& path, std::vector<FieldError>& errors,
             bool& ok) const;

 private:
  bool in_enum(simdjson::dom::element value) const;
  void check_object(simdjson::dom::object object, const Path& path, std::vector<FieldError>& errors,
                    bool& ok) const;
};

struct CompiledSchema::Node::Property {
  std::string name;
  Node schema;
};

namespace {

size_t non_negative(const nlohmann::json& v, const std::string& what) {
  if (!v.is_number_unsigned())
    throw std::invalid_argument(what + " must be a non-negative integer");
  return v.get<size_t>();
}

}  // namespace

CompiledSchema::Node CompiledSchema::Node::compile(const nlohmann::json& schema,
                                                   const std::string& where) {
  if (!schema.is_object()) throw std::invalid_argument(where + ": a schema must be an object");
  static const std::set<std::string> kAnnotations = {
      "$schema", "$id", "title", "description", "$comment", "default", "examples"};
  Node node;
  for (const auto& [keyword, value] : schema.items()) {
    const std::string at = where + "." + keyword;
    if (kAnnotations.count(keyword)) continue;
    if (keyword == "type") {
      node.types = 0;
      if (value.is_string()) {
        node.types = type_bit(value.get<std::string>());
      } else if (value.is_array()) {
        for (const auto& t : value) node.types |= type_bit(t.get<std::string>());
      } else {
        throw std::invalid_argument(at + " must be a string or an array");
      }
    } else if (keyword == "properties") {
      for (const auto& [name, sub] : value.items()) {
        node.properties.push_back(Property{name, compile(sub, where + ".properties." + name)});
      }
    } else if (keyword == "required") {
      for (const auto& name : value) node.required.push_back({name.get<std::string>(), 0});
    } else if (keyword == "additionalProperties") {
      if (value.is_boolean()) {
        node.additional_allowed = value.get<bool>();
      } else {
        node.additional = std::make_unique<Node>(compile(value, at));
      }
    } else if (keyword == "items") {
      node.items = std::make_unique<Node>(compile(value, at));
    } else if (keyword == "enum") {
      for (const auto& v : value) {
        if (!(v.is_string() || v.is_number_integer() || v.is_boolean() || v.is_null())) {
          throw std::invalid_argument(at + ": only strings, integers, booleans and null");
        }
        if (!node.enum_text.empty()) node.enum_text += ", ";
        node.enum_text += v.is_string() ? v.get<std::string>() : v.dump();
        node.enum_values.push_back(v);
      }
    } else if (keyword == "minimum" || keyword == "maximum") {
      if (!value.is_number()) throw std::invalid_argument(at + " must be a number");
      (keyword == "minimum" ? node.minimum : node.maximum) = value.get<double>();
    } else if (keyword == "minLength") {
      node.min_length = non_negative(value, at);
    } else if (keyword == "maxLength") {
      node.max_length = non_negative(value, at);
    } else if (keyword == "pattern") {
      node.pattern = std::make_unique<re2::RE2>(value.get<std::string>(), re2::RE2::Quiet);
      if (!node.pattern->ok()) {
        throw std::invalid_argument(at + " is not a valid pattern: " + node.pattern->error());
      }
    } else if (keyword == "format" && value == "uuid") {
      // An annotation, as in valijson: the UUID rule itself is the schema's `pattern`.
    } else {
      throw std::invalid_argument(at + ": keyword not supported by the gateway's validator");
    }
  }
  // Resolved once here, whatever the keywords' order, not per validated object.
  for (auto& r : node.required) {
    r.property = std::string::npos;
    for (size_t i = 0; i < node.properties.size() && i < 64; ++i) {
      if (node.properties[i].name == r.name) r.property = i;
    }
  }
  return node;
}

bool CompiledSchema::Node::in_enum(simdjson::dom::element value) const {
  for (const auto& allowed : enum_values) {
    switch (value.type()) {
      case simdjson::dom::element_type::STRING:
        if (allowed.is_string() &&
            allowed.get_ref<const std::string&>() == std::string_view(value.get_string()))
          return true;
        break;
      case simdjson::dom::element_type::INT64:
        if (allowed.is_number_integer() && allowed.get<int64_t>() == value.get_int64().value())
          return true;
        break;
      case simdjson::dom::element_type::UINT64:
        if (allowed.is_number_unsigned() && allowed.get<uint64_t>() == value.get_uint64().value())
          return true;
        break;
      case simdjson::dom::element_type::BOOL:
        if (allowed.is_boolean() && allowed.get<bool>() == value.get_bool().value()) return true;
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        if (allowed.is_null()) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

void CompiledSchema::Node::check(simdjson::dom::element value, const Path& path,
                                 std::vector<FieldError>& errors, bool& ok) const {
  auto fail = [&](std::string message) {
    ok = false;
    errors.push_back({path.str(), std::move(message)});
  };
  unsigned type = type_of(value);
  if (!(types & type)) return fail("must be " + describe_types(types));
  if (!enum_values.empty() && !in_enum(value)) fail("must be one of: " + enum_text);
  if (type & (kInteger | kNumber)) {
    double number = value.get<double>().value();
    if (minimum && number < *minimum) fail("must be at least " + format_number(*minimum));
    if (maximum && number > *maximum) fail("must be at most " + format_number(*maximum));
  } else if (type == kString) {
    std::string_view s = value.get_string().value();
    if (min_length || max_length) {
      size_t length = code_points(s);
      if (min_length && length < *min_length) {
        fail("must be at least " + std::to_string(*min_length) + " characters long");
      }
      if (max_length && length > *max_length) {
        fail("must be at most " + std::to_string(*max_length) + " characters long");
      }
    }
    if (pattern && !re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *pattern)) {
      fail("must match the pattern " + pattern->pattern());
    }
  } else if (type == kObject) {
    check_object(value.get_object().value_unsafe(), path, errors, ok);
  } else if (type == kArray && items) {
    size_t i = 0;
    simdjson::dom::array array = value.get_array().value_unsafe();
    for (simdjson::dom::element item : array) {
      Path child{&path, {}, i++, true};
      items->check(item, child, errors, ok);
    }
  }
}

void CompiledSchema::Node::check_object(simdjson::dom::object object, const Path& path,
                                        std::vector<FieldError>& errors, bool& ok) const {
  // Which listed properties are present, for `required` (schemas list far fewer than 64).
  uint64_t present = 0;
  for (auto field : object) {
    const Node* rule = nullptr;
    for (size_t i = 0; i < properties.size(); ++i) {
      if (properties[i].name == field.key) {
        rule = &properties[i].schema;
        if (i < 64) present |= uint64_t{1} << i;
        break;
      }
    }
    Path child{&path, field.key, 0, false};
    if (!rule && !additional_allowed) {
      ok = false;
      errors.push_back({child.str(), "is not allowed here"});
      continue;
    }
    if (!rule) rule = additional.get();
    if (rule) rule->check(field.value, child, errors, ok);
  }
  for (const auto& r : required) {
    bool found = r.property != std::string::npos
                     ? (present >> r.property) & 1
                     : object.at_key(r.name).error() == simdjson::SUCCESS;
    if (!found) {
      Path child{&path, r.name, 0, false};
      ok = false;
      errors.push_back({child.str(), "is required"});
    }
  }
}

CompiledSchema CompiledSchema::compile(const nlohmann::json& schema) {
  return CompiledSchema(std::make_shared<const Node>(Node::compile(schema, "schema")));
}

bool CompiledSchema::validate(simdjson::dom::element value, std::vector<FieldError>& errors) const {
  bool ok = true;
  root_->check(value, Path{}, errors, ok);
  return ok;
}

}  // namespace analytics::contracts
