// kpi-api: answers KPI questions from the gold schema, as JSON or CSV.
#include <iostream>

#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
#include "common/http/http_server.hpp"
#include "common/logging/logging.hpp"
#include "common/pg/connection_pool.hpp"
#include "common/process/shutdown_signal.hpp"
#include "dashboard_routes.hpp"
#include "kpi_routes.hpp"
#include "read_only_role.hpp"

using namespace analytics;

int main() {
  process::block_shutdown_signals();
  config::EnvConfig env;
  auto service = config::read_service_settings(env, 8083);
  auto database_url =
      env.get_string("KPI_DATABASE_URL", "", "warehouse URL for reads (default: DATABASE_URL)");
  if (database_url.empty()) {
    database_url = env.get_string("DATABASE_URL", "postgresql://kpi_reader@127.0.0.1:5433/analytics",
                                  "warehouse");
  }
  auto pool_size = env.get_int("PG_POOL_SIZE", 4, 1, 64, "warehouse connections");
  auto timeout_ms = env.get_int("STATEMENT_TIMEOUT_MS", 5000, 100, 600000, "per-query limit");
  kpi::CacheLimits cache;
  cache.entries = static_cast<size_t>(env.get_int(
      "KPI_CACHE_ENTRIES", 1000, 0, 1000000, "answers kept until the warehouse changes (0 = none)"));
  cache.bytes = static_cast<size_t>(env.get_int("KPI_CACHE_MB", 64, 1, 65536,
                                                "memory for kept answers, in MB")) << 20;
  auto dashboard_dir =
      env.get_string("DASHBOARD_DIR", config::source_path("services/kpi-api/dashboard"),
                     "the dashboard's files (Chart.js installed there by npm ci)");
  if (!env.check(std::cerr)) return 2;
  auto logger = logging::init("kpi-api", service.log_level);
  try {
    // Every session is read-only and time-limited, whatever role it connects as.
    pg::ConnectionPool pool(database_url, static_cast<size_t>(pool_size),
                            kpi::session_sql(timeout_ms));
    try {
      pool.run_read(kpi::require_read_only_role);
    } catch (const kpi::WritableRoleError& e) {
      logger->critical("kpi-api refuses to start: {}", e.what());
      return 2;
    } catch (const std::exception& e) {
      // The warehouse may start later: the first request checks the role instead.
      logger->warn("the warehouse does not answer yet; its role is checked on first use error={}",
                   e.what());
    }
    metrics::Registry registry;
    http::Server server("kpi-api", registry);
    server.set_tls(service.tls);
    server.set_max_body_bytes(service.max_body_bytes);
    kpi::register_kpi_routes(server, pool, registry, cache);
    kpi::register_dashboard_routes(server, dashboard_dir);
    int bound = server.start(service.host, service.port);
    logger->info("kpi-api started port={} tls={} version={}", bound, service.tls != nullptr,
                 config::pipeline_version());
    int sig = process::wait_for_shutdown_signal();
    logger->info("stopping signal={}", sig);
    server.stop();
  } catch (const std::exception& e) {
    logger->critical("kpi-api failed: {}", e.what());
    return 1;
  }
  return 0;
}
