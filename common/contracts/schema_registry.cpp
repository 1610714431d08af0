#include "common/contracts/schema_registry.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace analytics::contracts {

struct SchemaRegistry::Entry {
  std::string text;
  valijson::Schema schema;
};

namespace {

/// valijson context ["<root>", "[properties]", "[currency]"] -> "properties.currency".
std::string field_path(const std::vector<std::string>& context) {
  std::string out;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string name = part;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
      name = name.substr(1, name.size() - 2);
    }
    if (!out.empty()) out += ".";
    out += name;
  }
  return out;
}

}  // namespace

SchemaRegistry::SchemaRegistry() = default;
SchemaRegistry::~SchemaRegistry() = default;
SchemaRegistry::SchemaRegistry(SchemaRegistry&&) noexcept = default;
SchemaRegistry& SchemaRegistry::operator=(SchemaRegistry&&) noexcept = default;

SchemaRegistry SchemaRegistry::load(const std::string& schemas_dir) {
  namespace fs = std::filesystem;
  static const std::regex kVersionFile(R"(v([0-9]+)\.json)");
  SchemaRegistry registry;
  if (!fs::is_directory(schemas_dir)) {
    throw std::runtime_error("schema directory not found: " + schemas_dir);
  }
  for (const auto& type_dir : fs::directory_iterator(schemas_dir)) {
    if (!type_dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(type_dir.path())) {
      std::smatch m;
      std::string name = file.path().filename().string();
      if (!std::regex_match(name, m, kVersionFile)) continue;
      std::ifstream in(file.path());
      std::stringstream buf;
      buf << in.rdbuf();
      auto entry = std::make_unique<Entry>();
      entry->text = buf.str();
      try {
        auto doc = nlohmann::json::parse(entry->text);
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter adapter(doc);
        parser.populateSchema(adapter, entry->schema);
      } catch (const std::exception& e) {
        throw std::runtime_error("invalid schema " + file.path().string() + ": " + e.what());
      }
      registry.schemas_[{type_dir.path().filename().string(), std::stoi(m[1])}] = std::move(entry);
    }
  }
  if (registry.schemas_.empty()) throw std::runtime_error("no schemas in " + schemas_dir);
  return registry;
}

std::vector<std::string> SchemaRegistry::event_types() const {
  std::vector<std::string> out;
  for (const auto& [key, entry] : schemas_) {
    if (out.empty() || out.back() != key.first) out.push_back(key.first);
  }
  return out;
}

std::vector<int> SchemaRegistry::versions(const std::string& event_type) const {
  std::vector<int> out;
  for (const auto& [key, entry] : schemas_) {
    if (key.first == event_type) out.push_back(key.second);
  }
  return out;
}

std::optional<std::string> SchemaRegistry::schema_text(const std::string& event_type,
                                                       int version) const {
  auto it = schemas_.find({event_type, version});
  if (it == schemas_.end()) return std::nullopt;
  return it->second->text;
}

std::vector<FieldError> SchemaRegistry::validate(const std::string& event_type, int version,
                                                 const nlohmann::json& event) const {
  auto it = schemas_.find({event_type, version});
  if (it == schemas_.end()) {
    throw std::out_of_range("unknown schema " + event_type + " v" + std::to_string(version));
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(event);
  std::vector<FieldError> errors;
  if (validator.validate(it->second->schema, target, &results)) return errors;
  static const std::regex kMissing(R"(Missing required property '([^']+)')");
  for (const auto& err : results) {
    // valijson also reports each failing property's parent ("Failed to validate against
    // schema associated with property name ..."); the leaf error already says it better.
    if (err.description.rfind("Failed to validate against schema associated", 0) == 0) continue;
    FieldError fe{field_path(err.context), err.description};
    std::smatch m;
    if (std::regex_search(err.description, m, kMissing)) {
      fe.field = fe.field.empty() ? m[1].str() : fe.field + "." + m[1].str();
      fe.message = "is required";
    }
    errors.push_back(std::move(fe));
  }
  return errors;
}

}  // namespace analytics::contracts
