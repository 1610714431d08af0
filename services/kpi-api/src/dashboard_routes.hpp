#pragma once

#include <string>

#include "common/http/http_server.hpp"

namespace analytics::kpi {

/// Registers the dashboard: GET / (its page) and GET /dashboard/{file} for the few files it is
/// made of — its page, script and style from `dir`, and Chart.js from `dir`/node_modules (npm
/// ci) — read once here. Any other name is a 404: nothing outside that list is ever read, so
/// no path can reach other files. When a file is missing kpi-api still serves its API, logs
/// what is missing, and answers the dashboard's routes 503 `dashboard_unavailable`.
void register_dashboard_routes(http::Server& server, const std::string& dir);

}  // namespace analytics::kpi
