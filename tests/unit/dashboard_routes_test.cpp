// Component test: the dashboard's routes on a real http::Server, over dashboard directories
// made here (complete, without Chart.js, absent).
#include "dashboard_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/metrics/metrics.hpp"

namespace analytics::kpi {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

/// A dashboard directory with the four files it is made of, plus files it must never serve.
class DashboardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("dashboard-" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    dir_ = root_ / "dashboard";
    fs::remove_all(root_);
    write(dir_ / "index.html", "<!doctype html><title>page</title>");
    write(dir_ / "app.js", "'use strict';");
    write(dir_ / "style.css", "body {}");
    write(dir_ / "node_modules/chart.js/dist/chart.umd.js", "var Chart;");
    write(dir_ / "package.json", "{\"secret\": true}");
    write(dir_ / "node_modules/chart.js/package.json", "{\"secret\": true}");
    write(root_ / "outside.txt", "secret");
  }
  void TearDown() override {
    if (server_) server_->stop();
    fs::remove_all(root_);
  }

  httplib::Client& start(const fs::path& dir) {
    server_ = std::make_unique<http::Server>("kpi-api", registry_);
    register_dashboard_routes(*server_, dir.string());
    int port = server_->start("127.0.0.1", 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    return *client_;
  }

  fs::path root_, dir_;
  metrics::Registry registry_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(DashboardRoutesTest, ServesItsFilesWithTypeCachingAndValidators) {
  auto& client = start(dir_);
  struct Case {
    const char* path;
    const char* type;
    const char* body;
  };
  for (const Case& c :
       {Case{"/", "text/html; charset=utf-8", "<title>page</title>"},
        Case{"/dashboard/index.html", "text/html; charset=utf-8", "<title>"},
        Case{"/dashboard/app.js", "text/javascript; charset=utf-8", "use strict"},
        Case{"/dashboard/style.css", "text/css; charset=utf-8", "body {}"},
        Case{"/dashboard/chart.umd.js", "text/javascript; charset=utf-8", "var Chart;"}}) {
    auto res = client.Get(c.path);
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, 200) << c.path;
    EXPECT_EQ(res->get_header_value("Content-Type"), c.type) << c.path;
    EXPECT_THAT(res->body, HasSubstr(c.body)) << c.path;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache") << c.path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << c.path;
    EXPECT_THAT(res->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"))
        << c.path;
    std::string etag = res->get_header_value("ETag");
    ASSERT_FALSE(etag.empty()) << c.path;
    // Revalidation costs a 304 without the body while the file is unchanged.
    auto again = client.Get(c.path, {{"If-None-Match", etag}});
    ASSERT_TRUE(again) << c.path;
    EXPECT_EQ(again->status, 304) << c.path;
    EXPECT_TRUE(again->body.empty()) << c.path;
  }
  EXPECT_NE(client.Get("/dashboard/app.js")->get_header_value("ETag"),
            client.Get("/dashboard/style.css")->get_header_value("ETag"));
}

TEST_F(DashboardRoutesTest, NothingOutsideItsFixedListIsEverServed) {
  auto& client = start(dir_);
  for (const char* path :
       {"/dashboard/package.json", "/dashboard/..", "/dashboard/../outside.txt",
        "/dashboard/..%2foutside.txt", "/dashboard/%2e%2e%2foutside.txt",
        "/dashboard/node_modules/chart.js/package.json", "/dashboard/node_modules",
        "/dashboard/chart.js", "/dashboard/", "/dashboard", "/index.html", "/app.js",
        "/dashboard/APP.JS", "/dashboard/app.js%00.png", "/dashboard//etc/passwd"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path << " " << res->body;
    EXPECT_THAT(res->body, ::testing::Not(HasSubstr("secret"))) << path;
    EXPECT_EQ(nlohmann::json::parse(res->body)["error"]["code"], "not_found") << path;
  }
  // The page takes no query parameters (its filters live in the URL's fragment).
  auto res = client.Get("/?region=APAC");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
}

TEST_F(DashboardRoutesTest, WithoutChartJsThePageIsA503NamingWhatIsMissing) {
  fs::remove_all(dir_ / "node_modules");
  auto& client = start(dir_);
  for (const char* path : {"/", "/dashboard/app.js", "/dashboard/chart.umd.js"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path;
    auto error = nlohmann::json::parse(res->body)["error"];
    EXPECT_EQ(error["code"], "dashboard_unavailable") << path;
    EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("npm ci"));
    EXPECT_THAT(error["details"], ElementsAre("node_modules/chart.js/dist/chart.umd.js"));
  }
  // Names outside the list stay 404, whatever is installed.
  EXPECT_EQ(client.Get("/dashboard/package.json")->status, 404);
}

TEST_F(DashboardRoutesTest, AMissingDirectoryIsA503NotACrash) {
  auto& client = start(dir_ / "does-not-exist");
  auto res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(nlohmann::json::parse(res->body)["error"]["details"].size(), 4u) << res->body;
  EXPECT_EQ(client.Get("/healthz")->status, 200);
}

}  // namespace
}  // namespace analytics::kpi
