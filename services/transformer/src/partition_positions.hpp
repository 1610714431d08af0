#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/kafka/consumer.hpp"

namespace analytics::transformer {

/// (topic, partition)
using PartitionId = std::pair<std::string, int32_t>;

/// How far a batch moves one partition. `expected_next` is the stored next_offset this instance
/// believes is current (-1: nothing stored yet); it is compare-and-set to `new_next`.
struct PartitionAdvance {
  int64_t expected_next = -1;
  int64_t new_next = 0;
};

/// Where this instance stands in one partition it owns.
struct Position {
  int64_t stored = -1;       // next_offset in ops.kafka_offsets; -1 when none is stored
  int64_t accept_from = -1;  // lowest offset still to write; -1 accepts the first one seen
};

/// Where to start a newly assigned partition, from the stored offset and the partition's
/// [low, high) watermarks (nullopt when the broker could not tell).
struct StartDecision {
  enum class Kind {
    kBeginning,  // nothing stored: read the whole log
    kStored,     // continue where the warehouse is
    kGap,        // the log no longer holds [stored, low): Kafka deleted them unread
    kAhead,      // the warehouse is past the log's end: topic recreated or broker lost data
  };
  Kind kind;
  int64_t fetch_from;  // offset to assign, or kafka::TopicPartition::kOffsetBeginning
  Position position;
};

StartDecision decide_start(int64_t stored, std::optional<std::pair<int64_t, int64_t>> watermarks);

/// The partitions this instance owns and how far the warehouse has each. Pure bookkeeping, no
/// I/O; used from the consumer thread only.
class PartitionPositions {
 public:
  void assign(const PartitionId& p, Position position) { positions_[p] = position; }
  void revoke(const PartitionId& p) { positions_.erase(p); }
  size_t size() const { return positions_.size(); }
  const std::map<PartitionId, Position>& all() const { return positions_; }

  /// The records to write, in order: only owned partitions, each offset at most once, none
  /// below what the warehouse already has. A batch can hold a partition's records twice when
  /// it was revoked and re-assigned while polling; the second copies are dropped here.
  std::vector<const kafka::Message*> select(const std::vector<kafka::Message>& messages) const;

  /// The offset moves for `records` (a selection, in order).
  std::map<PartitionId, PartitionAdvance> advances(
      const std::vector<const kafka::Message*>& records) const;

  /// Records that the advances were committed.
  void committed(const std::map<PartitionId, PartitionAdvance>& advances);

 private:
  std::map<PartitionId, Position> positions_;
};

}  // namespace analytics::transformer
