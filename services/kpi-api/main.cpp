// kpi-api: answers KPI questions from the gold schema, as JSON or CSV.
#include <iostream>

#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
#include "common/http/http_server.hpp"
#include "common/logging/logging.hpp"
#include "common/pg/connection_pool.hpp"
#include "common/process/shutdown_signal.hpp"
#include "kpi_routes.hpp"

using namespace analytics;

int main() {
  process::block_shutdown_signals();
  config::EnvConfig env;
  auto service = config::read_service_settings(env, 8083);
  auto database_url =
      env.get_string("KPI_DATABASE_URL", "", "warehouse URL for reads (default: DATABASE_URL)");
  if (database_url.empty()) {
    database_url = env.get_string("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/analytics",
                                  "warehouse");
  }
  auto pool_size = env.get_int("PG_POOL_SIZE", 4, 1, 64, "warehouse connections");
  auto timeout_ms = env.get_int("STATEMENT_TIMEOUT_MS", 5000, 100, 600000, "per-query limit");
  if (!env.check(std::cerr)) return 2;
  auto logger = logging::init("kpi-api", service.log_level);
  try {
    // Every session is read-only and time-limited, whatever role it connects as.
    pg::ConnectionPool pool(database_url, static_cast<size_t>(pool_size),
                            "SET statement_timeout = " + std::to_string(timeout_ms) +
                                "; SET default_transaction_read_only = on; SET TIME ZONE 'UTC'");
    metrics::Registry registry;
    http::Server server("kpi-api", registry);
    server.set_max_body_bytes(service.max_body_bytes);
    kpi::register_kpi_routes(server, pool);
    int bound = server.start(service.host, service.port);
    logger->info("kpi-api started port={} version={}", bound, config::pipeline_version());
    int sig = process::wait_for_shutdown_signal();
    logger->info("stopping signal={}", sig);
    server.stop();
  } catch (const std::exception& e) {
    logger->critical("kpi-api failed: {}", e.what());
    return 1;
  }
  return 0;
}
