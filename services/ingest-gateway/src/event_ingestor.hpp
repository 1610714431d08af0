#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/kafka/producer.hpp"
#include "common/metrics/metrics.hpp"
#include "event_record.hpp"
#include "request_body.hpp"

namespace analytics::gateway {

/// What happened to one record of a request.
struct RecordOutcome {
  size_t index = 0;
  bool accepted = false;
  std::string reason;  // rejected: schema_violation | malformed_json | not_an_object | too_large
  std::vector<contracts::FieldError> errors;
  int version = 0;          // the schema version the record was checked against
  bool delivered = false;   // Kafka acknowledged the record (or its dead letter)
  std::string kafka_error;  // not delivered: why
  int32_t partition = -1;   // where the record (or its dead letter) landed
  int64_t offset = -1;
};

struct IngestOutcome {
  std::vector<RecordOutcome> records;
  size_t accepted = 0;
  size_t rejected = 0;
  /// Some record (event or dead letter) was not acknowledged by Kafka in time: the request must
  /// be answered 503 (or 500) naming, per record, what did reach Kafka.
  bool kafka_failed = false;
  bool kafka_retryable = true;  // false when some failure cannot clear by retrying
  std::string kafka_error;
};

/// "No schema, no entry": checks each record (RecordChecker), sends valid ones to the event
/// type's topic (keyed by the catalogue's key field, `received_at` added) and invalid ones to
/// the dead-letter topic with the reason, then waits for the broker's acknowledgement of every
/// message. It stops enqueueing at the first record Kafka will not take, so a failed request
/// adds as little as possible to the topics. Thread-safe (one instance serves all HTTP threads).
class EventIngestor {
 public:
  /// `max_event_bytes`: an accepted event larger than this once stamped is rejected as
  /// too_large (it must stay below the producer's message.max.bytes).
  EventIngestor(const contracts::SchemaRegistry& schemas, const contracts::TopicCatalog& topics,
                kafka::Producer& producer, int delivery_timeout_ms, size_t max_event_bytes,
                metrics::Registry& registry);

  /// For /readyz: empty when a broker answers a metadata request within `timeout_ms`, every
  /// catalogue topic exists and deliveries are not failing right now.
  std::string kafka_problem(int timeout_ms);

  /// Why Kafka cannot take events right now (every broker down and still unreachable within
  /// a second), or empty. Lets a request fail fast with 503 instead of waiting for timeouts.
  std::string unavailable();

  /// `version`: the schema version for records that name none. Throws std::out_of_range when
  /// event_type/version has no schema or no topic.
  IngestOutcome ingest(const std::string& event_type, int version,
                       const std::vector<RawRecord>& records, const std::string& request_id);

 private:
  struct EventType {
    std::string topic;  // with the catalogue's prefix
    std::unique_ptr<RecordChecker> checker;
    metrics::Counter* accepted;
    metrics::Counter* rejected;
  };

  std::string dead_letter(const std::string& event_type, const RawRecord& record,
                          const CheckedRecord& checked, const std::string& request_id,
                          const std::string& received_at) const;

  std::string dead_letter_topic_;
  std::vector<std::string> topic_names_;  // the catalogue's, prefixed: what must exist
  kafka::Producer& producer_;
  int delivery_timeout_ms_;
  std::map<std::string, EventType> types_;
  metrics::Counter& kafka_failures_;
};

}  // namespace analytics::gateway
