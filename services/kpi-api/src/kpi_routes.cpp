#include "kpi_routes.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/pg/db_error.hpp"
#include "kpi_query.hpp"

namespace analytics::kpi {
namespace {

bool wants_csv(const httplib::Request& req) {
  return req.get_header_value("Accept").find("text/csv") != std::string::npos ||
         req.get_param_value("format") == "csv";
}

}  // namespace

void register_kpi_routes(http::Server& server, pg::ConnectionPool& pool) {
  server.get("/v1/kpi", [](const httplib::Request&, httplib::Response& res) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& k : kpi_definitions()) {
      list.push_back(
          {{"name", k.name}, {"path", "/v1/kpi/" + k.name}, {"description", k.description}});
    }
    res.set_content(nlohmann::json{{"kpis", list}}.dump(), "application/json");
  });

  for (const auto& kpi : kpi_definitions()) {
    server.get("/v1/kpi/" + kpi.name,
               [&pool, &kpi](const httplib::Request& req, httplib::Response& res) {
                 // A failing warehouse is a DbError: http::Server answers it (503 when retryable)
                 // and logs its text, which names hosts and ports, without handing it to clients.
                 auto conn = pool.acquire();
                 KpiTable table = query_kpi(*conn, kpi);
                 if (wants_csv(req)) {
                   res.set_content(render_csv(table), "text/csv; charset=utf-8");
                 } else {
                   res.set_content(render_json(kpi, table), "application/json");
                 }
               },
               {"format"});
  }

  server.add_readiness_check("postgres", [&pool]() -> std::string {
    try {
      auto conn = pool.acquire();
      pg::guarded([&] { pqxx::nontransaction(*conn).exec("SELECT 1"); });
      return "";
    } catch (const std::exception& e) {
      // The database's message names hosts, ports and roles: log it, answer only the fact.
      spdlog::warn("readiness: the warehouse does not answer error={}", e.what());
      return "the warehouse does not answer";
    }
  });
}

}  // namespace analytics::kpi
