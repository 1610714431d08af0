#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace analytics::contracts {

/// One Kafka topic from proto/topics.json.
struct TopicSpec {
  std::string name;        // with the deployment's prefix applied
  std::string event_type;  // e.g. "commerce.transaction"; "dlq" for the dead-letter topic
  int partitions = 1;
  std::string key_field;  // event field whose value is the record key
  int64_t retention_ms = 0;
  bool dead_letter = false;
};

/// The topics every service agrees on. Immutable after load; thread-safe to read.
class TopicCatalog {
 public:
  /// Reads `path` (proto/topics.json). `prefix` is prepended to every name so several
  /// environments (or test runs) can share one cluster. Throws std::runtime_error.
  static TopicCatalog load(const std::string& path, const std::string& prefix = "");

  const std::vector<TopicSpec>& topics() const { return topics_; }
  /// The topic carrying `event_type`, or nullopt.
  std::optional<TopicSpec> for_event_type(const std::string& event_type) const;
  /// The dead-letter topic (exactly one exists, checked at load).
  const TopicSpec& dead_letter() const;

 private:
  std::vector<TopicSpec> topics_;
};

}  // namespace analytics::contracts
