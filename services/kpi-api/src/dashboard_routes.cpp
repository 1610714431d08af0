#include "dashboard_routes.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace analytics::kpi {
namespace {

struct StaticFile {
  std::string content_type;
  std::string body;
};

struct Source {
  const char* name;          // as served under /dashboard/
  const char* path;          // below the dashboard directory
  const char* content_type;
};

constexpr Source kFiles[] = {
    {"index.html", "index.html", "text/html; charset=utf-8"},
    {"app.js", "app.js", "text/javascript; charset=utf-8"},
    {"style.css", "style.css", "text/css; charset=utf-8"},
    {"chart.umd.js", "node_modules/chart.js/dist/chart.umd.js", "text/javascript; charset=utf-8"},
};

void send(const StaticFile& file, httplib::Response& res) {
  // Files change only with a deployment: revalidate rather than keep them for a fixed time.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  res.set_content(file.body, file.content_type);
}

}  // namespace

void register_dashboard_routes(http::Server& server, const std::string& dir) {
  auto files = std::make_shared<std::map<std::string, StaticFile>>();
  std::string missing;
  for (const auto& f : kFiles) {
    std::ifstream in(dir + "/" + f.path, std::ios::binary);
    std::ostringstream body;
    if (in) body << in.rdbuf();
    if (!in || body.str().empty()) {
      missing += (missing.empty() ? "" : ", ") + dir + "/" + f.path;
      continue;
    }
    (*files)[f.name] = StaticFile{f.content_type, body.str()};
  }
  if (!missing.empty()) {
    spdlog::error("the dashboard is unavailable: missing {} (DASHBOARD_DIR; Chart.js comes from "
                  "`npm ci` in services/kpi-api/dashboard)",
                  missing);
  }
  bool complete = missing.empty();
  auto serve = [files, complete](const std::string& name, httplib::Response& res) {
    if (!complete) {
      throw http::ApiError(503, "dashboard_unavailable",
                           "the dashboard's files are not installed; the API under /v1 works");
    }
    auto it = files->find(name);
    if (it == files->end()) {
      throw http::ApiError(404, "not_found", "no dashboard file " + name);
    }
    send(it->second, res);
  };
  server.get("/", [serve](const httplib::Request&, httplib::Response& res) {
    serve("index.html", res);
  });
  server.get("/dashboard/([A-Za-z0-9._-]{1,64})",
             [serve](const httplib::Request& req, httplib::Response& res) {
               serve(req.matches[1].str(), res);
             });
}

}  // namespace analytics::kpi
