#include "event_ingestor.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/kafka/kafka_error.hpp"
#include "common/text/encoding.hpp"
#include "common/time/iso8601.hpp"

namespace analytics::gateway {
namespace {

constexpr size_t kMaxDeadLetterRaw = 64 * 1024;

/// The record key: the key field's value as text ("4821" for a number), empty when absent.
std::string key_of(const nlohmann::json& doc, const std::string& field) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

EventIngestor::EventIngestor(const contracts::SchemaRegistry& schemas,
                             const contracts::TopicCatalog& topics, kafka::Producer& producer,
                             int delivery_timeout_ms, size_t max_event_bytes,
                             metrics::Registry& registry)
    : schemas_(schemas),
      topics_(topics),
      producer_(producer),
      delivery_timeout_ms_(delivery_timeout_ms),
      max_event_bytes_(max_event_bytes),
      registry_(registry) {}

std::string EventIngestor::dead_letter(const std::string& event_type, int version,
                                       const RawRecord& record, const RecordOutcome& outcome,
                                       const std::string& request_id,
                                       const std::string& received_at) const {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : outcome.errors)
    errors.push_back({{"field", e.field}, {"message", e.message}});
  nlohmann::json dlq = {{"event_type", event_type},  {"schema_version", version},
                        {"request_id", request_id},  {"record_index", record.index},
                        {"reason", outcome.reason},  {"errors", errors},
                        {"received_at", received_at}};
  // A dead letter must itself fit in a Kafka message: keep the first kMaxDeadLetterRaw bytes.
  std::string raw = record.raw.substr(0, kMaxDeadLetterRaw);
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
                                    std::vector<RawRecord>& records,
                                    const std::string& request_id) {
  auto topic = topics_.for_event_type(event_type);
  if (!topic || !schemas_.schema_text(event_type, version)) {
    throw std::out_of_range("unknown event type " + event_type + " v" + std::to_string(version));
  }
  const auto& dlq_topic = topics_.dead_letter();
  std::string received_at = time::format_iso8601(time::now_micros());
  std::vector<kafka::Header> headers = {{"request_id", request_id},
                                        {"event_type", event_type},
                                        {"schema_version", std::to_string(version)}};

  IngestOutcome out;
  out.records.resize(records.size());
  auto group = kafka::DeliveryGroup::create(records.size());
  bool enqueue_failed = false;
  for (size_t i = 0; i < records.size(); ++i) {
    RawRecord& rec = records[i];
    RecordOutcome& outcome = out.records[i];
    outcome.index = rec.index;
    if (enqueue_failed) {
      // Do not add to a request that already cannot be acknowledged in full.
      group->fail(i, "not sent: an earlier record of this request could not be enqueued", true);
      continue;
    }
    std::string payload;
    if (!rec.doc) {
      outcome.reason = "malformed_json";
      outcome.errors.push_back({"", rec.parse_error});
    } else if (!rec.doc->is_object()) {
      outcome.reason = "not_an_object";
      outcome.errors.push_back({"", "an event must be a JSON object"});
    } else {
      outcome.errors = schemas_.validate(event_type, version, *rec.doc);
      if (!outcome.errors.empty()) {
        outcome.reason = "schema_violation";
      } else {
        (*rec.doc)["received_at"] = received_at;
        payload = rec.doc->dump();
        if (payload.size() > max_event_bytes_) {
          outcome.reason = "too_large";
          outcome.errors.push_back({"", "event is " + std::to_string(payload.size()) +
                                            " bytes; the limit is " +
                                            std::to_string(max_event_bytes_)});
        }
      }
    }
    outcome.accepted = outcome.reason.empty();
    try {
      if (outcome.accepted) {
        producer_.produce(topic->name, key_of(*rec.doc, topic->key_field), payload, headers,
                          group->slot(i));
      } else {
        producer_.produce(dlq_topic.name, request_id,
                          dead_letter(event_type, version, rec, outcome, request_id, received_at),
                          headers, group->slot(i));
      }
    } catch (const kafka::KafkaError& e) {
      group->fail(i, e.what(), e.retryable());
      enqueue_failed = true;
    }
  }

  if (!group->wait(delivery_timeout_ms_)) {
    out.kafka_failed = true;
    out.kafka_error =
        "Kafka did not acknowledge within " + std::to_string(delivery_timeout_ms_) + " ms";
  }
  auto results = group->results();
  for (size_t i = 0; i < out.records.size(); ++i) {
    auto& outcome = out.records[i];
    if (!results[i].ok) {
      if (!out.kafka_failed) out.kafka_error = results[i].error;
      out.kafka_failed = true;
      out.kafka_retryable = out.kafka_retryable && results[i].retryable;
    }
    outcome.partition = results[i].partition;
    outcome.offset = results[i].offset;
    (outcome.accepted ? out.accepted : out.rejected) += 1;
  }
  registry_
      .counter("gateway_events_total", "Events by type and outcome",
               {{"event_type", event_type}, {"outcome", "accepted"}})
      .inc(out.kafka_failed ? 0 : out.accepted);
  registry_
      .counter("gateway_events_total", "Events by type and outcome",
               {{"event_type", event_type}, {"outcome", "rejected"}})
      .inc(out.kafka_failed ? 0 : out.rejected);
  if (out.kafka_failed) {
    registry_.counter("gateway_kafka_failures_total", "Requests answered 503 because Kafka failed")
        .inc();
  }
  return out;
}

}  // namespace analytics::gateway
