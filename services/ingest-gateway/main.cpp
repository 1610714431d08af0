// ingest-gateway: HTTP front door. Validates events against proto/ schemas, produces valid ones
// with acks=all and rejected ones to the dead-letter topic, answers per record.
#include <iostream>

#include "common/auth/api_keys_from_env.hpp"
#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/kafka/producer.hpp"
#include "common/kafka/properties.hpp"
#include "common/logging/logging.hpp"
#include "common/process/shutdown_signal.hpp"
#include "event_ingestor.hpp"
#include "gateway_routes.hpp"

using namespace analytics;

int main() {
  process::block_shutdown_signals();
  config::EnvConfig env;
  // Batches of up to MAX_EVENTS_PER_REQUEST events: a larger body limit than other services.
  auto service = config::read_service_settings(env, 8080, 10 * 1024 * 1024);
  auto brokers = env.get_string("KAFKA_BROKERS", "127.0.0.1:9092", "bootstrap servers");
  auto prefix = env.get_string("KAFKA_TOPIC_PREFIX", "", "prefix for every topic name");
  auto proto_dir = env.get_string("PROTO_DIR", config::source_path("proto"),
                                  "directory with topics.json and schemas/");
  gateway::GatewayLimits limits;
  limits.max_body_bytes = service.max_body_bytes;
  limits.max_events_per_request = static_cast<size_t>(
      env.get_int("MAX_EVENTS_PER_REQUEST", 5000, 1, 1000000, "events per request limit"));
  limits.max_inflight_requests = static_cast<size_t>(env.get_int(
      "MAX_INFLIGHT_REQUESTS", 6, 1, 1000, "ingest requests served at once (then 503)"));
  auto max_event_bytes = env.get_int("MAX_EVENT_BYTES", 900 * 1000, 1024, 100 * 1000 * 1000,
                                     "largest single event (below Kafka's message.max.bytes)");
  auto delivery_timeout = env.get_int("DELIVERY_TIMEOUT_MS", 30000, 100, 600000,
                                      "wait for Kafka acks before answering 503");
  auto client_id =
      env.get_string("KAFKA_CLIENT_ID", kafka::default_client_id("ingest-gateway"),
                     "client.id: how brokers name this replica in logs, quotas and ACLs (default: "
                     "ingest-gateway-<host name>)");
  auto producer_config = env.get_secret(
      "KAFKA_PRODUCER_CONFIG", "",
      "extra librdkafka producer properties, key=value,... (security: security.protocol, "
      "sasl.*, ssl.*; tuning; idempotence and acks=all stay forced)");
  kafka::Properties producer_props;
  try {
    producer_props = kafka::parse_properties(producer_config);
  } catch (const std::exception& e) {
    env.add_error(std::string("KAFKA_PRODUCER_CONFIG: ") + e.what());
  }
  for (const auto& owned : kafka::owned_keys_in(
           producer_props, {"bootstrap.servers", "client.id", "allow.auto.create.topics"})) {
    env.add_error("KAFKA_PRODUCER_CONFIG: " + owned + " has its own variable or is fixed");
  }
  auto api_keys = auth::api_keys_from_env(env, "GATEWAY", "who may post events");
  if (!env.check(std::cerr)) return 2;
  auto logger = logging::init("ingest-gateway", service.log_level);
  if (api_keys.empty()) {
    logger->warn(
        "no API keys configured (GATEWAY_API_KEYS, GATEWAY_API_KEYS_FILE): anyone who "
        "can reach this gateway can post events");
  }

  try {
    auto topics = contracts::TopicCatalog::load(proto_dir + "/topics.json", prefix);
    auto schemas = contracts::SchemaRegistry::load(proto_dir + "/schemas");
    // Give librdkafka slightly less time than the HTTP wait, so a failure arrives as a
    // delivery error rather than a timeout.
    producer_props["bootstrap.servers"] = brokers;
    producer_props["client.id"] = client_id;
    producer_props["message.timeout.ms"] = std::to_string(delivery_timeout - 50);
    producer_props["message.max.bytes"] = std::to_string(max_event_bytes + 64 * 1024);
    kafka::Producer producer(producer_props);
    metrics::Registry registry;
    gateway::EventIngestor ingestor(schemas, topics, producer, static_cast<int>(delivery_timeout),
                                    static_cast<size_t>(max_event_bytes), registry);
    // Said once at start (e.g. topics missing); /readyz keeps saying it until it is fixed.
    if (std::string problem = ingestor.kafka_problem(5000); !problem.empty()) {
      logger->error("not ready kafka={}", problem);
    }
    http::Server server("ingest-gateway", registry);
    server.set_tls(service.tls);
    gateway::register_gateway_routes(server, ingestor, schemas, topics, limits, api_keys);
    int bound = server.start(service.host, service.port);
    logger->info("ingest-gateway started port={} brokers={} client_id={} api_keys={} version={}",
                 bound, brokers, client_id, api_keys.size(), config::pipeline_version());

    int sig = process::wait_for_shutdown_signal();
    logger->info("stopping signal={}", sig);
    server.stop();  // finishes in-flight requests, which wait for their acks
    if (!producer.flush(10000)) logger->error("undelivered messages at shutdown");
  } catch (const std::exception& e) {
    logger->critical("ingest-gateway failed: {}", e.what());
    return 1;
  }
  return 0;
}
