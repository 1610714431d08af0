#include "common/kafka/kafka_error.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <set>

#include "common/kafka/detail.hpp"
#include "common/kafka/properties.hpp"

namespace analytics::kafka::detail {

void apply(RdKafka::Conf& conf, const Properties& props) {
  std::string err;
  for (const auto& [k, v] : props) {
    if (conf.set(k, v, err) != RdKafka::Conf::CONF_OK) {
      // librdkafka quotes an invalid value in `err`: hide it for a credential. A misspelt key
      // gets "No such configuration property", without the value.
      throw KafkaError("invalid Kafka setting " + k + ": " +
                           (is_secret_property(k) ? std::string("(value hidden)") : err),
                       false);
    }
  }
}

std::vector<std::string> missing_topics(RdKafka::Handle& client,
                                        const std::vector<std::string>& topics, int timeout_ms) {
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode err = client.metadata(true, nullptr, &md, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (err != RdKafka::ERR_NO_ERROR) throw KafkaError(RdKafka::err2str(err), is_retryable(err));
  std::set<std::string> present;
  for (const auto* t : *owned->topics()) {
    if (t->err() == RdKafka::ERR_NO_ERROR) present.insert(t->topic());
  }
  std::vector<std::string> missing;
  for (const auto& t : topics) {
    if (present.count(t) == 0) missing.push_back(t);
  }
  return missing;
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
