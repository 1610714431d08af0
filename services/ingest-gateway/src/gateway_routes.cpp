#include "gateway_routes.hpp"

#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/http/api_key_check.hpp"
#include "ingest_response.hpp"

namespace analytics::gateway {
namespace {

constexpr const char* kTypePattern = "([a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)*)";

int parse_version(const contracts::SchemaRegistry& schemas, const std::string& event_type,
                  const std::string& text) {
  auto versions = schemas.versions(event_type);
  if (versions.empty()) {
    throw http::ApiError(404, "unknown_event_type",
                         "no schema for event type '" + event_type + "'");
  }
  if (text.empty() || text == "latest") return versions.back();
  try {
    size_t used = 0;
    int v = std::stoi(text, &used);
    if (used == text.size()) {
      for (int known : versions) {
        if (known == v) return v;
      }
    }
  } catch (const std::exception&) {
  }
  throw http::ApiError(404, "unknown_schema_version",
                       "event type '" + event_type + "' has no schema version '" + text + "'");
}

/// Counts a request in for its lifetime.
class InflightSlot {
 public:
  explicit InflightSlot(std::atomic<size_t>& counter) : counter_(counter), count_(++counter) {}
  ~InflightSlot() { --counter_; }
  size_t count() const { return count_; }

 private:
  std::atomic<size_t>& counter_;
  size_t count_;
};

}  // namespace

void register_gateway_routes(http::Server& server, EventIngestor& ingestor,
                             const contracts::SchemaRegistry& schemas,
                             const contracts::TopicCatalog& topics, const GatewayLimits& limits,
                             const auth::ApiKeys& keys) {
  server.set_max_body_bytes(limits.max_body_bytes);
  server.add_readiness_check("kafka", [&ingestor] { return ingestor.kafka_problem(2000); });

  auto inflight = std::make_shared<std::atomic<size_t>>(0);
  server.post(
      std::string("/v1/events/") + kTypePattern,
      [&, limits, inflight, keys](const httplib::Request& req, httplib::Response& res) {
        InflightSlot slot(*inflight);
        if (slot.count() > limits.max_inflight_requests) {
          throw http::ApiError(503, "overloaded",
                               "too many ingest requests in progress; retry shortly")
              .retry_after(1);
        }
        std::string event_type = req.matches[1];
        http::require_api_key(keys, req, event_type,
                              "post events of type '" + event_type + "'");
        int version = parse_version(schemas, event_type, req.get_param_value("version"));
        if (!topics.for_event_type(event_type)) {
          throw http::ApiError(404, "unknown_event_type",
                               "events of type '" + event_type + "' are not accepted here");
        }
        auto format = format_of(req.get_header_value("Content-Type"));
        if (!format) {
          throw http::ApiError(415, "unsupported_media_type",
                               "Content-Type must be application/json or application/x-ndjson");
        }
        std::vector<RawRecord> records =
            split_records(req.body, *format, limits.max_events_per_request);
        if (std::string why = ingestor.unavailable(); !why.empty()) {
          throw http::ApiError(503, "kafka_unavailable",
                               "Kafka is unreachable; nothing was accepted", {why})
              .retry_after(5);
        }
        std::string request_id = http::request_id(res);
        IngestOutcome outcome = ingestor.ingest(event_type, version, records, request_id);
        if (outcome.kafka_failed) {
          // Part of the request may be on Kafka already: say which records, so a client that
          // retries knows what it resends (downstream deduplicates by id either way).
          bool retry = outcome.kafka_retryable;
          nlohmann::json error = {
              {"code", retry ? "kafka_unavailable" : "kafka_rejected"},
              {"message", retry
                              ? "Kafka did not acknowledge every record; retry the records marked "
                                "failed (or the whole request: records are deduplicated by id)"
                              : "Kafka refused records of this request; retrying will not help"},
              {"details", {outcome.kafka_error}}};
          res.status = retry ? 503 : 500;
          if (retry) res.set_header("Retry-After", "5");
          res.set_content(
              ingest_response_body(request_id, event_type, version, outcome, error.dump()),
              "application/json");
          return;
        }
        // All accepted: 200. Mixed: 207 Multi-Status. None accepted: 422. Never a 200 that hides
        // a rejected record.
        res.status = outcome.rejected == 0 ? 200 : outcome.accepted == 0 ? 422 : 207;
        res.set_content(ingest_response_body(request_id, event_type, version, outcome),
                        "application/json");
      },
      {"version"});

  server.get("/v1/schemas", [&](const httplib::Request&, httplib::Response& res) {
    nlohmann::json types = nlohmann::json::array();
    for (const auto& type : schemas.event_types()) {
      auto topic = topics.for_event_type(type);
      auto versions = schemas.versions(type);
      types.push_back({{"event_type", type},
                       {"versions", versions},
                       {"latest", versions.back()},
                       {"topic", topic ? nlohmann::json(topic->name) : nlohmann::json(nullptr)}});
    }
    res.set_content(nlohmann::json{{"event_types", types}}.dump(), "application/json");
  });

  server.get(std::string("/v1/schemas/") + kTypePattern + "/versions/([^/]+)",
             [&](const httplib::Request& req, httplib::Response& res) {
               std::string type = req.matches[1];
               int version = parse_version(schemas, type, req.matches[2]);
               res.set_content(*schemas.schema_text(type, version), "application/schema+json");
             });
}

}  // namespace analytics::gateway
