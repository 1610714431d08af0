#pragma once

#include <string>

#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "common/pg/connection_pool.hpp"

namespace analytics::kpi {

/// How many answers the in-process cache keeps (0 entries: none, every request is computed).
struct CacheLimits {
  size_t entries = 1000;
  size_t bytes = 64u << 20;
};

/// What every warehouse session of kpi-api runs first: read-only, time-limited, UTC.
std::string session_sql(int statement_timeout_ms);

/// Registers GET /v1/kpi (the list of endpoints with their parameters) and every endpoint of
/// kpi_catalog.hpp, plus a PostgreSQL readiness check. Answers are JSON, or CSV on
/// `Accept: text/csv` or `format=csv`; they carry a strong ETag (304 on If-None-Match) and are
/// reused from an in-process cache until the warehouse changes (answer_cache.hpp). The first
/// connection's role is checked to be read-only; a writable one gets 500s and a critical log.
void register_kpi_routes(http::Server& server, pg::ConnectionPool& pool,
                         metrics::Registry& registry, CacheLimits cache = {});

}  // namespace analytics::kpi
