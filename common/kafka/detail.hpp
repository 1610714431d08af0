#pragma once

// Internal to common/kafka: helpers shared by producer.cpp and consumer.cpp.

#include "common/kafka/kafka_error.hpp"

namespace RdKafka {
class Conf;
}

namespace analytics::kafka::detail {

/// Copies `props` into `conf`; throws KafkaError naming the first bad key.
void apply(RdKafka::Conf& conf, const Properties& props);

/// Whether an RdKafka::ErrorCode is transient.
bool is_retryable(int code);

}  // namespace analytics::kafka::detail
