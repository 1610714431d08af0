#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/kafka/consumer.hpp"

namespace analytics::transformer {

/// One record of the event log as the write path sees it: where it sits in the log and its
/// bytes. Nothing below the consumer depends on Kafka's types, so a replay from bronze can feed
/// rows through the same mapping and writers.
struct SourceRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string payload;
  int64_t timestamp_ms = 0;  // the log's timestamp (producer or broker), 0 when unknown
  std::string request_id;    // the gateway's request id header, empty when absent
};

/// (topic, partition)
using PartitionId = std::pair<std::string, int32_t>;

inline SourceRecord from_kafka(kafka::Message&& m) {
  std::string request_id = m.header("request_id");
  return {std::move(m.topic),   m.partition,    m.offset, std::move(m.key),
          std::move(m.payload), m.timestamp_ms, std::move(request_id)};
}

}  // namespace analytics::transformer
