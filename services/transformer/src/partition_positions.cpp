#include "partition_positions.hpp"

namespace analytics::transformer {

StartDecision decide_start(int64_t stored, std::optional<std::pair<int64_t, int64_t>> watermarks) {
  using Kind = StartDecision::Kind;
  if (stored < 0) {
    return {Kind::kBeginning, kafka::TopicPartition::kOffsetBeginning, Position{-1, -1}};
  }
  if (watermarks) {
    auto [low, high] = *watermarks;
    if (stored > high) return {Kind::kAhead, stored, Position{stored, stored}};
    if (stored < low) return {Kind::kGap, low, Position{stored, low}};
  }
  return {Kind::kStored, stored, Position{stored, stored}};
}

Selection PartitionPositions::take(std::vector<SourceRecord> polled) {
  Selection out;
  out.records.reserve(polled.size());
  for (auto& r : polled) {
    auto pos = positions_.find({r.topic, r.partition});
    if (pos == positions_.end()) continue;  // not ours (any more)
    Position& p = pos->second;
    if (p.accept_from >= 0 && r.offset < p.accept_from) continue;  // written or a re-fetch
    out.expected_next.try_emplace(pos->first, p.stored);
    p.accept_from = p.stored = r.offset + 1;
    out.records.push_back(std::move(r));
  }
  return out;
}

}  // namespace analytics::transformer
