#pragma once

#include <string>
#include <vector>

#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/kafka/producer.hpp"
#include "common/metrics/metrics.hpp"
#include "request_body.hpp"

namespace analytics::gateway {

/// What happened to one record of a request.
struct RecordOutcome {
  size_t index = 0;
  bool accepted = false;
  std::string reason;  // for rejected: schema_violation | malformed_json | not_an_object
  std::vector<contracts::FieldError> errors;
  int32_t partition = -1;  // where the accepted record (or its dead letter) landed
  int64_t offset = -1;
};

struct IngestOutcome {
  std::vector<RecordOutcome> records;
  size_t accepted = 0;
  size_t rejected = 0;
  /// Some record (event or dead letter) was not acknowledged by Kafka in time: the request must
  /// be answered 503 and retried by the client. Records already written are deduplicated
  /// downstream by their ids.
  bool kafka_failed = false;
  std::string kafka_error;
};

/// "No schema, no entry": validates each record against its JSON Schema, sends valid ones to
/// the event type's topic (keyed by the catalogue's key field, `received_at` added) and
/// invalid ones to the dead-letter topic with the reason, then waits for the broker's
/// acknowledgement of every message. Thread-safe (one instance serves all HTTP threads).
class EventIngestor {
 public:
  EventIngestor(const contracts::SchemaRegistry& schemas, const contracts::TopicCatalog& topics,
                kafka::Producer& producer, int delivery_timeout_ms, metrics::Registry& registry);

  /// Throws std::out_of_range when event_type/version has no schema or no topic.
  IngestOutcome ingest(const std::string& event_type, int version, std::vector<RawRecord>& records,
                       const std::string& request_id);

 private:
  std::string dead_letter(const std::string& event_type, int version, const RawRecord& record,
                          const RecordOutcome& outcome, const std::string& request_id,
                          const std::string& received_at) const;

  const contracts::SchemaRegistry& schemas_;
  const contracts::TopicCatalog& topics_;
  kafka::Producer& producer_;
  int delivery_timeout_ms_;
  metrics::Registry& registry_;
};

}  // namespace analytics::gateway
