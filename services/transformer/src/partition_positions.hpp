#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/kafka/consumer.hpp"
#include "source_record.hpp"

namespace analytics::transformer {

/// Where this instance stands in one partition it owns.
struct Position {
  int64_t stored = -1;       // next_offset in ops.kafka_offsets once the batches handed out
                             // commit; -1 when none is stored
  int64_t accept_from = -1;  // lowest offset still to write; -1 accepts the first one seen
};

/// Records handed to the write path, and for each partition among them the stored next offset
/// the first of them continues from (-1: none stored yet).
struct Selection {
  std::vector<SourceRecord> records;
  std::map<PartitionId, int64_t> expected_next;
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

  /// Takes the records to write, in order: only owned partitions, each offset at most once,
  /// none below what the warehouse already has or was already handed out. A poll can hold a
  /// partition's records twice when it was revoked and re-assigned meanwhile; the second copies
  /// are dropped here. Positions move past what is taken: from then on the write path owns
  /// those records, and either commits them or makes the owner re-read every position from
  /// the warehouse (after a fence), so a batch still committing does not hold the next back.
  Selection take(std::vector<SourceRecord> polled);

 private:
  std::map<PartitionId, Position> positions_;
};

}  // namespace analytics::transformer
