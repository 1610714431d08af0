#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/kafka/kafka_error.hpp"

namespace RdKafka {
class KafkaConsumer;
class RebalanceCb;
}  // namespace RdKafka

namespace analytics::kafka {

/// One consumed record, copied out of librdkafka.
struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string payload;
  int64_t timestamp_ms = 0;  // broker/create time, 0 when unknown
  std::vector<std::pair<std::string, std::string>> headers;

  /// Value of the first header named `name`, or empty.
  std::string header(const std::string& name) const;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  /// On assignment: where to start. kOffsetBeginning when the owner has no stored position.
  int64_t offset = kOffsetBeginning;
  static constexpr int64_t kOffsetBeginning = -2;
};

/// Consumer-group member that never commits to Kafka on its own (`enable.auto.commit=false`):
/// the owner keeps positions elsewhere (the transformer keeps them in PostgreSQL) and says where
/// to start on every assignment. Rebalance callbacks run inside poll_batch() on the calling
/// thread. Not thread-safe: use from one thread.
class Consumer {
 public:
  struct Callbacks {
    /// Fill `offset` of each newly assigned partition.
    std::function<void(std::vector<TopicPartition>&)> on_assign;
    /// Partitions are about to be taken away: finish or drop work for them now.
    std::function<void(const std::vector<TopicPartition>&)> on_revoke;
  };

  Consumer(const Properties& props, const std::vector<std::string>& topics, Callbacks callbacks);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  /// Returns up to `max_messages`, waiting at most `max_wait_ms` in total. Partition EOF and
  /// timeouts are not errors; fatal consumer errors throw KafkaError.
  std::vector<Message> poll_batch(size_t max_messages, int max_wait_ms);

  /// Rewinds a partition (used to re-read a batch that failed to commit).
  void seek(const std::string& topic, int32_t partition, int64_t offset);

  /// Leaves the group cleanly (revokes partitions through on_revoke).
  void close();

 private:
  std::unique_ptr<RdKafka::RebalanceCb> rebalance_cb_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  bool closed_ = false;
};

}  // namespace analytics::kafka
