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

std::vector<const kafka::Message*> PartitionPositions::select(
    const std::vector<kafka::Message>& messages) const {
  std::map<PartitionId, int64_t> next;
  std::vector<const kafka::Message*> out;
  out.reserve(messages.size());
  for (const auto& m : messages) {
    PartitionId id{m.topic, m.partition};
    auto pos = positions_.find(id);
    if (pos == positions_.end()) continue;  // not ours (any more)
    auto [it, inserted] = next.try_emplace(id, pos->second.accept_from);
    if (it->second >= 0 && m.offset < it->second) continue;  // already written or a re-fetch
    it->second = m.offset + 1;
    out.push_back(&m);
  }
  return out;
}

std::map<PartitionId, PartitionAdvance> PartitionPositions::advances(
    const std::vector<const kafka::Message*>& records) const {
  std::map<PartitionId, PartitionAdvance> out;
  for (const auto* m : records) {
    PartitionId id{m->topic, m->partition};
    auto [adv, inserted] = out.try_emplace(id);
    if (inserted) adv->second.expected_next = positions_.at(id).stored;
    adv->second.new_next = std::max(adv->second.new_next, m->offset + 1);
  }
  return out;
}

void PartitionPositions::committed(const std::map<PartitionId, PartitionAdvance>& advances) {
  for (const auto& [id, adv] : advances) {
    auto it = positions_.find(id);
    if (it != positions_.end()) it->second = Position{adv.new_next, adv.new_next};
  }
}

}  // namespace analytics::transformer
