#include "dashboard_routes.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "answer_cache.hpp"

namespace analytics::kpi {
namespace {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::string etag;
};

struct Source {
  const char* name;  // as served under /dashboard/
  const char* path;  // below the dashboard directory
  const char* content_type;
};

// The only files ever read. Request paths are looked up in this list, never joined to `dir`.
constexpr Source kFiles[] = {
    {"index.html", "index.html", "text/html; charset=utf-8"},
    {"app.js", "app.js", "text/javascript; charset=utf-8"},
    {"style.css", "style.css", "text/css; charset=utf-8"},
    {"chart.umd.js", "node_modules/chart.js/dist/chart.umd.js", "text/javascript; charset=utf-8"},
};

struct Dashboard {
  std::map<std::string, StaticFile> files;
  std::vector<std::string> missing;  // relative paths, as the 503 names them
};

void send(const StaticFile& file, const httplib::Request& req, httplib::Response& res) {
  // The files change only with a deployment: browsers keep them but revalidate each load,
  // which costs a 304 (not Chart.js's 200 KB) while nothing changed.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", file.etag);
  res.set_header("X-Content-Type-Options", "nosniff");
  // Everything the page loads or fetches is same-origin: no CDN, no inline script.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  if (etag_matches(req.get_header_value("If-None-Match"), file.etag)) {
    res.status = 304;
    return;
  }
  res.set_content(file.body, file.content_type);
}

}  // namespace

void register_dashboard_routes(http::Server& server, const std::string& dir) {
  auto dashboard = std::make_shared<Dashboard>();
  for (const auto& f : kFiles) {
    std::ifstream in(dir + "/" + f.path, std::ios::binary);
    std::ostringstream body;
    if (in) body << in.rdbuf();
    if (!in || body.str().empty()) {
      dashboard->missing.emplace_back(f.path);
      continue;
    }
    dashboard->files[f.name] =
        StaticFile{f.content_type, body.str(), derive_etag(f.name, body.str())};
  }
  if (!dashboard->missing.empty()) {
    std::string list;
    for (const auto& m : dashboard->missing) list += (list.empty() ? "" : ", ") + m;
    if (!std::filesystem::is_directory(dir)) {
      spdlog::error(
          "the dashboard is unavailable: DASHBOARD_DIR {} is not a directory; GET / "
          "answers 503, the API works",
          dir);
    } else {
      spdlog::error(
          "the dashboard is unavailable: DASHBOARD_DIR {} lacks {} (Chart.js comes "
          "from `npm ci` there); GET / answers 503 until kpi-api restarts with them, "
          "the API works",
          dir, list);
    }
  }
  auto serve = [dashboard](const std::string& name, const httplib::Request& req,
                           httplib::Response& res) {
    bool known = false;
    for (const auto& f : kFiles) known = known || name == f.name;
    if (!known) throw http::ApiError(404, "not_found", "no dashboard file named " + name);
    if (!dashboard->missing.empty()) {
      throw http::ApiError(503, "dashboard_unavailable",
                           "the dashboard's files are not installed (run `npm ci` in its "
                           "directory and restart kpi-api); the API under /v1 works",
                           dashboard->missing);
    }
    send(dashboard->files.at(name), req, res);
  };
  server.get("/", [serve](const httplib::Request& req, httplib::Response& res) {
    serve("index.html", req, res);
  });
  // The pattern only bounds what reaches the lookup; the lookup is what makes it safe.
  server.get("/dashboard/([A-Za-z0-9._-]{1,64})",
             [serve](const httplib::Request& req, httplib::Response& res) {
               serve(req.matches[1].str(), req, res);
             });
}

}  // namespace analytics::kpi
