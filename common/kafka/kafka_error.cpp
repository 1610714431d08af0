#include "common/kafka/kafka_error.hpp"

#include <librdkafka/rdkafkacpp.h>

#include "common/kafka/detail.hpp"

namespace analytics::kafka::detail {

void apply(RdKafka::Conf& conf, const Properties& props) {
  std::string err;
  for (const auto& [k, v] : props) {
    if (conf.set(k, v, err) != RdKafka::Conf::CONF_OK) {
      throw KafkaError("invalid Kafka setting " + k + "=" + v + ": " + err, false);
    }
  }
}

bool is_retryable(int code) {
  switch (static_cast<RdKafka::ErrorCode>(code)) {
    case RdKafka::ERR__QUEUE_FULL:
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__ALL_BROKERS_DOWN:
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RdKafka::ERR_LEADER_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_LEADER_FOR_PARTITION:
    case RdKafka::ERR_BROKER_NOT_AVAILABLE:
      return true;
    default:
      return false;
  }
}

}  // namespace analytics::kafka::detail
