#include "common/contracts/schema_registry.hpp"

#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "common/contracts/compiled_schema.hpp"

namespace analytics::contracts {

struct SchemaRegistry::Entry {
  std::string text;
  CompiledSchema compiled;
};

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
      std::string text = buf.str();
      try {
        auto compiled = CompiledSchema::compile(nlohmann::json::parse(text));
        registry.schemas_[{type_dir.path().filename().string(), std::stoi(m[1])}] =
            std::make_unique<Entry>(Entry{std::move(text), std::move(compiled)});
      } catch (const std::exception& e) {
        throw std::runtime_error("invalid schema " + file.path().string() + ": " + e.what());
      }
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

const CompiledSchema* SchemaRegistry::compiled(const std::string& event_type, int version) const {
  auto it = schemas_.find({event_type, version});
  return it == schemas_.end() ? nullptr : &it->second->compiled;
}

std::vector<FieldError> SchemaRegistry::validate(const std::string& event_type, int version,
                                                 const nlohmann::json& event) const {
  const CompiledSchema* schema = compiled(event_type, version);
  if (!schema) {
    throw std::out_of_range("unknown schema " + event_type + " v" + std::to_string(version));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(event.dump()).get(doc)) {
    return {{"", std::string("not valid JSON: ") + simdjson::error_message(error)}};
  }
  std::vector<FieldError> errors;
  schema->validate(doc, errors);
  return errors;
}

}  // namespace analytics::contracts
