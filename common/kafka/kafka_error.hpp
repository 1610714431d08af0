#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include "common/errors/errors.hpp"

namespace analytics::kafka {

/// Any Kafka failure surfaced by common/kafka. `retryable()` is true for conditions that may
/// clear on their own (queue full, broker down, timeouts): callers answer 503 / retry later.
class KafkaError : public errors::DependencyError {
 public:
  KafkaError(const std::string& message, bool retryable)
      : errors::DependencyError("kafka", message, retryable) {}
};

/// The client instance is unusable (librdkafka's fatal error state); only a new process helps.
class FatalKafkaError : public KafkaError {
 public:
  explicit FatalKafkaError(const std::string& message) : KafkaError(message, false) {}
};

/// librdkafka configuration properties (e.g. {"bootstrap.servers", "127.0.0.1:9092"}).
using Properties = std::map<std::string, std::string>;

}  // namespace analytics::kafka
