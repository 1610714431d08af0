#pragma once

#include <mutex>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace analytics::dev_broker {

/// librdkafka's in-process mock Kafka cluster, owned for the process lifetime. It speaks the
/// real Kafka protocol on ephemeral loopback ports, so any client (librdkafka, kcat) works
/// against it. It keeps at most ~5 MB or 100,000 message sets per partition and drops older
/// data: development and tests only, never production.
/// Thread-safe (the control API calls it from HTTP threads).
class MockCluster {
 public:
  explicit MockCluster(int broker_count);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  /// "127.0.0.1:port,..." for bootstrap.servers.
  std::string bootstrap_servers() const;
  int broker_count() const { return broker_count_; }

  /// Throws std::runtime_error on failure. Creating an existing topic is a no-op success.
  /// Largest partition count create_topic() accepts.
  static constexpr int kMaxPartitions = 256;

  /// Creates the topic unless it exists. Throws errors::ClientError for a name Kafka would
  /// refuse or a partition count outside 1..kMaxPartitions.
  void create_topic(const std::string& name, int partitions);
  std::vector<std::pair<std::string, int>> topics() const;

  // Fault injection, for reliability tests. Broker ids are 1..broker_count.
  void set_broker_up(int broker_id, bool up);
  /// Delays every answer of the broker by `rtt_ms` (0 restores it): a slow broker.
  void set_broker_rtt(int broker_id, int rtt_ms);
  /// The next `count` requests of Kafka API `api_key` (0 = Produce, 1 = Fetch, ...) fail with
  /// the named error (e.g. "NOT_ENOUGH_REPLICAS", "REQUEST_TIMED_OUT").
  void push_request_errors(int api_key, const std::string& error_name, int count);
  void clear_request_errors(int api_key);

 private:
  /// Throws errors::ClientError unless 1 <= broker_id <= broker_count().
  void check_broker_id(int broker_id) const;

  int broker_count_;
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, int>> topics_;
};

}  // namespace analytics::dev_broker
