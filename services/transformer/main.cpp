// transformer: Kafka -> bronze -> silver -> gold, exactly once (offsets live in PostgreSQL).
// `transformer migrate` applies the warehouse migrations and exits; `transformer replay
// [--from TS] [--to TS]` rebuilds silver, quarantine and gold from bronze (replay.hpp).
#include <iostream>
#include <string>

#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/kafka/consumer.hpp"
#include "common/kafka/properties.hpp"
#include "common/logging/logging.hpp"
#include "common/pg/migrator.hpp"
#include "common/process/shutdown_signal.hpp"
#include "common/time/iso8601.hpp"
#include "bronze_partitions.hpp"
#include "dq_monitor.hpp"
#include "warehouse_roles.hpp"
#include "replay_command.hpp"
#include "transformer_app.hpp"

using namespace analytics;

namespace {

/// Consumer settings TransformerApp does not set itself: client id, static membership and any
/// librdkafka property (security, tuning) an operator passes.
kafka::Properties consumer_properties(config::EnvConfig& env) {
  auto client_id = env.get_string(
      "KAFKA_CLIENT_ID", kafka::default_client_id("transformer"),
      "client.id: how brokers name this replica in logs, quotas and ACLs (default: transformer-"
      "<host name>)");
  auto instance_id = env.get_string(
      "KAFKA_GROUP_INSTANCE_ID", "",
      "static group membership (KIP-345): unique per replica and stable across its restarts, "
      "e.g. a StatefulSet pod name; empty = dynamic membership (docs/architecture.md)");
  auto extra = env.get_secret(
      "KAFKA_CONSUMER_CONFIG", "",
      "extra librdkafka consumer properties, key=value,... (security: security.protocol, "
      "sasl.*, ssl.*; tuning)");
  kafka::Properties props;
  try {
    props = kafka::parse_properties(extra);
  } catch (const std::exception& e) {
    env.add_error(std::string("KAFKA_CONSUMER_CONFIG: ") + e.what());
  }
  for (const auto& owned : kafka::owned_keys_in(
           props, {"bootstrap.servers", "client.id", "group.id", "group.instance.id",
                   "session.timeout.ms", "max.poll.interval.ms", "auto.offset.reset",
                   "enable.auto.commit", "allow.auto.create.topics"})) {
    env.add_error("KAFKA_CONSUMER_CONFIG: " + owned + " has its own variable or is fixed");
  }
  props["client.id"] = client_id;
  if (!instance_id.empty()) props["group.instance.id"] = instance_id;
  return props;
}

/// The data-quality checks' settings (docs/warehouse.md).
transformer::DqConfig dq_config(config::EnvConfig& env) {
  transformer::DqConfig dq;
  dq.window_seconds = env.get_int("DQ_WINDOW_SECONDS", dq.window_seconds, 10, 30LL * 86400,
                                  "data-quality checks cover the batches of this many seconds");
  dq.freshness_max_seconds = static_cast<double>(
      env.get_int("DQ_FRESHNESS_MAX_SECONDS", 900, 1, 86400,
                  "newest silver row may be this old while records wait in Kafka"));
  auto bands = env.get_string("DQ_QUARANTINE_BANDS", "total=0-0.25,*=0-0.10",
                              "allowed quarantine rates: reason=min-max,... (total, * = other)");
  try {
    dq.quarantine_bands = transformer::parse_rate_bands(bands);
  } catch (const std::exception& e) {
    env.add_error(std::string("DQ_QUARANTINE_BANDS: ") + e.what());
  }
  return dq;
}

}  // namespace

int main(int argc, char** argv) {
  process::block_shutdown_signals();
  std::string command = argc > 1 ? argv[1] : "";
  bool migrate_only = command == "migrate";
  if (!command.empty() && command != "migrate" && command != "replay") {
    std::cerr << "usage: transformer [migrate | replay [--from TS] [--to TS]]\n";
    return 2;
  }
  config::EnvConfig env;
  auto service = config::read_service_settings(env, 8082);
  transformer::TransformerConfig cfg;
  cfg.database_url = env.get_string(
      "DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/analytics",
      "warehouse (libpq URL); in production the pipeline_writer role, which owns nothing");
  auto migration_url = env.get_string(
      "MIGRATION_DATABASE_URL", cfg.database_url,
      "who applies migrations and sets role passwords: the schema's owner (default DATABASE_URL)");
  cfg.kafka_brokers = env.get_string("KAFKA_BROKERS", "127.0.0.1:9092", "bootstrap servers");
  cfg.consumer_group = env.get_string("CONSUMER_GROUP", "transformer", "Kafka consumer group");
  cfg.pii_hmac_key = env.get_secret("PII_HMAC_KEY", "", "HMAC key for e-mails/ids (>= 16 bytes)");
  cfg.pii_key_version = static_cast<int>(
      env.get_int("PII_HMAC_KEY_VERSION", 1, 1, 1000000,
                  "version of PII_HMAC_KEY, stored beside every digest; raise it on rotation"));
  cfg.batch_max_events = static_cast<size_t>(
      env.get_int("BATCH_MAX_EVENTS", 5000, 1, 1000000, "max records per transaction"));
  cfg.batch_max_wait_ms =
      static_cast<int>(env.get_int("BATCH_MAX_WAIT_MS", 200, 1, 60000, "max wait to fill a batch"));
  cfg.event_time.late_after_seconds = env.get_int(
      "LATE_AFTER_SECONDS", 86400, 0, 365LL * 86400, "ingestion lag above which an event is late");
  auto earliest = env.get_string("EVENT_TIME_EARLIEST", "2000-01-01T00:00:00Z",
                                 "event times before this are quarantined implausible_timestamp");
  if (auto t = time::parse_iso8601(earliest)) {
    cfg.event_time.earliest = *t;
  } else {
    env.add_error("EVENT_TIME_EARLIEST: not an ISO-8601 time");
  }
  cfg.event_time.max_ahead_seconds =
      env.get_int("EVENT_TIME_MAX_AHEAD_SECONDS", 86400, 0, 365LL * 86400,
                  "event times further ahead of ingestion are quarantined implausible_timestamp");
  cfg.synchronous_commit = env.get_bool(
      "WAREHOUSE_SYNCHRONOUS_COMMIT", false,
      "wait for the WAL flush on each batch commit (off keeps exactly-once: rows and offsets are "
      "lost together and re-read from Kafka)");
  // A crashed member's partitions wait this long (a stopped one leaves the group at once).
  // Kafka brokers refuse less than group.min.session.timeout.ms (6 s by default).
  cfg.session_timeout_ms = static_cast<int>(
      env.get_int("KAFKA_SESSION_TIMEOUT_MS", 10000, 1000, 300000,
                  "consumer group session timeout (heartbeats every third of it, at most 3 s)"));
  // The loop polls between batches: a batch's commit (and the one before it) must fit in this,
  // or the member leaves the group and rejoins (librdkafka refuses less than the session).
  cfg.max_poll_interval_ms = static_cast<int>(
      env.get_int("KAFKA_MAX_POLL_INTERVAL_MS", cfg.max_poll_interval_ms, 10000, 86400000,
                  "longest time between polls (a batch's commit) before leaving the group"));
  if (cfg.max_poll_interval_ms < cfg.session_timeout_ms) {
    env.add_error("KAFKA_MAX_POLL_INTERVAL_MS must be at least KAFKA_SESSION_TIMEOUT_MS");
  }
  cfg.consumer_properties = consumer_properties(env);
  auto prefix = env.get_string("KAFKA_TOPIC_PREFIX", "", "prefix for every topic name");
  auto topics_file =
      env.get_string("TOPICS_FILE", config::source_path("proto/topics.json"), "topic catalogue");
  auto migrations =
      env.get_string("MIGRATIONS_DIR", config::source_path("services/transformer/migrations"),
                     "warehouse migrations");
  auto migrate_on_start = env.get_bool("MIGRATE_ON_START", true, "apply migrations at start");
  std::vector<std::pair<std::string, std::string>> role_passwords = {
      {"kpi_reader", env.get_secret("KPI_READER_PASSWORD", "",
                                    "password set on kpi_reader when migrating (empty: none)")},
      {"bi_reader", env.get_secret("BI_READER_PASSWORD", "",
                                   "password set on bi_reader when migrating (empty: none)")},
      {"pipeline_writer",
       env.get_secret("PIPELINE_WRITER_PASSWORD", "",
                      "password set on pipeline_writer when migrating (empty: none)")}};
  auto dq = dq_config(env);
  auto bronze_retention_days = static_cast<int>(
      env.get_int("BRONZE_RETENTION_DAYS", 0, 0, 36500,
                  "drop bronze's daily partitions older than this many days (0 = keep all)"));
  auto dq_interval = static_cast<int>(env.get_int(
      "DQ_INTERVAL_SECONDS", 60, 0, 86400, "seconds between data-quality runs (0 = none)"));
  if (!migrate_only && cfg.pii_hmac_key.size() < 16) {
    env.add_error("PII_HMAC_KEY must be set, at least 16 bytes");
  }
  if (!env.check(std::cerr)) return 2;
  auto logger = logging::init("transformer", service.log_level);

  try {
    if (migrate_only || migrate_on_start) {
      auto applied = pg::apply_migrations(migration_url, migrations);
      logger->info("migrations up to date applied_now={}", applied.size());
      transformer::set_role_passwords(migration_url, role_passwords);
      if (migrate_only) return 0;
    }
    if (command == "replay") {
      return transformer::replay_command(std::vector<std::string>(argv + 2, argv + argc), cfg,
                                         std::cout, std::cerr);
    }
    // The service, not an operator's replay, is what should never run as a superuser.
    if (transformer::connects_as_superuser(cfg.database_url)) {
      logger->warn(
          "DATABASE_URL logs in as a superuser: run the transformer as pipeline_writer, which "
          "can write rows but change nothing else (docs/reliability.md, Security)");
    }
    metrics::Registry registry;
    transformer::BronzeMaintenance bronze(cfg.database_url, bronze_retention_days, registry);
    try {
      bronze.run_once(time::now_micros());  // the days ahead exist before the first batch
    } catch (const std::exception& e) {
      // The first batch of each day creates its partitions anyway (BronzeWriter).
      logger->warn("bronze partition maintenance failed at start error={}", e.what());
    }
    transformer::TransformerApp app(cfg, contracts::TopicCatalog::load(topics_file, prefix),
                                    registry);
    http::Server server("transformer", registry);
    server.set_tls(service.tls);
    server.set_max_body_bytes(service.max_body_bytes);
    server.add_readiness_check("pipeline", [&app] { return app.readiness(); });
    transformer::DqMonitor monitor(cfg.database_url, dq, dq_interval,
                                   [&app] { return app.consumer_lag(); }, registry);
    server.add_readiness_check("data_quality", [&monitor] { return monitor.readiness(); });
    app.start();
    if (dq_interval > 0) monitor.start();
    bronze.start();
    int bound = server.start(service.host, service.port);
    logger->info("transformer started port={} group={} version={}", bound, cfg.consumer_group,
                 config::pipeline_version());

    int sig = 0;
    while (sig == 0 && !app.fatal()) sig = process::wait_for_shutdown_signal(1000);
    if (app.fatal()) {
      // Exit non-zero so the supervisor starts a fresh process; nothing uncommitted is lost.
      logger->critical("transformer cannot continue: {}", app.readiness());
      monitor.stop();
      bronze.stop();
      app.stop();
      server.stop();
      return 1;
    }
    logger->info("stopping signal={}", sig);
    monitor.stop();
    bronze.stop();
    app.stop();
    server.stop();
  } catch (const std::exception& e) {
    logger->critical("transformer failed: {}", e.what());
    return 1;
  }
  return 0;
}
