#pragma once

#include <string>

#include "common/http/http_server.hpp"

namespace analytics::kpi {

/// Registers the dashboard: GET / (its page) and GET /dashboard/{file} for the few files it is
/// made of — its page, script and style from `dir`, and Chart.js from `dir`/node_modules (npm
/// ci) — read once here. Any other name is a 404: requests are looked up in that fixed list,
/// never joined to a path, so no request can reach another file. Each file carries a strong
/// ETag (304 on If-None-Match) and `Cache-Control: no-cache`. When a file is missing kpi-api
/// still serves its API, logs what is missing, and answers the dashboard's files 503
/// `dashboard_unavailable` naming them.
void register_dashboard_routes(http::Server& server, const std::string& dir);

}  // namespace analytics::kpi
