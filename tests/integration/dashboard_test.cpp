// The dashboard at GET / in a real browser (Debian's headless Chromium) against a warehouse
// filled by the real pipeline: every headline card and every row the charts draw must show
// the API's numbers. Saves a screenshot (dashboard.png in the test's working directory).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

using json = nlohmann::json;
constexpr const char* kChromium = "/usr/bin/chromium";

/// Runs `command` and returns what it printed on stdout.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

std::string chromium(const std::string& flags, const std::string& url) {
  // --no-sandbox: CI runs as root; a virtual-time budget lets the page's fetches and charts
  // finish before the DOM is dumped, without waiting in real time.
  return run(std::string(kChromium) +
             " --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
             " --hide-scrollbars --virtual-time-budget=15000 " +
             flags + " '" + url + "' 2>/dev/null");
}

/// data-<attr> values of each row of `<table data-table="name">`, by the row's data-key.
std::map<std::string, std::map<std::string, std::string>> table_rows(const std::string& dom,
                                                                     const std::string& name) {
  std::map<std::string, std::map<std::string, std::string>> rows;
  std::smatch t;
  if (!std::regex_search(dom, t, std::regex("<table data-table=\"" + name + "\">(.*?)</table>"))) {
    return rows;
  }
  std::string body = t[1];
  static const std::regex kRow(R"(<tr ([^>]*)>)");
  static const std::regex kAttr(R"re(data-([a-z]+)="([^"]*)")re");
  for (std::sregex_iterator r(body.begin(), body.end(), kRow), end; r != end; ++r) {
    std::string attrs = (*r)[1];
    std::map<std::string, std::string> values;
    for (std::sregex_iterator a(attrs.begin(), attrs.end(), kAttr); a != end; ++a) {
      values[(*a)[1]] = (*a)[2];
    }
    rows[values["key"]] = values;
  }
  return rows;
}

/// A number as the page shows it (JavaScript's String(n)) equals the API's JSON number.
void expect_number(const std::string& shown, const json& api, const std::string& what) {
  ASSERT_FALSE(shown.empty()) << what;
  EXPECT_NEAR(std::stod(shown), api.get<double>(), 1e-9) << what;
}

class DashboardTest : public PipelineTest {};

TEST_F(DashboardTest, TheChartsShowTheApisNumbersInARealBrowser) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium << " is missing: scripts/test.sh installs Debian's chromium";
  // A day of orders in every region and status, and a few sessions.
  std::string orders, clicks;
  const char* regions[] = {"APAC", "EU-West", "US-East"};
  const char* products[][2] = {{"Desk Lamp", "Home"}, {"Yoga Mat", "Fitness"},
                               {"Smart Watch", "Electronics"}, {"Phone Case", "Accessories"}};
  const char* statuses[] = {"completed", "returned", "pending"};
  for (int i = 1; i <= 24; ++i) {
    char id[40], day[32];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    std::snprintf(day, sizeof day, "2026-11-%02dT10:00:00Z", 2 + i % 9);
    orders += json{{"order_id", id}, {"customer_id", 100 + i % 7},
                   {"product", products[i % 4][0]}, {"category", products[i % 4][1]},
                   {"region", regions[i % 3]}, {"status", statuses[i % 3]},
                   {"quantity", 1 + i % 4}, {"price", 10.5 * i},
                   {"timestamp", day}}
                  .dump() +
              "\n";
  }
  const char* steps[] = {"product_view", "add_to_cart", "checkout_started", "purchase"};
  for (int i = 0; i < 16; ++i) {
    clicks += json{{"event_id", "e" + std::to_string(i)}, {"user_id", "u" + std::to_string(i % 5)},
                   {"session_id", "s" + std::to_string(i % 6)}, {"event_type", steps[i % 4]},
                   {"platform", i % 2 ? "WEB" : "IOS"}, {"occurred_at", "2026-11-03T09:00:00Z"},
                   {"product", "Desk Lamp"}, {"category", "Home"}, {"price", 39.99}}
                  .dump() +
              "\n";
  }
  post_ndjson("/v1/events/commerce.transaction", orders);
  post_ndjson("/v1/events/user.interaction", clicks);
  ASSERT_EQ(wait_count("gold.fact_orders", 24), "24");
  ASSERT_EQ(wait_count("silver.interactions", 16), "16");

  std::string url = "http://127.0.0.1:" + std::to_string(kpi_port_) + "/";
  std::string dom = chromium("--dump-dom", url);
  ASSERT_THAT(dom, ::testing::HasSubstr("data-state=\"ready\"")) << dom.substr(0, 3000);

  httplib::Client api("127.0.0.1", kpi_port_);
  auto data = [&](const std::string& path) {
    auto res = api.Get(path.c_str());
    EXPECT_TRUE(res && res->status == 200) << path;
    return json::parse(res->body)["data"];
  };

  json summary = data("/v1/kpi/summary");
  static const std::regex kCard(R"re(data-kpi="([a-z_]+)" data-value="([^"]*)")re");
  std::map<std::string, std::string> cards;
  for (std::sregex_iterator c(dom.begin(), dom.end(), kCard), end; c != end; ++c) {
    cards[(*c)[1]] = (*c)[2];
  }
  ASSERT_EQ(cards.size(), 5u) << dom.substr(0, 3000);
  for (const auto& [kpi, shown] : cards) expect_number(shown, summary[kpi], kpi);

  json regions_api = data("/v1/kpi/sales-by-region");
  auto regions_shown = table_rows(dom, "region");
  ASSERT_EQ(regions_shown.size(), regions_api.size());
  for (const auto& r : regions_api) {
    const auto& row = regions_shown[r["region"]];
    expect_number(row.at("revenue"), r["revenue"], "region revenue");
    expect_number(row.at("share"), r["revenue_share_pct"], "region share");
  }

  json products_api = data("/v1/kpi/sales-by-product?limit=10");
  auto products_shown = table_rows(dom, "products");
  ASSERT_EQ(products_shown.size(), products_api.size());
  for (const auto& p : products_api) {
    expect_number(products_shown[p["product"]].at("revenue"), p["revenue"], "product revenue");
  }

  json daily_api = data("/v1/kpi/daily-revenue");
  auto daily_shown = table_rows(dom, "daily");
  ASSERT_EQ(daily_shown.size(), daily_api.size());
  for (const auto& d : daily_api) {
    expect_number(daily_shown[d["date"]].at("revenue"), d["revenue"], "daily revenue");
    expect_number(daily_shown[d["date"]].at("avg"), d["revenue_7day_avg"], "7-day average");
  }

  json status_api = data("/v1/kpi/order-status");
  auto status_shown = table_rows(dom, "status");
  ASSERT_EQ(status_shown.size(), status_api.size());
  for (const auto& s : status_api) {
    expect_number(status_shown[s["status"]].at("orders"), s["orders"], "status orders");
  }
  json funnel_api = data("/v1/kpi/funnel?limit=1000");
  auto funnel_shown = table_rows(dom, "funnel");
  int64_t views = 0;
  for (const auto& f : funnel_api) views += f["product_views"].get<int64_t>();
  EXPECT_EQ(funnel_shown["product_views"].at("events"), std::to_string(views));
  EXPECT_EQ(table_rows(dom, "dau").size(), data("/v1/kpi/dau").size());

  std::string shot = (std::filesystem::current_path() / "dashboard.png").string();
  std::filesystem::remove(shot);
  chromium("--screenshot=" + shot + " --window-size=1400,2400", url);
  ASSERT_TRUE(std::filesystem::exists(shot)) << shot;
  EXPECT_GT(std::filesystem::file_size(shot), 50000u) << "a blank page is a few KB";
  std::printf("dashboard screenshot: %s\n", shot.c_str());
}

TEST_F(DashboardTest, OnlyTheDashboardsOwnFilesAreServed) {
  httplib::Client client("127.0.0.1", kpi_port_);
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(page->get_header_value("Content-Security-Policy"), ::testing::HasSubstr("'self'"));
  for (const char* file : {"app.js", "style.css", "chart.umd.js"}) {
    auto res = client.Get((std::string("/dashboard/") + file).c_str());
    ASSERT_TRUE(res) << file;
    EXPECT_EQ(res->status, 200) << file;
  }
  EXPECT_THAT(client.Get("/dashboard/chart.umd.js")->body, ::testing::HasSubstr("Chart"));
  for (const char* hostile : {"/dashboard/package.json", "/dashboard/..%2f..%2fmain.cpp",
                              "/dashboard/../main.cpp", "/dashboard/%2e%2e/CMakeLists.txt",
                              "/dashboard/node_modules", "/dashboard/", "/index.html"}) {
    auto res = client.Get(hostile);
    ASSERT_TRUE(res) << hostile;
    EXPECT_EQ(res->status, 404) << hostile << " " << res->body;
  }
}

}  // namespace
}  // namespace analytics::testing
