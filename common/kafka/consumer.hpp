#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
    /// A consumer error that is not fatal but needs an operator's eye (e.g. an offset out of
    /// range: the partition stops fetching until it is reassigned).
    std::function<void(const std::string&)> on_error;
  };

  Consumer(const Properties& props, const std::vector<std::string>& topics, Callbacks callbacks);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  /// Returns up to `max_messages`, waiting at most `max_wait_ms` in total. Partition EOF and
  /// timeouts are not errors; a fatal consumer error throws FatalKafkaError.
  std::vector<Message> poll_batch(size_t max_messages, int max_wait_ms);

  /// Replaces the whole assignment and every fetch position at once (messages already fetched
  /// for the old positions are discarded). Unlike seek, valid in any partition state.
  void assign(const std::vector<TopicPartition>& partitions);

  /// The high watermark last seen in fetch responses (no network call); nullopt before any.
  std::optional<int64_t> cached_high_watermark(const std::string& topic, int32_t partition);

  /// [low, high) offsets of a partition, from the broker; nullopt when it does not answer.
  std::optional<std::pair<int64_t, int64_t>> watermarks(const std::string& topic, int32_t partition,
                                                        int timeout_ms);

  /// Leaves the group cleanly (revokes partitions through on_revoke).
  void close();

 private:
  std::function<void(const std::string&)> on_error_;
  std::unique_ptr<RdKafka::RebalanceCb> rebalance_cb_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  bool closed_ = false;
};

}  // namespace analytics::kafka
