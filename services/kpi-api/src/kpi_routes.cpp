#include "kpi_routes.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "answer_cache.hpp"
#include "common/pg/db_error.hpp"
#include "kpi_catalog.hpp"
#include "kpi_render.hpp"
#include "kpi_table.hpp"
#include "read_only_role.hpp"

namespace analytics::kpi {
namespace {

struct KpiState {
  KpiState(pg::ConnectionPool& p, metrics::Registry& registry, CacheLimits limits)
      : pool(p),
        cache(limits.entries, limits.bytes),
        hits(registry.counter("kpi_cache_requests_total",
                              "KPI answers served from the in-process cache, or computed",
                              {{"result", "hit"}})),
        misses(registry.counter("kpi_cache_requests_total",
                                "KPI answers served from the in-process cache, or computed",
                                {{"result", "miss"}})) {}
  pg::ConnectionPool& pool;
  AnswerCache cache;
  metrics::Counter& hits;
  metrics::Counter& misses;
  std::atomic<bool> role_checked{false};
};

enum class Format { kJson, kCsv };

Format wanted_format(const httplib::Request& req, const Endpoint& e) {
  std::string format = req.get_param_value("format");
  if (!format.empty() && format != "json" && format != "csv") {
    throw http::ApiError(400, "invalid_parameter",
                         "query parameter 'format' is not a format (allowed: json, csv)",
                         {"format"});
  }
  if (format == "csv" && !e.csv) {
    throw http::ApiError(406, "not_acceptable",
                         e.path + " has several tables and answers JSON only", {"format"});
  }
  if (format == "csv") return Format::kCsv;
  if (format.empty() && e.csv &&
      req.get_header_value("Accept").find("text/csv") != std::string::npos) {
    return Format::kCsv;
  }
  return Format::kJson;
}

std::string request_key(const Endpoint& e, const KpiParams& params, Format format) {
  std::string key = e.path + (format == Format::kCsv ? " csv" : " json");
  for (const auto& [name, value] : params.given) {
    key += '\n' + name + '=' + value;  // values hold no newline (validated as printable)
  }
  return key;
}

std::string warehouse_version(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT pg_current_snapshot()::text")[0].c_str();
}

/// The answer, and the warehouse version it was computed at.
std::pair<Answer, std::string> compute(pqxx::connection_base& conn, const Endpoint& e,
                                       const KpiParams& params, Format format) {
  // One snapshot for every section and for the version the answer is filed under.
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
  Answer answer;
  std::string version = warehouse_version(tx);
  auto sections = e.sections(params);
  std::vector<KpiTable> tables;
  for (const auto& s : sections) tables.push_back(run_query(tx, s.query));
  tx.commit();
  std::string name = e.path.substr(e.path.rfind('/') + 1);
  if (format == Format::kCsv) {
    answer.body = render_csv(tables.at(0));
    answer.content_type = "text/csv; charset=utf-8";
  } else {
    answer.body = render_json(name, params.given, sections, tables);
    answer.content_type = "application/json";
  }
  return {std::move(answer), std::move(version)};
}

void serve(KpiState& state, const Endpoint& e, const httplib::Request& req,
           httplib::Response& res) {
  KpiParams params = parse_params(e.params, req.params, e.default_limit);
  Format format = wanted_format(req, e);
  std::string key = request_key(e, params, format);
  Answer answer = state.pool.run_read([&](pqxx::connection_base& conn) {
    return pg::guarded([&] {
      if (!state.role_checked.load()) {
        try {
          require_read_only_role(conn);
        } catch (const WritableRoleError& err) {
          spdlog::critical("refusing to answer: {}", err.what());
          throw;
        }
        state.role_checked = true;
      }
      if (!e.cacheable) return compute(conn, e, params, format).first;
      std::string version;
      {
        pqxx::nontransaction tx(conn);
        version = warehouse_version(tx);
      }
      if (auto kept = state.cache.find(key, version)) {
        state.hits.Increment();
        return *kept;
      }
      state.misses.Increment();
      auto [computed, computed_at] = compute(conn, e, params, format);
      computed.etag = derive_etag(key, computed_at);
      state.cache.store(key, computed_at, computed);
      return computed;
    });
  });
  res.set_header("Vary", "Accept");
  if (!e.cacheable) {
    // Measured against the clock: every answer is new.
    res.set_header("Cache-Control", "no-store");
    res.set_content(answer.body, answer.content_type);
    return;
  }
  // Clients may keep an answer but must ask again before reusing it: the ETag makes asking
  // cheap, and the answer changes as soon as a batch commits.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", answer.etag);
  if (etag_matches(req.get_header_value("If-None-Match"), answer.etag)) {
    res.status = 304;
    return;
  }
  res.set_content(answer.body, answer.content_type);
}

nlohmann::json endpoint_list() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : endpoints()) {
    nlohmann::json params = nlohmann::json::object();
    for (Param p : e.params) params[param_name(p)] = param_allows(p);
    params["format"] = e.csv ? "json (default) or csv; or Accept: text/csv" : "json";
    list.push_back({{"name", e.path.substr(e.path.rfind('/') + 1)},
                    {"path", e.path},
                    {"description", e.description},
                    {"parameters", params}});
    if (e.default_limit) list.back()["default_limit"] = e.default_limit;
  }
  return list;
}

}  // namespace

std::string session_sql(int statement_timeout_ms) {
  return "SET statement_timeout = " + std::to_string(statement_timeout_ms) +
         "; SET default_transaction_read_only = on; SET TIME ZONE 'UTC'";
}

void register_kpi_routes(http::Server& server, pg::ConnectionPool& pool,
                         metrics::Registry& registry, CacheLimits cache) {
  auto state = std::make_shared<KpiState>(pool, registry, cache);
  std::string list = nlohmann::json{{"endpoints", endpoint_list()}}.dump();
  server.get("/v1/kpi", [list](const httplib::Request&, httplib::Response& res) {
    res.set_content(list, "application/json");
  });

  for (const auto& e : endpoints()) {
    http::Server::QueryParameters allowed = {"format"};
    for (Param p : e.params) allowed.push_back(param_name(p));
    server.get(
        e.path,
        [state, &e](const httplib::Request& req, httplib::Response& res) {
          // A failing warehouse is a DbError: http::Server answers it (503 when retryable)
          // and logs its text, which names hosts and ports, without handing it to clients.
          serve(*state, e, req, res);
        },
        allowed);
  }

  server.add_readiness_check("postgres", [&pool]() -> std::string {
    try {
      pool.run_read([](pqxx::connection_base& conn) {
        pg::guarded([&] { pqxx::nontransaction(conn).exec("SELECT 1"); });
      });
      return "";
    } catch (const std::exception& e) {
      // The database's message names hosts, ports and roles: log it, answer only the fact.
      spdlog::warn("readiness: the warehouse does not answer error={}", e.what());
      return "the warehouse does not answer";
    }
  });
}

}  // namespace analytics::kpi
