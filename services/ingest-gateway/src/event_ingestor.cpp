#include "event_ingestor.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/kafka/kafka_error.hpp"
#include "common/kafka/properties.hpp"
#include "common/text/encoding.hpp"
#include "common/time/iso8601.hpp"

namespace analytics::gateway {
namespace {

constexpr size_t kMaxDeadLetterRaw = 64 * 1024;

/// Readiness turns red while the latest deliveries fail, for this long after the last one.
constexpr int kFailingDeliveriesWindowMs = 30000;

}  // namespace

EventIngestor::EventIngestor(const contracts::SchemaRegistry& schemas,
                             const contracts::TopicCatalog& topics, kafka::Producer& producer,
                             int delivery_timeout_ms, size_t max_event_bytes,
                             metrics::Registry& registry)
    : dead_letter_topic_(topics.dead_letter().name),
      topic_names_([&topics] {
        std::vector<std::string> names;
        for (const auto& t : topics.topics()) names.push_back(t.name);
        return names;
      }()),
      producer_(producer),
      delivery_timeout_ms_(delivery_timeout_ms),
      kafka_failures_(registry.counter("gateway_kafka_failures_total",
                                       "Requests answered 503/500 because Kafka failed")) {
  for (const auto& event_type : schemas.event_types()) {
    auto topic = topics.for_event_type(event_type);
    if (!topic) continue;  // e.g. the dead-letter schema: not accepted from clients
    auto counter = [&](const char* outcome) {
      return &registry.counter("gateway_events_total", "Events acknowledged by Kafka, by outcome",
                               {{"event_type", event_type}, {"outcome", outcome}});
    };
    types_.emplace(event_type,
                   EventType{topic->name,
                             std::make_unique<RecordChecker>(schemas, event_type, topic->key_field,
                                                             max_event_bytes),
                             counter("accepted"), counter("rejected")});
  }
}

std::string EventIngestor::kafka_problem(int timeout_ms) {
  try {
    // The same metadata request tells whether a broker answers and which topics it has.
    std::string missing =
        kafka::missing_topics_problem(producer_.missing_topics(topic_names_, timeout_ms));
    if (!missing.empty()) return missing;
  } catch (const kafka::KafkaError& e) {
    return e.what();
  }
  return producer_.failing_deliveries(kFailingDeliveriesWindowMs);
}

std::string EventIngestor::dead_letter(const std::string& event_type, const RawRecord& record,
                                       const CheckedRecord& checked, const std::string& request_id,
                                       const std::string& received_at) const {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : checked.errors)
    errors.push_back({{"field", e.field}, {"message", e.message}});
  nlohmann::json dlq = {{"event_type", event_type},  {"schema_version", checked.version},
                        {"request_id", request_id},  {"record_index", record.index},
                        {"reason", checked.reason},  {"errors", errors},
                        {"received_at", received_at}};
  // A dead letter must itself fit in a Kafka message: keep the first kMaxDeadLetterRaw bytes.
  std::string_view raw = record.raw.substr(0, kMaxDeadLetterRaw);
  if (raw.size() < record.raw.size()) {
    dlq["raw_truncated"] = true;
    dlq["raw_bytes"] = record.raw.size();
  }
  if (text::is_storable_utf8(raw)) {
    dlq["raw"] = raw;
  } else {
    dlq["raw_base64"] = text::base64_encode(raw);
  }
  return dlq.dump();
}

std::string EventIngestor::unavailable() {
  if (!producer_.brokers_down()) return "";
  std::string problem = producer_.check_connectivity(1000);
  return problem.empty() ? "" : "all Kafka brokers are down: " + problem;
}

IngestOutcome EventIngestor::ingest(const std::string& event_type, int version,
                                    const std::vector<RawRecord>& records,
                                    const std::string& request_id) {
  auto type = types_.find(event_type);
  if (type == types_.end()) {
    throw std::out_of_range("unknown event type " + event_type + " v" + std::to_string(version));
  }
  std::string received_at = time::format_iso8601(time::now_micros());
  std::vector<kafka::Header> headers = {{"request_id", request_id},
                                        {"event_type", event_type},
                                        {"schema_version", std::to_string(version)}};

  IngestOutcome out;
  out.records.resize(records.size());
  auto group = kafka::DeliveryGroup::create(records.size());
  bool enqueue_failed = false;
  CheckedRecord checked;  // reused: its buffers keep their capacity from record to record
  for (size_t i = 0; i < records.size(); ++i) {
    const RawRecord& rec = records[i];
    RecordOutcome& outcome = out.records[i];
    outcome.index = rec.index;
    if (enqueue_failed) {
      // Do not add to a request that already cannot be acknowledged in full.
      group->fail(i, "not sent: an earlier record of this request could not be enqueued", true);
      continue;
    }
    type->second.checker->check(rec.raw, rec.line, version, received_at, checked);
    outcome.accepted = checked.accepted();
    outcome.reason = checked.reason;
    outcome.version = checked.version;
    headers[2].value = std::to_string(checked.version);
    try {
      if (outcome.accepted) {
        producer_.produce(type->second.topic, checked.key, checked.payload, headers, *group, i);
      } else {
        producer_.produce(dead_letter_topic_, request_id,
                          dead_letter(event_type, rec, checked, request_id, received_at), headers,
                          *group, i);
      }
    } catch (const kafka::KafkaError& e) {
      group->fail(i, e.what(), e.retryable());
      enqueue_failed = true;
    }
    outcome.errors = std::move(checked.errors);
  }

  if (!group->wait(delivery_timeout_ms_)) {
    out.kafka_failed = true;
    out.kafka_error =
        "Kafka did not acknowledge within " + std::to_string(delivery_timeout_ms_) + " ms";
  }
  auto results = group->results();
  size_t delivered_accepted = 0;
  size_t delivered_rejected = 0;
  for (size_t i = 0; i < out.records.size(); ++i) {
    auto& outcome = out.records[i];
    outcome.delivered = results[i].ok;
    if (!results[i].ok) {
      if (!out.kafka_failed) out.kafka_error = results[i].error;
      out.kafka_failed = true;
      out.kafka_retryable = out.kafka_retryable && results[i].retryable;
      outcome.kafka_error = results[i].error;
    }
    outcome.partition = results[i].partition;
    outcome.offset = results[i].offset;
    (outcome.accepted ? out.accepted : out.rejected) += 1;
    if (outcome.delivered) (outcome.accepted ? delivered_accepted : delivered_rejected) += 1;
  }
  type->second.accepted->Increment(static_cast<double>(delivered_accepted));
  type->second.rejected->Increment(static_cast<double>(delivered_rejected));
  if (out.kafka_failed) kafka_failures_.Increment();
  return out;
}

}  // namespace analytics::gateway
