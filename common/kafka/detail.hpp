#pragma once

// Internal to common/kafka: helpers shared by producer.cpp and consumer.cpp.

#include <string>
#include <vector>

#include "common/kafka/kafka_error.hpp"

namespace RdKafka {
class Conf;
class Handle;
}  // namespace RdKafka

namespace analytics::kafka::detail {

/// Copies `props` into `conf`; throws KafkaError naming the first bad key (never the value of
/// a secret one).
void apply(RdKafka::Conf& conf, const Properties& props);

/// Which of `topics` the cluster does not have, from one metadata request for all topics (such
/// a request never creates a topic, whatever the broker's auto.create.topics.enable). Throws
/// KafkaError (retryable) when no broker answers within `timeout_ms`.
std::vector<std::string> missing_topics(RdKafka::Handle& client,
                                        const std::vector<std::string>& topics, int timeout_ms);

/// Whether an RdKafka::ErrorCode is transient.
bool is_retryable(int code);

}  // namespace analytics::kafka::detail
