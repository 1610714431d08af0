#include "mock_cluster.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/errors/errors.hpp"

// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace analytics::dev_broker {
namespace {

rd_kafka_resp_err_t error_by_name(const std::string& name) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name != nullptr && name == descs[i].name) return descs[i].code;
  }
  throw errors::ClientError("invalid_argument", "unknown Kafka error name: " + name);
}

}  // namespace

MockCluster::MockCluster(int broker_count) : broker_count_(broker_count) {
  if (broker_count < 1) throw std::invalid_argument("broker count must be >= 1");
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // It has no bootstrap.servers by design; keep librdkafka from warning about that.
  rd_kafka_conf_set(conf, "log_level", "4", err, sizeof(err));
  // The mock cluster needs a client handle to live in; this one never produces.
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!handle_) throw std::runtime_error(std::string("cannot create Kafka handle: ") + err);
  cluster_ = rd_kafka_mock_cluster_new(handle_, broker_count);
  if (!cluster_) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error("cannot start mock cluster");
  }
  // The mock advertises Metadata v0-2, which has no AllowAutoTopicCreation field: it then creates
  // every unknown topic a client asks about, whatever the client's allow.auto.create.topics.
  // Its handler implements v4 (the field) and later; advertising v4, like a real broker, lets
  // the services' "never create topics" setting be tested (tests/integration/topic_creation_test).
  constexpr int16_t kMetadataApiKey = 3;
  if (rd_kafka_resp_err_t e = rd_kafka_mock_set_apiversion(cluster_, kMetadataApiKey, 0, 4);
      e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
    throw std::runtime_error(std::string("cannot set the mock's Metadata version: ") +
                             rd_kafka_err2str(e));
  }
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

std::string MockCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

void MockCluster::create_topic(const std::string& name, int partitions) {
  // Kafka's own rule for names; a real broker refuses anything else (a NUL, a slash...).
  bool legal = !name.empty() && name.size() <= 249 && name != "." && name != ".." &&
               std::all_of(name.begin(), name.end(), [](unsigned char c) {
                 return std::isalnum(c) || c == '.' || c == '_' || c == '-';
               });
  if (!legal) {
    throw errors::ClientError("invalid_argument",
                              "a topic name is 1..249 characters of a-z, A-Z, 0-9, '.', '_' "
                              "and '-', and not '.' or '..'");
  }
  // Each partition of the mock holds up to ~5 MB in memory: bound what one call can claim.
  if (partitions < 1 || partitions > kMaxPartitions) {
    throw errors::ClientError("invalid_argument",
                              "partitions must be 1.." + std::to_string(kMaxPartitions));
  }
  std::lock_guard lock(mu_);
  for (const auto& [existing, count] : topics_) {
    if (existing == name) return;
  }
  int replication = broker_count_ < 3 ? broker_count_ : 3;
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("create topic " + name + ": " + rd_kafka_err2str(err));
  }
  topics_.emplace_back(name, partitions);
}

std::vector<std::pair<std::string, int>> MockCluster::topics() const {
  std::lock_guard lock(mu_);
  return topics_;
}

void MockCluster::check_broker_id(int broker_id) const {
  if (broker_id < 1 || broker_id > broker_count_) {
    throw errors::ClientError("invalid_argument",
                              "broker id must be in 1.." + std::to_string(broker_count_));
  }
}

void MockCluster::set_broker_rtt(int broker_id, int rtt_ms) {
  check_broker_id(broker_id);
  if (rtt_ms < 0 || rtt_ms > 60000) {
    throw errors::ClientError("invalid_argument", "ms must be in 0..60000");
  }
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(rd_kafka_err2str(err));
}

void MockCluster::set_broker_up(int broker_id, bool up) {
  check_broker_id(broker_id);
  rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(cluster_, broker_id)
                               : rd_kafka_mock_broker_set_down(cluster_, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(rd_kafka_err2str(err));
}

void MockCluster::push_request_errors(int api_key, const std::string& error_name, int count) {
  rd_kafka_resp_err_t code = error_by_name(error_name);
  std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(count), code);
  rd_kafka_mock_push_request_errors_array(cluster_, static_cast<int16_t>(api_key), errors.size(),
                                          errors.data());
}

void MockCluster::clear_request_errors(int api_key) {
  rd_kafka_mock_clear_request_errors(cluster_, static_cast<int16_t>(api_key));
}

}  // namespace analytics::dev_broker
