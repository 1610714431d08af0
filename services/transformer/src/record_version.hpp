#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time/iso8601.hpp"

namespace analytics::transformer {

/// Which of two versions of one entity (an order, an interaction) the source sent later.
///
/// The gateway keys each entity's topic by the entity's id (proto/topics.json), so every
/// version of one order is in one partition, in the order the broker appended them: for one
/// client that is the order it sent them — a later request after an earlier one, and within
/// one request a later position after an earlier one (the idempotent producer keeps a
/// partition's order). So within one partition the higher offset is the later version, whatever
/// batch or transformer instance carries it.
///
/// Versions in different partitions only exist when a producer other than the gateway keyed
/// the topic differently (or data from before the re-keying is still being read). Then the
/// gateway's `received_at` decides, and topic/partition/offset break a tie so the choice is at
/// least deterministic. docs/architecture.md states the rule; silver's upserts apply the same
/// rule in SQL (later_version_sql), so C++ dedup within a batch and the database across
/// batches agree.
struct RecordVersion {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<time::UnixMicros> received_at;
};

/// True when `a` was sent after `b`.
bool is_later(const RecordVersion& a, const RecordVersion& b);

/// The same rule as a SQL condition over two rows with columns source_topic, source_partition,
/// source_offset and received_at: true when row `newer` is later than row `older`.
std::string later_version_sql(std::string_view newer, std::string_view older);

/// ORDER BY terms that put the latest version first among rows of different partitions (for
/// attributes several entities share, e.g. a customer's name across their orders).
std::string latest_first_sql();

}  // namespace analytics::transformer
