// docs/openapi.yaml is the API's contract: a route a service registers and the document does
// not describe is a test failure, not a surprise for a client.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "common/pg/connection_pool.hpp"
#include "dashboard_routes.hpp"
#include "kpi_routes.hpp"

namespace analytics {
namespace {

/// path -> methods (upper case) as documented under `paths:`.
std::map<std::string, std::set<std::string>> documented_operations() {
  std::ifstream in(std::string(ANALYTICS_SOURCE_DIR) + "/docs/openapi.yaml");
  EXPECT_TRUE(in) << "docs/openapi.yaml";
  static const std::regex kPath(R"(^  (/[^:\s]*):\s*$)");
  static const std::regex kMethod(R"(^    (get|post|put|delete|patch):)");
  std::map<std::string, std::set<std::string>> out;
  std::string line, current;
  bool in_paths = false;
  std::smatch m;
  while (std::getline(in, line)) {
    if (line == "paths:") in_paths = true;
    if (line == "components:") in_paths = false;
    if (!in_paths) continue;
    if (std::regex_match(line, m, kPath)) {
      current = m[1];
    } else if (!current.empty() && std::regex_search(line, m, kMethod)) {
      std::string method = m[1];
      for (auto& c : method) c = static_cast<char>(std::toupper(c));
      out[current].insert(method);
    }
  }
  return out;
}

/// The documented form of a route pattern: cpp-httplib's regular expressions as OpenAPI
/// templates, e.g. "/v1/load/([0-9a-f-]{36})" -> "/v1/load/{...}" matched by prefix.
bool documented(const std::map<std::string, std::set<std::string>>& docs,
                const std::string& method, const std::string& pattern) {
  auto it = docs.find(pattern);
  if (it != docs.end()) return it->second.count(method) > 0;
  // A regex route: some documented template with a {parameter} where the group is.
  std::string prefix = pattern.substr(0, pattern.find('('));
  for (const auto& [path, methods] : docs) {
    if (path.rfind(prefix + "{", 0) == 0 && methods.count(method)) return true;
  }
  return false;
}

TEST(OpenApiRoutesTest, EveryRouteKpiApiRegistersIsDocumented) {
  auto docs = documented_operations();
  ASSERT_FALSE(docs.empty());
  metrics::Registry registry;
  pg::ConnectionPool pool("postgresql://nobody@127.0.0.1:1/none", 1);
  http::Server server("kpi-api", registry);
  kpi::register_kpi_routes(server, pool, registry);
  kpi::register_dashboard_routes(server, "/nonexistent");
  ASSERT_GE(server.routes().size(), 20u);
  for (const auto& [method, pattern] : server.routes()) {
    EXPECT_TRUE(documented(docs, method, pattern)) << method << " " << pattern
                                                   << " is not in docs/openapi.yaml";
  }
}

TEST(OpenApiRoutesTest, TheCheckFindsAnUndocumentedRoute) {
  auto docs = documented_operations();
  EXPECT_TRUE(documented(docs, "GET", "/v1/kpi/summary"));
  EXPECT_FALSE(documented(docs, "POST", "/v1/kpi/summary"));
  EXPECT_FALSE(documented(docs, "GET", "/v1/kpi/not-a-kpi"));
}

}  // namespace
}  // namespace analytics
