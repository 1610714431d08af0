#include "common/contracts/topic_catalog.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace analytics::contracts {

TopicCatalog TopicCatalog::load(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open topic catalogue " + path);
  TopicCatalog catalog;
  try {
    auto doc = nlohmann::json::parse(in);
    for (const auto& t : doc.at("topics")) {
      TopicSpec spec;
      spec.name = prefix + t.at("name").get<std::string>();
      spec.event_type = t.at("event_type").get<std::string>();
      spec.partitions = t.at("partitions").get<int>();
      spec.key_field = t.at("key").get<std::string>();
      spec.retention_ms = t.value("retention_ms", int64_t{0});
      spec.dead_letter = t.value("dead_letter", false);
      if (spec.partitions < 1) throw std::runtime_error(spec.name + ": partitions must be >= 1");
      catalog.topics_.push_back(std::move(spec));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("invalid topic catalogue " + path + ": " + e.what());
  }
  int dead_letters = 0;
  for (const auto& t : catalog.topics_) dead_letters += t.dead_letter ? 1 : 0;
  if (dead_letters != 1) {
    throw std::runtime_error(path + " must declare exactly one dead_letter topic");
  }
  return catalog;
}

std::optional<TopicSpec> TopicCatalog::for_event_type(const std::string& event_type) const {
  for (const auto& t : topics_) {
    if (!t.dead_letter && t.event_type == event_type) return t;
  }
  return std::nullopt;
}

const TopicSpec& TopicCatalog::dead_letter() const {
  for (const auto& t : topics_) {
    if (t.dead_letter) return t;
  }
  throw std::logic_error("catalogue without dead-letter topic");  // prevented by load()
}

}  // namespace analytics::contracts
