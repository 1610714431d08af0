#pragma once

#include "common/http/http_server.hpp"
#include "common/pg/connection_pool.hpp"

namespace analytics::kpi {

/// Registers GET /v1/kpi (the list) and GET /v1/kpi/{name} for every KPI definition, plus a
/// PostgreSQL readiness check. JSON by default, CSV on `Accept: text/csv`.
void register_kpi_routes(http::Server& server, pg::ConnectionPool& pool);

}  // namespace analytics::kpi
