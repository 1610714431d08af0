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

/// Consumer-group member that never commits to Kafka on its own (`enable.auto.commit=false`)
/// and never asks a broker to create a topic (`allow.auto.create.topics=false`, forced):
/// the owner keeps positions elsewhere (the transformer keeps them in PostgreSQL) and says where
/// to start on every assignment. Rebalance callbacks run inside poll_batch() on the calling
/// thread. Not thread-safe: use from one thread.
///
/// Group membership: when `session.timeout.ms` is given without `heartbeat.interval.ms`, the
/// heartbeat is set to a third of it (at most librdkafka's 3 s default), so a short session
/// timeout is not expired by heartbeats that come too rarely. With `group.instance.id` the
/// member is static (KIP-345): a restart with the same id within `session.timeout.ms` gets its
/// partitions back without a rebalance on Kafka >= 2.3, but close() does not leave the group.
class Consumer {
 public:
  struct Callbacks {
    /// Fill `offset` of each newly assigned partition.
    std::function<void(std::vector<TopicPartition>&)> on_assign;
    /// Partitions are about to be taken away: finish or drop work for them now.
    std::function<void(const std::vector<TopicPartition>&)> on_revoke;
    /// A consumer error that is not fatal but needs an operator's eye (e.g. an offset out of
    /// range: the partition stops fetching until it is reassigned; max.poll.interval.ms
    /// exceeded: the member left the group and rejoins on the next poll).
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
  /// Works for any partition, assigned to this member or not.
  std::optional<std::pair<int64_t, int64_t>> watermarks(const std::string& topic, int32_t partition,
                                                        int timeout_ms);

  /// Log-end offsets (high watermarks) of `partitions`, assigned to this member or not, in one
  /// request per leader broker; `offset` of each entry is filled. Throws KafkaError when the
  /// brokers do not answer within `timeout_ms`; an entry the broker refused gets -1. For lag
  /// that stays true while partitions are unowned (compare with the owner's stored positions).
  std::vector<TopicPartition> end_offsets(std::vector<TopicPartition> partitions, int timeout_ms);

  /// Which of `topics` the cluster does not have (one metadata request, which creates none).
  /// Throws KafkaError (retryable) when no broker answers within `timeout_ms`.
  std::vector<std::string> missing_topics(const std::vector<std::string>& topics, int timeout_ms);

  /// Subscribes again to the same topics, so the group reads their metadata now instead of at
  /// the next periodic refresh (`topic.metadata.refresh.interval.ms`): how a member that
  /// started before its topics existed picks them up. A rebalance follows (on_revoke, then
  /// on_assign). Throws KafkaError.
  void resubscribe();

  /// The partitions this member owns right now (empty before the group's first assignment, in
  /// a rebalance, or when the group has more members than partitions). Offsets are not filled.
  std::vector<TopicPartition> assignment();

  /// Leaves the group: on_revoke runs for the owned partitions, then a dynamic member sends
  /// LeaveGroup so the group reassigns its partitions at once instead of after
  /// `session.timeout.ms`. A static member (`group.instance.id`) keeps its membership until
  /// the session times out, expecting to come back (KIP-345).
  void close();

 private:
  std::function<void(const std::string&)> on_error_;
  std::unique_ptr<RdKafka::RebalanceCb> rebalance_cb_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::vector<std::string> topics_;
  bool closed_ = false;
};

}  // namespace analytics::kafka
