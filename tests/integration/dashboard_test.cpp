// The dashboard at GET / in a real browser (Debian's headless Chromium) against a warehouse
// filled by the real pipeline with seeded eventgen batches: every headline card and every row
// behind every chart must show the API's numbers, unfiltered, filtered by region and dates (the
// page's URL fragment), and an API error must be shown, not swallowed. Saves a screenshot,
// dashboard.png, in the test's working directory (build/tests under ctest).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kChromium = "/usr/bin/chromium";
// A fixed anchor: the seeded batches, and so every figure, are the same on every run.
constexpr const char* kAsOf = "2026-11-20T12:00:00Z";

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct BrowserRun {
  int exit_code = -1;
  std::string out;  // stdout: the DOM for --dump-dom
  std::string err;  // stderr, for the failure message
};

/// Runs headless Chromium on `url` with a fresh profile (a leftover profile lock or cache
/// never decides a run). The virtual-time budget lets the page's fetches and charts finish
/// (virtual time waits for pending fetches) without waiting in real time.
BrowserRun chromium(const std::string& flags, const std::string& url, int budget_ms) {
  fs::path tmp = fs::temp_directory_path() / ("dashboard-test-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "profile");
  std::string command = std::string(kChromium) +
                        " --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
                        " --no-first-run --disable-background-networking"
                        " --disable-component-update --disable-sync --hide-scrollbars"
                        " --user-data-dir=" +
                        (tmp / "profile").string() +
                        " --virtual-time-budget=" + std::to_string(budget_ms) + " " + flags + " '" +
                        url + "' 2>" + (tmp / "stderr").string();
  BrowserRun run;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
    int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  run.err = slurp(tmp / "stderr");
  if (run.err.size() > 3000) run.err = run.err.substr(run.err.size() - 3000);
  fs::remove_all(tmp);
  return run;
}

/// The page's DOM once it reached `state` (ready or error), trying again with a longer budget
/// while the charts' data is not there yet (a loaded machine).
std::string dom_when(const std::string& url, const std::string& state) {
  std::string last;
  for (int budget_ms : {15000, 30000, 60000}) {
    BrowserRun run = chromium("--dump-dom", url, budget_ms);
    last = "exit " + std::to_string(run.exit_code) + "\nstderr:\n" + run.err + "\nDOM:\n" +
           run.out.substr(0, 4000);
    if (run.exit_code == 0 && run.out.find("data-state=\"" + state + "\"") != std::string::npos) {
      return run.out;
    }
  }
  ADD_FAILURE() << url << " never reached data-state=\"" << state << "\":\n" << last;
  return "";
}

std::string unescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&quot;", "\""}, {"&#39;", "'"},         {"&lt;", "<"},
      {"&gt;", ">"},    {"&nbsp;", "\xC2\xA0"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities) {
    for (size_t at = s.find(entity); at != std::string::npos; at = s.find(entity, at + 1)) {
      s.replace(at, std::string(entity).size(), text);
    }
  }
  return s;
}

using Attributes = std::map<std::string, std::string>;

/// The attributes of the start tag `tag` (e.g. `<tr data-key="x" …>`), values unescaped.
Attributes attributes(const std::string& tag) {
  Attributes out;
  size_t at = tag.find(' ');
  while (at != std::string::npos) {
    size_t eq = tag.find("=\"", at);
    if (eq == std::string::npos) break;
    size_t end = tag.find('"', eq + 2);
    if (end == std::string::npos) break;
    size_t name_start = tag.find_first_not_of(' ', at);
    out[tag.substr(name_start, eq - name_start)] = unescape(tag.substr(eq + 2, end - eq - 2));
    at = end + 1;
  }
  return out;
}

/// The rows of `<table data-table="name">`, in the page's order: each row's data-* attributes.
std::vector<Attributes> table_rows(const std::string& dom, const std::string& name) {
  std::vector<Attributes> rows;
  size_t start = dom.find("<table data-table=\"" + name + "\"");
  if (start == std::string::npos) return rows;
  size_t end = dom.find("</table>", start);
  for (size_t tr = dom.find("<tr ", start); tr < end; tr = dom.find("<tr ", tr + 1)) {
    rows.push_back(attributes(dom.substr(tr, dom.find('>', tr) - tr)));
  }
  return rows;
}

/// The headline cards: data-kpi -> data-value.
std::map<std::string, std::string> cards(const std::string& dom) {
  std::map<std::string, std::string> out;
  for (size_t at = dom.find("data-kpi=\""); at != std::string::npos;
       at = dom.find("data-kpi=\"", at + 1)) {
    size_t tag = dom.rfind('<', at);
    Attributes a = attributes(dom.substr(tag, dom.find('>', at) - tag));
    out[a["data-kpi"]] = a["data-value"];
  }
  return out;
}

/// What the page shows for a field equals the API's value: numbers as numbers (the page writes
/// JavaScript's String(n) of the JSON number), text and null ("") as they are.
void expect_shown(const std::string& shown, const json& api, const std::string& what) {
  if (api.is_number()) {
    ASSERT_FALSE(shown.empty()) << what << " is not shown";
    EXPECT_DOUBLE_EQ(std::stod(shown), api.get<double>()) << what;
  } else if (api.is_null()) {
    EXPECT_EQ(shown, "") << what;
  } else {
    EXPECT_EQ(shown, api.get<std::string>()) << what;
  }
}

/// Every row of a chart's table equals the API's rows, in the API's order: the key, and each
/// of `fields`.
void expect_table(const std::string& dom, const std::string& table, const json& api,
                  const std::string& key, const std::vector<std::string>& fields) {
  auto rows = table_rows(dom, table);
  ASSERT_EQ(rows.size(), api.size()) << "rows of the " << table << " chart";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string where = table + " row " + std::to_string(i) + " (" + rows[i]["data-key"] + ")";
    expect_shown(rows[i]["data-key"], api[i][key], where + " " + key);
    for (const auto& f : fields) {
      ASSERT_TRUE(rows[i].count("data-" + f)) << where << " has no data-" << f;
      expect_shown(rows[i]["data-" + f], api[i][f], where + " " + f);
    }
  }
}

class DashboardTest : public PipelineTest {
 protected:
  /// A seeded batch from the fixture's eventgen, without dirt, streamed through the gateway.
  /// Returns how many events it held.
  size_t stream(const std::string& type, const std::string& source, uint64_t seed,
                const std::string& as_of, int count) {
    httplib::Client eventgen("127.0.0.1", eventgen_port_);
    std::string path = "/v1/" + source + "?format=ndjson&count=" + std::to_string(count) +
                       "&seed=" + std::to_string(seed) + "&as_of=" + as_of +
                       "&malformed_timestamp_rate=0&missing_field_rate=0&duplicate_rate=0";
    auto res = eventgen.Get(path.c_str());
    EXPECT_TRUE(res && res->status == 200) << path;
    if (!res || res->status != 200) return 0;
    post_ndjson("/v1/events/" + type, res->body);
    size_t events = 0;
    for (char c : res->body) events += c == '\n';
    return events;
  }

  json api(const std::string& path) {
    httplib::Client client("127.0.0.1", kpi_port_);
    auto res = client.Get(path.c_str());
    EXPECT_TRUE(res && res->status == 200) << path << " " << (res ? res->body : "no answer");
    return res && res->status == 200 ? json::parse(res->body)["data"] : json::array();
  }

  /// Every card and every chart's rows of `dom` against the API asked with the page's filters.
  void expect_dom_equals_api(const std::string& dom, const std::string& from, const std::string& to,
                             const std::string& region) {
    // The parameters the page sends: the region only to the order endpoints.
    auto query = [](std::initializer_list<std::pair<const char*, std::string>> params) {
      std::string q;
      for (const auto& [name, value] : params) {
        if (!value.empty()) q += (q.empty() ? "" : "&") + std::string(name) + "=" + value;
      }
      return q;
    };
    std::string dates = query({{"from", from}, {"to", to}});
    std::string orders = query({{"from", from}, {"to", to}, {"region", region}});

    json summary = api("/v1/kpi/summary?" + orders);
    auto shown = cards(dom);
    ASSERT_EQ(shown.size(), 5u);
    for (const auto& [kpi, value] : shown) expect_shown(value, summary[kpi], "card " + kpi);

    expect_table(dom, "region", api("/v1/kpi/sales-by-region?" + dates), "region",
                 {"orders", "revenue", "revenue_share_pct"});
    expect_table(dom, "products", api("/v1/kpi/sales-by-product?limit=10&" + orders), "product",
                 {"category", "orders", "units", "revenue", "revenue_rank"});
    expect_table(dom, "categories", api("/v1/kpi/sales-by-category?" + orders), "category",
                 {"orders", "units", "revenue", "revenue_share_pct"});
    expect_table(dom, "daily", api("/v1/kpi/daily-revenue?" + orders), "date",
                 {"orders", "revenue", "revenue_7day_avg"});
    expect_table(dom, "status", api("/v1/kpi/order-status?" + orders), "status",
                 {"orders", "revenue", "orders_pct"});
    expect_table(dom, "weekend", api("/v1/kpi/weekend-vs-weekday?" + orders), "day_type",
                 {"days", "orders", "revenue", "revenue_per_day"});
    expect_table(dom, "dau", api("/v1/kpi/dau?" + dates), "date",
                 {"platform", "dau", "sessions", "events"});

    json funnel = api("/v1/kpi/funnel?limit=1000&" + dates);
    ASSERT_LT(funnel.size(), 1000u);
    json sums = json::array();
    for (const char* step : {"product_views", "add_to_cart", "checkout_started", "purchases"}) {
      int64_t sum = 0;
      for (const auto& row : funnel) sum += row[step].get<int64_t>();
      sums.push_back({{"step", step}, {"events", sum}});
    }
    expect_table(dom, "funnel", sums, "step", {"events"});
  }
};

TEST_F(DashboardTest, TheChartsShowTheApisNumbersInARealBrowser) {
  ASSERT_TRUE(fs::exists(kChromium))
      << kChromium << " is missing: install Debian's chromium (scripts/test.sh does)";
  {
    httplib::Client client("127.0.0.1", kpi_port_);
    for (const char* file : {"/", "/dashboard/app.js", "/dashboard/chart.umd.js"}) {
      auto res = client.Get(file);
      ASSERT_TRUE(res && res->status == 200)
          << file << " is not served: " << (res ? res->body : "no answer")
          << " (Chart.js: `npm ci` in services/kpi-api/dashboard; scripts/lib.sh build does it)";
    }
  }

  // Seed 003's catalogue: 15 products in 5 categories and 5 regions, orders over the 30 days
  // before the anchor (so "top 10" cuts and the 7-day average moves); sessions on three days.
  size_t orders = stream("commerce.transaction", "transactions", 3, kAsOf, 600);
  size_t clicks = stream("user.interaction", "interactions", 31, "2026-11-14T12:00:00Z", 300) +
                  stream("user.interaction", "interactions", 32, "2026-11-17T12:00:00Z", 300) +
                  stream("user.interaction", "interactions", 33, kAsOf, 300);
  ASSERT_EQ(orders, 600u);
  ASSERT_EQ(wait_count("gold.fact_orders", orders), std::to_string(orders));
  ASSERT_EQ(wait_count("silver.interactions", clicks), std::to_string(clicks));

  std::string page = "http://127.0.0.1:" + std::to_string(kpi_port_) + "/";
  {
    SCOPED_TRACE("unfiltered");
    std::string dom = dom_when(page, "ready");
    ASSERT_FALSE(dom.empty());
    EXPECT_EQ(table_rows(dom, "products").size(), 10u) << "top 10 of 15 products";
    EXPECT_EQ(table_rows(dom, "region").size(), 5u);
    EXPECT_GE(table_rows(dom, "daily").size(), 28u);
    expect_dom_equals_api(dom, "", "", "");
  }
  {
    // What a user gets by choosing a region and dates (the form writes them to the fragment).
    SCOPED_TRACE("filtered by region and dates");
    json daily = api("/v1/kpi/daily-revenue");
    ASSERT_GE(daily.size(), 20u);
    std::string from = daily[5]["date"], to = daily[18]["date"];
    std::string region = api("/v1/kpi/sales-by-region")[1]["region"];
    std::string dom = dom_when(page + "#from=" + from + "&to=" + to + "&region=" + region, "ready");
    ASSERT_FALSE(dom.empty());
    EXPECT_NE(
        api("/v1/kpi/summary")["total_orders"],
        api("/v1/kpi/summary?from=" + from + "&to=" + to + "&region=" + region)["total_orders"])
        << "the filter must change what is shown";
    expect_dom_equals_api(dom, from, to, region);
  }
  {
    // An answer the API refuses (the range ends before it starts) is shown with its reason.
    SCOPED_TRACE("an API error");
    std::string dom = dom_when(page + "#from=2026-11-10&to=2026-11-01", "error");
    ASSERT_FALSE(dom.empty());
    EXPECT_THAT(dom, HasSubstr("data-error-code=\"invalid_parameter\""));
    EXPECT_THAT(dom, HasSubstr("query parameter 'to' is before 'from'"));
  }

  fs::path shot = fs::current_path() / "dashboard.png";
  fs::remove(shot);
  BrowserRun run =
      chromium("--screenshot=" + shot.string() + " --window-size=1400,2000", page, 15000);
  ASSERT_TRUE(fs::exists(shot)) << shot << " not written; exit " << run.exit_code << "\n"
                                << run.err;
  std::string png = slurp(shot);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A blank or error page of this size is under 30 KB; the charts make it several times that.
  EXPECT_GT(png.size(), 80000u) << "the screenshot looks empty: " << shot;
  std::printf("dashboard screenshot: %s (%zu bytes)\n", shot.c_str(), png.size());
}

}  // namespace
}  // namespace analytics::testing
