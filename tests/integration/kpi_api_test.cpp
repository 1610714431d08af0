// kpi-api's endpoints against a warehouse filled by the real pipeline. Every expected figure is
// computed here from the events sent (plain C++ over the lists below), never by the warehouse's
// SQL, for each filter; plus what a hostile or careless client tries, caching, roles and the
// warehouse failing in the ways a reader sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "common/pg/connection_pool.hpp"
#include "kpi_routes.hpp"
#include "pipeline_fixture.hpp"
#include "read_only_role.hpp"

namespace analytics::testing {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// ---------------------------------------------------------------- what is sent
struct Order {
  int n;
  int customer;
  std::string product, category, region, status;
  int quantity;
  int64_t price_cents;
  std::string day;  // YYYY-MM-DD, ordered at 10:00 UTC
  int64_t revenue() const { return quantity * price_cents; }
};

// 1-10 November 2026: Sun 1, Sat 7 and Sun 8 are weekend days.
const std::vector<Order> kOrders = {
    {1, 101, "Desk Lamp", "Home", "APAC", "completed", 2, 1000, "2026-11-01"},
    {2, 102, "Office Chair", "Furniture", "EU", "completed", 1, 10000, "2026-11-02"},
    {3, 101, "Desk Lamp", "Home", "EU", "returned", 1, 1000, "2026-11-02"},
    {4, 103, "Office Chair", "Furniture", "APAC", "pending", 3, 10000, "2026-11-04"},
    {5, 104, "Standing Desk", "Furniture", "US", "completed", 1, 5000, "2026-11-05"},
    {6, 102, "Standing Desk", "Furniture", "APAC", "completed", 2, 5000, "2026-11-07"},
    {7, 105, "Desk Lamp", "Home", "US", "returned", 4, 1000, "2026-11-08"},
    {8, 103, "Office Chair", "Furniture", "EU", "completed", 1, 10000, "2026-11-09"},
    {9, 106, "Desk Lamp", "Home", "APAC", "pending", 1, 1000, "2026-11-10"},
    {10, 104, "Office Chair", "Furniture", "US", "completed", 2, 10000, "2026-11-10"},
};

std::string order_json(const Order& o) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", o.n);
  return json{{"order_id", id},
              {"customer_id", o.customer},
              {"product", o.product},
              {"category", o.category},
              {"region", o.region},
              {"status", o.status},
              {"quantity", o.quantity},
              {"price", static_cast<double>(o.price_cents) / 100},
              {"timestamp", o.day + "T10:00:00Z"}}
      .dump();
}

struct Click {
  std::string id, user, session, type, platform, at;  // at: ISO-8601 UTC
  std::string product, category;
  int64_t price_cents = 0;
  std::string utm_source, utm_campaign;
  std::string day() const { return at.substr(0, 10); }
  std::string hour() const { return at.substr(0, 13) + ":00:00Z"; }
};

Click click(std::string id, std::string user, std::string session, std::string type,
            std::string platform, std::string at, std::string product = "",
            std::string category = "", int64_t price_cents = 0, std::string utm_source = "",
            std::string utm_campaign = "") {
  return Click{id, user, session, type, platform, at, product, category, price_cents, utm_source,
               utm_campaign};
}

const std::vector<Click> kClicks = {
    click("e1", "u1", "s1", "page_view", "WEB", "2026-11-03T09:00:00Z", "", "", 0, "google", "brand"),
    click("e2", "u1", "s1", "product_view", "WEB", "2026-11-03T09:01:00Z", "Desk Lamp", "Home", 1999),
    click("e3", "u1", "s1", "add_to_cart", "WEB", "2026-11-03T09:02:00Z", "Desk Lamp", "Home", 1999),
    click("e4", "u1", "s1", "purchase", "WEB", "2026-11-03T09:05:00Z", "Desk Lamp", "Home", 1999),
    click("e5", "u2", "s2", "product_view", "IOS", "2026-11-03T09:30:00Z", "Office Chair", "Furniture",
     14950, "tiktok", "collab"),
    click("e6", "u2", "s2", "product_view", "IOS", "2026-11-03T10:10:00Z", "Desk Lamp", "Home", 1999),
    click("e7", "u2", "s3", "checkout_started", "WEB", "2026-11-03T10:20:00Z", "Office Chair",
     "Furniture", 14950),
    click("e8", "u3", "s4", "product_view", "ANDROID", "2026-11-04T08:00:00Z", "Office Chair",
     "Furniture", 14950, "google", "brand"),
    click("e9", "u3", "s4", "purchase", "ANDROID", "2026-11-04T08:03:00Z", "Office Chair", "Furniture",
     14950),
    click("e10", "u1", "s5", "product_view", "WEB", "2026-11-04T12:00:00Z", "Office Chair",
     "Furniture", 14950),
    click("e11", "u4", "s6", "search", "WEB", "2026-11-05T07:00:00Z"),
    click("e12", "u4", "s6", "product_view", "WEB", "2026-11-05T07:01:00Z", "Desk Lamp", "Home", 1999,
     "newsletter", "weekly"),
};

std::string click_json(const Click& c) {
  json j = {{"event_id", c.id},       {"user_id", c.user},         {"session_id", c.session},
            {"event_type", c.type},   {"platform", c.platform},   {"occurred_at", c.at}};
  if (!c.product.empty()) {
    j["product"] = c.product;
    j["category"] = c.category;
    j["price"] = static_cast<double>(c.price_cents) / 100;
  }
  if (!c.utm_source.empty()) {
    j["properties"] = {{"utm_source", c.utm_source}, {"utm_campaign", c.utm_campaign}};
  }
  return j.dump();
}

// ---------------------------------------------------------------- arithmetic as PostgreSQL's
/// round(part / whole, 2) in hundredths, half away from zero, for non-negative integers.
int64_t hundredths(int64_t part, int64_t whole) { return (part * 100 * 2 + whole) / (2 * whole); }
/// A JSON number in hundredths.
int64_t in_hundredths(const json& v) { return std::llround(v.get<double>() * 100); }

// ---------------------------------------------------------------- the fixture
class KpiApiTest : public PipelineTest {
 public:
  void load_everything() {
    std::string orders, clicks;
    for (const auto& o : kOrders) orders += order_json(o) + "\n";
    for (const auto& c : kClicks) clicks += click_json(c) + "\n";
    post_ndjson("/v1/events/commerce.transaction", orders);
    post_ndjson("/v1/events/user.interaction", clicks);
    ASSERT_EQ(wait_count("gold.fact_orders", kOrders.size()), std::to_string(kOrders.size()));
    ASSERT_EQ(wait_count("silver.interactions", kClicks.size()), std::to_string(kClicks.size()));
  }

  /// GET `target` (path and query) and its JSON; fails the test unless the status is `status`.
  json get(const std::string& target, int status = 200) {
    httplib::Client client("127.0.0.1", kpi_port_);
    client.set_read_timeout(30, 0);
    auto res = client.Get(target.c_str());
    if (!res) {
      ADD_FAILURE() << target << ": no answer";
      return json();
    }
    EXPECT_EQ(res->status, status) << target << " " << res->body;
    return res->body.empty() ? json() : json::parse(res->body);
  }
};

// ---------------------------------------------------------------- orders
/// A filter as query parameters and as the same test in C++: `match` for everything but the
/// dates, and the date range (inclusive, "" = open).
struct OrderFilter {
  std::string query;
  std::function<bool(const Order&)> match = [](const Order&) { return true; };
  std::string from, to;
  bool in_range(const std::string& day) const {
    return (from.empty() || day >= from) && (to.empty() || day <= to);
  }
  bool keep(const Order& o) const { return match(o) && in_range(o.day); }
};

struct Cell {
  int64_t orders = 0, units = 0, revenue = 0;
  std::set<int> customers;
  std::set<std::string> days;
  void add(const Order& o) {
    ++orders;
    units += o.quantity;
    revenue += o.revenue();
    customers.insert(o.customer);
    days.insert(o.day);
  }
};

std::map<std::string, Cell> by(const std::function<bool(const Order&)>& keep,
                               const std::function<std::string(const Order&)>& key) {
  std::map<std::string, Cell> out;
  for (const auto& o : kOrders) {
    if (keep(o)) out[key(o)].add(o);
  }
  return out;
}

bool weekend(const std::string& day) {
  std::tm tm{};
  strptime(day.c_str(), "%Y-%m-%d", &tm);
  timegm(&tm);  // fills tm_wday
  return tm.tm_wday == 0 || tm.tm_wday == 6;
}

/// Checks one grouped endpoint: one row per group, each with its orders and revenue, and the
/// share of the total revenue (`share` column) or of the total orders (`orders_pct`).
void expect_groups(const json& rows, const std::map<std::string, Cell>& groups,
                   const std::string& key, const Cell& total) {
  ASSERT_EQ(rows.size(), groups.size()) << rows;
  for (const auto& r : rows) {
    const Cell& c = groups.at(r[key]);
    EXPECT_EQ(r["orders"], c.orders) << r;
    EXPECT_EQ(in_hundredths(r["revenue"]), c.revenue) << r;
    if (r.contains("units")) {
      EXPECT_EQ(r["units"], c.units) << r;
    }
    if (r.contains("revenue_share_pct")) {
      EXPECT_EQ(in_hundredths(r["revenue_share_pct"]), hundredths(c.revenue * 100, total.revenue));
    }
    if (r.contains("orders_pct")) {
      EXPECT_EQ(in_hundredths(r["orders_pct"]), hundredths(c.orders * 100, total.orders));
    }
  }
}

void expect_order_endpoints(KpiApiTest& t, const OrderFilter& f) {
  SCOPED_TRACE(f.query);
  auto keep = [&](const Order& o) { return f.keep(o); };
  std::string q = f.query.empty() ? "" : "?" + f.query;
  Cell total = by(keep, [](const Order&) { return std::string(); })[""];
  auto statuses = by(keep, [](const Order& o) { return o.status; });

  json s = t.get("/v1/kpi/summary" + q)["data"];
  EXPECT_EQ(s["total_orders"], total.orders);
  EXPECT_EQ(s["unique_customers"], total.customers.size());
  EXPECT_EQ(s["units_sold"], total.units);
  EXPECT_EQ(in_hundredths(s["total_revenue"]), total.revenue);
  EXPECT_EQ(in_hundredths(s["avg_order_value"]), hundredths(total.revenue, total.orders * 100));
  auto of_status = [&](const char* status) {
    auto it = statuses.find(status);
    return it == statuses.end() ? Cell{} : it->second;
  };
  EXPECT_EQ(in_hundredths(s["completed_revenue"]), of_status("completed").revenue);
  EXPECT_EQ(s["returned_orders"], of_status("returned").orders);

  // An endpoint grouping by a dimension does not take that dimension as a filter.
  auto filters = [&](const char* name) {
    return f.query.find(std::string(name) + "=") != std::string::npos;
  };
  json rows;
  if (!filters("region")) {
    rows = t.get("/v1/kpi/sales-by-region" + q)["data"];
    expect_groups(rows, by(keep, [](const Order& o) { return o.region; }), "region", total);
    for (size_t i = 1; i < rows.size(); ++i) {
      EXPECT_GE(rows[i - 1]["revenue"].get<double>(), rows[i]["revenue"].get<double>());
    }
  }
  if (!filters("category") && !filters("product")) {
    expect_groups(t.get("/v1/kpi/sales-by-category" + q)["data"],
                  by(keep, [](const Order& o) { return o.category; }), "category", total);
  }
  if (!filters("status")) {
    expect_groups(t.get("/v1/kpi/order-status" + q)["data"], statuses, "status", total);
  }

  // Products: the top two by revenue, ranked.
  auto products = by(keep, [](const Order& o) { return o.product; });
  if (!filters("product")) {
    rows = t.get("/v1/kpi/sales-by-product" + (q.empty() ? "?" : q + "&") + "limit=2")["data"];
    ASSERT_EQ(rows.size(), std::min<size_t>(2, products.size()));
    for (const auto& r : rows) {
      const Cell& c = products.at(r["product"]);
      EXPECT_EQ(r["units"], c.units);
      EXPECT_EQ(in_hundredths(r["revenue"]), c.revenue);
      int64_t higher = 0;
      for (const auto& [name, other] : products) higher += other.revenue > c.revenue;
      EXPECT_EQ(r["revenue_rank"], higher + 1);
    }
  }

  // The 7-day average: the day and the six before (also those before `from`), divided by 7.
  auto days = by(keep, [](const Order& o) { return o.day; });
  rows = t.get("/v1/kpi/daily-revenue" + q)["data"];
  ASSERT_EQ(rows.size(), days.size());
  for (const auto& r : rows) {
    std::string day = r["date"];
    EXPECT_EQ(in_hundredths(r["revenue"]), days.at(day).revenue);
    int64_t week = 0;
    for (const auto& o : kOrders) {  // every order is in November 2026
      int gap = std::stoi(day.substr(8)) - std::stoi(o.day.substr(8));
      if (f.match(o) && gap >= 0 && gap <= 6) week += o.revenue();
    }
    EXPECT_EQ(in_hundredths(r["revenue_7day_avg"]), hundredths(week, 700)) << day;
  }

  auto kinds = by(keep, [](const Order& o) { return weekend(o.day) ? "weekend" : "weekday"; });
  rows = t.get("/v1/kpi/weekend-vs-weekday" + q)["data"];
  expect_groups(rows, kinds, "day_type", total);
  for (const auto& r : rows) {
    const Cell& c = kinds.at(r["day_type"]);
    EXPECT_EQ(r["days"], c.days.size());
    EXPECT_EQ(in_hundredths(r["revenue_per_day"]),
              hundredths(c.revenue, static_cast<int64_t>(c.days.size()) * 100));
  }
}

TEST_F(KpiApiTest, EveryOrderEndpointEqualsTheOrdersSentUnderEachFilter) {
  load_everything();
  expect_order_endpoints(*this, {});
  expect_order_endpoints(*this, {"region=APAC", [](const Order& o) { return o.region == "APAC"; }, "", ""});
  expect_order_endpoints(*this, {"from=2026-11-04&to=2026-11-09", [](const Order&) { return true; },
                                 "2026-11-04", "2026-11-09"});
  expect_order_endpoints(*this, {"category=Furniture&status=completed", [](const Order& o) {
                                   return o.category == "Furniture" && o.status == "completed";
                                 }, "", ""});
  expect_order_endpoints(*this, {"product=Desk%20Lamp&from=2026-11-02",
                                 [](const Order& o) { return o.product == "Desk Lamp"; },
                                 "2026-11-02", ""});
  // A filter that matches nothing: zeros and empty lists, not errors.
  json s = get("/v1/kpi/summary?region=Atlantis")["data"];
  EXPECT_EQ(s["total_orders"], 0);
  EXPECT_EQ(s["unique_customers"], 0);
  EXPECT_TRUE(get("/v1/kpi/sales-by-region?from=2030-01-01")["data"].empty());
}

// ---------------------------------------------------------------- behaviour
using ClickFilter = std::function<bool(const Click&)>;

void expect_behaviour_endpoints(KpiApiTest& t, const std::string& query, const ClickFilter& keep) {
  SCOPED_TRACE(query);
  std::string q = query.empty() ? "" : "?" + query;

  // Funnel per product.
  std::map<std::string, std::map<std::string, int64_t>> funnel;
  for (const auto& c : kClicks) {
    if (keep(c) && !c.product.empty()) ++funnel[c.product][c.type];
  }
  json rows = t.get("/v1/kpi/funnel" + q)["data"];
  ASSERT_EQ(rows.size(), funnel.size());
  for (const auto& r : rows) {
    auto& f = funnel.at(r["product"]);
    EXPECT_EQ(r["product_views"], f["product_view"]);
    EXPECT_EQ(r["add_to_cart"], f["add_to_cart"]);
    EXPECT_EQ(r["checkout_started"], f["checkout_started"]);
    EXPECT_EQ(r["purchases"], f["purchase"]);
    if (f["product_view"]) {
      EXPECT_EQ(in_hundredths(r["conversion_pct"]), hundredths(f["purchase"] * 100, f["product_view"]));
    } else {
      EXPECT_TRUE(r["conversion_pct"].is_null());
    }
  }

  std::map<std::string, int64_t> views;
  for (const auto& c : kClicks) {
    if (keep(c) && c.type == "product_view") ++views[c.product];
  }
  // Rankings of products and activity per category take no product filter.
  if (query.find("product=") == std::string::npos) {
    rows = t.get("/v1/kpi/top-viewed-products" + q)["data"];
    ASSERT_EQ(rows.size(), views.size());
    for (const auto& r : rows) EXPECT_EQ(r["views"], views.at(r["product"]));

    std::map<std::pair<std::string, std::string>, int64_t> activity;
    for (const auto& c : kClicks) {
      if (keep(c) && !c.category.empty()) ++activity[{c.category, c.type}];
    }
    rows = t.get("/v1/kpi/category-activity" + q)["data"];
    ASSERT_EQ(rows.size(), activity.size());
    for (const auto& r : rows) {
      EXPECT_EQ(r["events"], activity.at({r["category"], r["event_type"]}));
    }
  }

  std::map<std::string, std::pair<int64_t, int64_t>> hours;  // events, purchase revenue
  for (const auto& c : kClicks) {
    if (!keep(c)) continue;
    ++hours[c.hour()].first;
    if (c.type == "purchase") hours[c.hour()].second += c.price_cents;
  }
  rows = t.get("/v1/kpi/hourly-revenue" + q)["data"];
  ASSERT_EQ(rows.size(), hours.size());
  for (const auto& r : rows) {
    EXPECT_EQ(r["events"], hours.at(r["hour"]).first) << r["hour"];
    EXPECT_EQ(in_hundredths(r["revenue"]), hours.at(r["hour"]).second) << r["hour"];
  }
}

TEST_F(KpiApiTest, EveryBehaviourEndpointEqualsTheEventsSentUnderEachFilter) {
  load_everything();
  expect_behaviour_endpoints(*this, "", [](const Click&) { return true; });
  expect_behaviour_endpoints(*this, "platform=WEB", [](const Click& c) { return c.platform == "WEB"; });
  expect_behaviour_endpoints(*this, "from=2026-11-04&to=2026-11-04",
                             [](const Click& c) { return c.day() == "2026-11-04"; });
  expect_behaviour_endpoints(*this, "category=Home", [](const Click& c) { return c.category == "Home"; });
  expect_behaviour_endpoints(*this, "product=Office%20Chair",
                             [](const Click& c) { return c.product == "Office Chair"; });

  // DAU and sessions per day and platform, and across platforms.
  std::map<std::pair<std::string, std::string>, std::pair<std::set<std::string>, std::set<std::string>>>
      dau;
  std::map<std::pair<std::string, std::string>, int64_t> events;
  for (const auto& c : kClicks) {
    for (const std::string& platform : {c.platform, std::string()}) {
      dau[{c.day(), platform}].first.insert(c.user);
      dau[{c.day(), platform}].second.insert(c.session);
    }
    ++events[{c.day(), c.platform}];
  }
  json rows = get("/v1/kpi/dau")["data"];
  ASSERT_EQ(rows.size(), events.size());
  for (const auto& r : rows) {
    std::pair<std::string, std::string> key{r["date"], r["platform"]};
    EXPECT_EQ(r["dau"], dau.at(key).first.size());
    EXPECT_EQ(r["sessions"], dau.at(key).second.size());
    EXPECT_EQ(r["events"], events.at(key));
    EXPECT_EQ(r["late_arrivals"], events.at(key));  // sent days after they happened
  }
  EXPECT_EQ(get("/v1/kpi/dau?platform=IOS")["data"].size(), 1u);
  rows = get("/v1/kpi/user-activity")["data"];
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    EXPECT_EQ(r["unique_users"], dau.at({r["date"], ""}).first.size());
    EXPECT_EQ(r["sessions"], dau.at({r["date"], ""}).second.size());
  }
  rows = get("/v1/kpi/user-activity?platform=WEB&from=2026-11-03&to=2026-11-03")["data"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["unique_users"], dau.at({"2026-11-03", "WEB"}).first.size());

  // First touch: u1 google/brand (purchased after), u2 tiktok/collab (never purchased), u3
  // google/brand (purchased after), u4 newsletter/weekly on 5 Nov.
  rows = get("/v1/kpi/campaign-attribution")["data"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["utm_source"], "google");
  EXPECT_EQ(rows[0]["attributed_users"], 2);
  EXPECT_EQ(rows[0]["converted_users"], 2);
  rows = get("/v1/kpi/campaign-attribution?from=2026-11-05")["data"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["utm_source"], "newsletter");
  EXPECT_EQ(rows[0]["converted_users"], 0);
}

// ---------------------------------------------------------------- pipeline
TEST_F(KpiApiTest, PipelineEndpointsSayWhatWasQuarantinedAndDeadLetteredWithoutTheContent) {
  load_everything();
  // A malformed timestamp (quarantined by silver) and a schema violation (dead-lettered by the
  // gateway) whose e-mail must never be shown.
  post_ndjson("/v1/events/commerce.transaction",
              R"({"order_id":"00000000-0000-4000-8000-000000000099","customer_id":7,"product":"X","category":"Y","region":"EU","status":"completed","quantity":1,"price":1,"timestamp":"yesterday"})");
  httplib::Client gateway("127.0.0.1", gateway_port_);
  auto rejected = gateway.Post("/v1/events/commerce.transaction",
                               R"({"order_id":"oops","customer_id":"secret.person@example.com"})",
                               "application/json");
  ASSERT_TRUE(rejected);
  ASSERT_LT(rejected->status, 500) << rejected->body;
  ASSERT_EQ(wait_count("silver.quarantine", 1), "1");
  ASSERT_EQ(wait_count("bronze.events WHERE event_type = 'dlq'", 1), "1");

  json quality = get("/v1/pipeline/quality")["data"];
  EXPECT_EQ(quality["totals"]["quarantined_events"], 1);
  EXPECT_EQ(quality["totals"]["dead_letters"], 1);
  ASSERT_EQ(quality["quarantine_by_reason"].size(), 1u);
  EXPECT_EQ(quality["quarantine_by_reason"][0]["reason"], "malformed_timestamp");
  EXPECT_TRUE(quality["latest_checks"].is_array());

  httplib::Client client("127.0.0.1", kpi_port_);
  auto dlq = client.Get("/v1/pipeline/dlq");
  ASSERT_TRUE(dlq);
  EXPECT_THAT(dlq->body, Not(HasSubstr("secret.person")));
  json d = json::parse(dlq->body)["data"];
  EXPECT_EQ(d["totals"]["dead_letters"], 1);
  ASSERT_EQ(d["recent"].size(), 1u);
  EXPECT_EQ(d["recent"][0]["reason"], "schema_violation");
  EXPECT_EQ(d["recent"][0]["event_type"], "commerce.transaction");
  EXPECT_THAT(d["recent"][0]["error_fields"].dump(), HasSubstr("customer_id"));
  EXPECT_EQ(d["by_reason"][0]["dead_letters"], 1);

  json fresh = get("/v1/pipeline/freshness")["data"];
  ASSERT_EQ(fresh["layers"].size(), 4u);
  for (const auto& layer : fresh["layers"]) {
    EXPECT_TRUE(layer["last_ingested_at"].is_string()) << layer;
    EXPECT_LT(layer["seconds_since"].get<double>(), 600) << layer;
  }
  EXPECT_FALSE(fresh["partitions"].empty());
  auto res = client.Get("/v1/pipeline/freshness");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_FALSE(res->has_header("ETag"));
}

// ---------------------------------------------------------------- hostile clients
TEST_F(KpiApiTest, InjectionStringsInEveryParameterAreRefusedOrMatchNothing) {
  load_everything();
  const std::vector<std::string> kHostile = {
      "' OR '1'='1", "1; DROP TABLE gold.fact_orders; --", "APAC' --", "$1", "\\x27",
      "2026-11-01' OR 1=1 --", "-1", "1e9", "%00", "0x10", "../../etc/passwd", "\"", "*"};
  json endpoints = get("/v1/kpi")["endpoints"];
  ASSERT_EQ(endpoints.size(), 17u);
  std::string facts = count("gold.fact_orders");
  httplib::Client client("127.0.0.1", kpi_port_);
  for (const auto& e : endpoints) {
    for (const auto& [name, allowed] : e["parameters"].items()) {
      for (const auto& value : kHostile) {
        httplib::Params params{{name, value}};
        auto res = client.Get(e["path"].get<std::string>().c_str(), params, httplib::Headers{});
        ASSERT_TRUE(res) << e["path"] << " " << name;
        EXPECT_TRUE(res->status == 400 || res->status == 200)
            << e["path"] << "?" << name << "=" << value << " " << res->status << " " << res->body;
        if (res->status == 400) {
          EXPECT_EQ(json::parse(res->body)["error"]["details"][0], name) << res->body;
        }
        if (res->status == 200 && e["path"] != "/v1/pipeline/freshness" &&
            e["path"] != "/v1/pipeline/quality" && e["path"] != "/v1/pipeline/dlq") {
          // A text filter holding SQL is a name that matches nothing.
          auto data = json::parse(res->body)["data"];
          if (data.is_array()) {
            EXPECT_TRUE(data.empty()) << e["path"] << " " << res->body;
          }
        }
      }
    }
  }
  EXPECT_EQ(count("gold.fact_orders"), facts);
  // Repeated and unknown parameters, and a method kpi-api does not serve.
  get("/v1/kpi/summary?region=APAC&region=EU", 400);
  get("/v1/kpi/summary?regoin=APAC", 400);
  get("/v1/kpi/dau?region=APAC", 400);
  get("/v1/kpi/summary?format=xml", 400);
  get("/v1/pipeline/dlq?format=csv", 406);
}

TEST_F(KpiApiTest, CsvIsOfferedOnAcceptOrFormatAndFormulasAreNeutralised) {
  post_ndjson("/v1/events/commerce.transaction",
              R"j({"order_id":"00000000-0000-4000-8000-000000000001","customer_id":1,"product":"Lamp","category":"Home","region":"=HYPERLINK(\"http://x\",\"y\")","status":"completed","quantity":1,"price":5,"timestamp":"2026-11-02T10:00:00Z"})j");
  ASSERT_EQ(wait_count("gold.fact_orders", 1), "1");
  httplib::Client client("127.0.0.1", kpi_port_);
  auto csv = client.Get("/v1/kpi/sales-by-region", {{"Accept", "text/csv"}});
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv->body,
            "region,orders,revenue,revenue_share_pct\r\n"
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1,5.00,100.00\r\n");
  auto by_param = client.Get("/v1/kpi/sales-by-region?format=csv");
  ASSERT_TRUE(by_param);
  EXPECT_EQ(by_param->body, csv->body);
  EXPECT_NE(by_param->get_header_value("ETag"),
            client.Get("/v1/kpi/sales-by-region")->get_header_value("ETag"));
}

// ---------------------------------------------------------------- caching
TEST_F(KpiApiTest, TheETagHoldsUntilABatchCommitsAndThenTheAnswerIsNew) {
  load_everything();
  httplib::Client client("127.0.0.1", kpi_port_);
  // The ETag follows PostgreSQL's snapshot, which any commit in the cluster moves (other tests
  // run beside this one): while nothing commits, the same ETag is answered 304.
  std::string etag;
  bool not_modified = false;
  for (int attempt = 0; attempt < 50 && !not_modified; ++attempt) {
    auto first = client.Get("/v1/kpi/summary");
    ASSERT_TRUE(first);
    etag = first->get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    EXPECT_EQ(first->get_header_value("Cache-Control"), "no-cache");
    auto again = client.Get("/v1/kpi/summary", {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    not_modified = again->status == 304;
    if (not_modified) {
      EXPECT_TRUE(again->body.empty());
    } else {
      EXPECT_EQ(again->status, 200);
    }
  }
  EXPECT_TRUE(not_modified) << "never 304 in 50 tries";

  Order late{11, 999, "Desk Lamp", "Home", "EU", "completed", 1, 1000, "2026-11-10"};
  post_ndjson("/v1/events/commerce.transaction", order_json(late));
  ASSERT_EQ(wait_count("gold.fact_orders", kOrders.size() + 1), std::to_string(kOrders.size() + 1));
  auto after = client.Get("/v1/kpi/summary", {{"If-None-Match", etag}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << "the cache served an answer from before the batch";
  EXPECT_NE(after->get_header_value("ETag"), etag);
  EXPECT_EQ(json::parse(after->body)["data"]["total_orders"], kOrders.size() + 1);
}

// ---------------------------------------------------------------- roles
TEST_F(KpiApiTest, ReaderRolesReadOnlyWhatTheyMayAndKpiApiRefusesAWritableRole) {
  load_everything();
  auto can = [&](const std::string& role, const std::string& sql) {
    pqxx::connection conn(url_with_user(database_url_, role));
    try {
      pqxx::work tx(conn);
      tx.exec(sql);
      tx.commit();
      return true;
    } catch (const pqxx::sql_error& e) {
      EXPECT_THAT(e.what(), ::testing::AnyOf(HasSubstr("permission denied"),
                                             HasSubstr("read-only transaction")))
          << role << ": " << sql;
      return false;
    }
  };
  for (const char* gold : {"SELECT count(*) FROM gold.fact_orders", "SELECT * FROM gold.vw_kpi_summary",
                           "SELECT count(*) FROM gold.dim_customer"}) {
    EXPECT_TRUE(can("bi_reader", gold)) << gold;
    EXPECT_TRUE(can("kpi_reader", gold)) << gold;
  }
  for (const char* hidden : {"SELECT count(*) FROM bronze.events", "SELECT count(*) FROM silver.orders",
                             "SELECT count(*) FROM silver.quarantine"}) {
    EXPECT_FALSE(can("bi_reader", hidden)) << hidden;
    EXPECT_FALSE(can("kpi_reader", hidden)) << hidden;
  }
  EXPECT_FALSE(can("bi_reader", "SELECT count(*) FROM ops.batches"));
  EXPECT_TRUE(can("kpi_reader", "SELECT count(*) FROM ops.batches"));
  EXPECT_TRUE(can("kpi_reader", "SELECT count(*) FROM ops.vw_dead_letters"));
  for (const char* role : {"bi_reader", "kpi_reader"}) {
    EXPECT_FALSE(can(role, "SET default_transaction_read_only = off; DELETE FROM gold.fact_orders")) << role;
    EXPECT_FALSE(can(role, "SET default_transaction_read_only = off; UPDATE gold.agg_orders_daily SET orders = 0")) << role;
    EXPECT_FALSE(can(role, "SET default_transaction_read_only = off; CREATE TABLE gold.x (a int)")) << role;
  }
  EXPECT_EQ(count("gold.fact_orders"), std::to_string(kOrders.size()));
  EXPECT_TRUE(can("pipeline_writer", "INSERT INTO ops.dq_results (run_id, check_name, category, severity, passed, observed, expected, detail) VALUES (gen_random_uuid(), 'x', 'validity', 'warning', true, 0, '', '')"));
  EXPECT_FALSE(can("pipeline_writer", "CREATE TABLE gold.x (a int)"));

  auto role_check = [&](const std::string& role) -> std::string {
    pqxx::connection conn(url_with_user(database_url_, role));
    try {
      kpi::require_read_only_role(conn);
      return "";
    } catch (const kpi::WritableRoleError& e) {
      return e.what();
    }
  };
  EXPECT_EQ(role_check("kpi_reader"), "");
  EXPECT_EQ(role_check("bi_reader"), "");
  EXPECT_THAT(role_check("postgres"), HasSubstr("superuser"));
  EXPECT_THAT(role_check("pipeline_writer"), HasSubstr("INSERT/UPDATE/DELETE/TRUNCATE on"));

  // Served through a writable role, kpi-api answers nothing (500) rather than run as it.
  pg::ConnectionPool writable(database_url_, 1, kpi::session_sql(5000));
  metrics::Registry registry;
  http::Server server("kpi-api", registry);
  kpi::register_kpi_routes(server, writable, registry);
  int port = server.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/v1/kpi/summary");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_THAT(res->body, Not(HasSubstr("total_orders")));
  server.stop();
}

// ---------------------------------------------------------------- a failing warehouse
TEST_F(KpiApiTest, TimeoutsAre503DataErrorsAre500AndADroppedConnectionIsRetried) {
  load_everything();
  // An idle pooled connection killed under kpi-api (as a PostgreSQL restart does): the next
  // request is answered on a new connection.
  ASSERT_EQ(get("/v1/kpi/summary")["data"]["total_orders"], kOrders.size());
  q("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'kpi_reader' "
    "AND datname = current_database()");
  EXPECT_EQ(get("/v1/kpi/summary")["data"]["total_orders"], kOrders.size());

  // A data error (a sum past bigint) is a 500 naming the request id, not "unavailable".
  q("UPDATE gold.agg_orders_daily SET orders = 9223372036854775807 WHERE status = 'completed' "
    "RETURNING 1");
  httplib::Client client("127.0.0.1", kpi_port_);
  auto res = client.Get("/v1/kpi/order-status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500) << res->body;
  EXPECT_FALSE(res->has_header("Retry-After"));
  EXPECT_THAT(res->body, HasSubstr(res->get_header_value("X-Request-Id")));

  // A statement cut off by statement_timeout is a 503 with Retry-After, not a hung request.
  pg::ConnectionPool slow(url_with_user(database_url_, "kpi_reader"), 1, kpi::session_sql(1));
  metrics::Registry registry;
  http::Server server("kpi-api", registry);
  kpi::register_kpi_routes(server, slow, registry, kpi::CacheLimits{0, 0});
  int port = server.start("127.0.0.1", 0);
  httplib::Client slow_client("127.0.0.1", port);
  slow_client.set_read_timeout(10, 0);
  bool cut = false;
  for (int i = 0; i < 20 && !cut; ++i) {  // 1 ms is usually, not always, too short
    auto r = slow_client.Get("/v1/kpi/daily-revenue");
    ASSERT_TRUE(r);
    if (r->status == 503) {
      cut = true;
      EXPECT_EQ(r->get_header_value("Retry-After"), "5");
      EXPECT_THAT(r->body, HasSubstr("warehouse_unavailable"));
    } else {
      EXPECT_EQ(r->status, 200) << r->body;
    }
  }
  EXPECT_TRUE(cut) << "no statement ran past 1 ms in 20 tries";
  server.stop();
}

}  // namespace
}  // namespace analytics::testing
