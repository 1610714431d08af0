// Behaviour gold (migration 005) through the real pipeline: a seeded stream of sessions with
// funnels, UTM touches and late sessions, then a late mobile session and corrections. Every
// expected figure is computed here from the events sent (maps and sets in C++), never by the
// warehouse's SQL, and compared with the views BI tools read.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time/iso8601.hpp"
#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

using json = nlohmann::json;

struct Click {
  std::string event_id, user, session, type, platform;
  int64_t at = 0;  // unix seconds
  std::string product, category;
  int quantity = 0;
  int64_t price_cents = 0;
  std::string utm_source, utm_campaign;  // empty = absent
};

std::string utc(int64_t at, const char* format) {
  std::time_t t = at;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}
std::string day_of(int64_t at) { return utc(at, "%Y-%m-%d"); }

std::string cents(int64_t c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(c / 100),
                static_cast<long long>(c % 100));
  return buf;
}
// numeric round(100 * part / whole, 2) or round(part / whole, 2) for non-negative integers,
// half away from zero as PostgreSQL rounds.
std::string ratio(int64_t part, int64_t whole, int64_t scale) {
  return cents((part * scale * 100 * 2 + whole) / (2 * whole));
}

json to_json(const Click& c) {
  json j = {{"event_id", c.event_id}, {"user_id", c.user},      {"session_id", c.session},
            {"event_type", c.type},   {"platform", c.platform},
            {"occurred_at", time::format_iso8601(c.at * 1000000)}};
  if (!c.product.empty()) {
    j["product"] = c.product;
    j["category"] = c.category;
    j["price"] = static_cast<double>(c.price_cents) / 100;
    if (c.quantity > 0) j["quantity"] = c.quantity;
  }
  json props = {{"currency", "EUR"}};
  if (!c.utm_source.empty()) props["utm_source"] = c.utm_source;
  if (!c.utm_campaign.empty()) props["utm_campaign"] = c.utm_campaign;
  j["properties"] = props;
  return j;
}

/// A session of `steps` event types from `start`, one to five minutes apart.
void add_session(std::vector<Click>& out, std::mt19937& rng, const std::string& user,
                 const std::string& session, const std::string& platform, int64_t start,
                 const std::vector<std::string>& steps, const std::string& utm_source,
                 const std::string& utm_campaign) {
  static const std::vector<std::tuple<std::string, std::string, int64_t>> kProducts = {
      {"Desk Lamp", "Home", 1999}, {"Office Chair", "Furniture", 14950},
      {"Standing Desk", "Furniture", 39900}, {"Notebook", "Stationery", 450}};
  auto [product, category, price] = kProducts[rng() % kProducts.size()];
  int quantity = 1 + static_cast<int>(rng() % 3);
  int64_t at = start;
  for (size_t i = 0; i < steps.size(); ++i) {
    Click c;
    c.event_id = session + "-" + std::to_string(i);
    c.user = user;
    c.session = session;
    c.type = steps[i];
    c.platform = platform;
    c.at = at;
    if (c.type != "page_view" && c.type != "search") {
      c.product = product;
      c.category = category;
      c.price_cents = price;
      if (c.type != "product_view") c.quantity = quantity;
    }
    if (i == 0) {
      c.utm_source = utm_source;
      c.utm_campaign = utm_campaign;
    }
    out.push_back(c);
    at += 60 + static_cast<int64_t>(rng() % 240);
  }
}

/// The seeded stream: 30 users, one to three sessions each on a random platform, each session
/// a funnel cut short at a random step; half the first pages carry a UTM touch. Sessions start
/// either 26 to 70 hours ago (late arrivals: the transformer's threshold is a day) or 2 to 22
/// hours ago, never within two hours of the threshold, so "late" does not depend on timing.
std::vector<Click> seeded_stream(int64_t now) {
  std::mt19937 rng(20261122);
  const std::vector<std::string> funnel = {"page_view", "search", "product_view", "add_to_cart",
                                           "checkout_started", "purchase"};
  const std::vector<std::string> platforms = {"WEB", "IOS", "ANDROID"};
  const std::vector<std::pair<std::string, std::string>> touches = {
      {"google", "autumn"}, {"google", ""}, {"newsletter", "black-friday"}};
  std::vector<Click> out;
  int sessions = 0;
  for (int u = 0; u < 30; ++u) {
    int n = 1 + static_cast<int>(rng() % 3);
    for (int s = 0; s < n; ++s) {
      bool late = rng() % 2 == 0;
      int64_t start = late ? now - 26 * 3600 - static_cast<int64_t>(rng() % (44 * 3600))
                           : now - 2 * 3600 - static_cast<int64_t>(rng() % (20 * 3600));
      size_t length = 1 + rng() % funnel.size();
      std::vector<std::string> steps(funnel.begin(), funnel.begin() + static_cast<long>(length));
      auto touch = rng() % 2 == 0 ? touches[rng() % touches.size()]
                                  : std::pair<std::string, std::string>{};
      add_session(out, rng, "u" + std::to_string(u), "s" + std::to_string(sessions++),
                  platforms[rng() % platforms.size()], start, steps, touch.first,
                  touch.second);
    }
  }
  return out;
}

/// What each view must hold for `clicks` (the versions that won), as the test's own
/// computation, formatted as the SQL in actual() formats the views.
struct Expected {
  std::map<std::string, std::string> views;  // view -> rows, one per line, sorted

  Expected(const std::vector<Click>& clicks, int64_t now) {
    struct Day {
      std::set<std::string> users, sessions;
      int64_t events = 0, late = 0;
    };
    std::map<std::pair<std::string, std::string>, Day> dau;  // (date, platform)
    std::map<std::string, Day> all;                          // date
    std::map<std::pair<std::string, std::string>, std::map<std::string, int64_t>> funnel;
    std::map<std::string, std::tuple<int64_t, int64_t, int64_t>> hourly;  // events, purchases, cents
    std::map<std::tuple<std::string, std::string, std::string>, int64_t> category;
    struct Journey {
      std::pair<int64_t, std::string> touch{INT64_MAX, ""};
      std::string source, campaign;
      int64_t first_purchase = INT64_MAX;
    };
    std::map<std::string, Journey> journeys;
    for (const auto& c : clicks) {
      std::string day = day_of(c.at);
      bool late = now - c.at > 86400;
      for (Day* d : {&dau[{day, c.platform}], &all[day]}) {
        d->users.insert(c.user);
        d->sessions.insert(c.session);
        ++d->events;
        d->late += late;
      }
      if (!c.product.empty()) ++funnel[{day, c.product}][c.type];
      auto& h = hourly[utc(c.at, "%Y-%m-%d %H")];
      ++std::get<0>(h);
      if (c.type == "purchase") {
        ++std::get<1>(h);
        std::get<2>(h) += c.price_cents * c.quantity;
      }
      if (!c.category.empty()) ++category[{day, c.category, c.type}];
      auto& j = journeys[c.user];
      if (!c.utm_source.empty() && std::pair{c.at, c.event_id} < j.touch) {
        j.touch = {c.at, c.event_id};
        j.source = c.utm_source;
        j.campaign = c.utm_campaign.empty() ? "-" : c.utm_campaign;
      }
      if (c.type == "purchase") j.first_purchase = std::min(j.first_purchase, c.at);
    }
    auto& v = views;
    for (const auto& [key, d] : dau) {
      auto sessions = static_cast<int64_t>(d.sessions.size());
      v["dau"] += key.first + "|" + key.second + "|" + std::to_string(d.users.size()) + "|" +
                  std::to_string(sessions) + "|" + std::to_string(d.events) + "|" +
                  ratio(d.events, sessions, 1) + "|" + std::to_string(d.late) + "\n";
    }
    for (const auto& [day, d] : all) {
      v["users"] += day + "|" + std::to_string(d.users.size()) + "|" +
                    std::to_string(d.sessions.size()) + "\n";
    }
    std::map<std::string, std::vector<std::pair<int64_t, std::string>>> views_by_day;
    for (const auto& [key, types_of_key] : funnel) {
      // A reference, not the binding itself: clang 14 cannot capture structured bindings.
      const auto& types = types_of_key;
      auto n = [&](const char* t) { return types.count(t) ? types.at(t) : 0; };
      int64_t pv = n("product_view");
      v["funnel"] += key.first + "|" + key.second + "|" + std::to_string(pv) + "|" +
                     std::to_string(n("add_to_cart")) + "|" + std::to_string(n("checkout_started")) +
                     "|" + std::to_string(n("purchase")) + "|" +
                     (pv ? ratio(n("purchase"), pv, 100) : "null") + "\n";
      if (pv) views_by_day[key.first].push_back({pv, key.second});
    }
    for (const auto& [day, products] : views_by_day) {
      for (const auto& [views_n, product] : products) {
        int64_t views_of_product = views_n;  // clang 14 cannot capture structured bindings
        long rank = 1 + std::count_if(products.begin(), products.end(), [&](const auto& p) {
          return p.first > views_of_product;
        });
        v["product_views"] +=
            day + "|" + product + "|" + std::to_string(views_n) + "|" + std::to_string(rank) + "\n";
      }
    }
    for (const auto& [hour, h] : hourly) {
      v["hourly"] += hour + "|" + std::to_string(std::get<0>(h)) + "|" +
                     std::to_string(std::get<1>(h)) + "|" + cents(std::get<2>(h)) + "\n";
    }
    for (const auto& [key, n] : category) {
      v["category"] += std::get<0>(key) + "|" + std::get<1>(key) + "|" + std::get<2>(key) + "|" +
                       std::to_string(n) + "\n";
    }
    std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> campaigns;
    for (const auto& [user, j] : journeys) {
      if (j.source.empty()) continue;
      auto& c = campaigns[{j.source, j.campaign}];
      ++c.first;
      c.second += j.first_purchase != INT64_MAX && j.first_purchase > j.touch.first;
    }
    for (const auto& [key, c] : campaigns) {
      v["campaign"] += key.first + "|" + key.second + "|" + std::to_string(c.first) + "|" +
                       std::to_string(c.second) + "|" + ratio(c.second, c.first, 100) + "\n";
    }
    for (auto& [name, rows] : v) rows = sort_lines(rows);
  }

  static std::string sort_lines(const std::string& rows) {
    std::vector<std::string> lines;
    size_t begin = 0;
    for (size_t end; (end = rows.find('\n', begin)) != std::string::npos; begin = end + 1) {
      lines.push_back(rows.substr(begin, end - begin));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

/// Each view's rows in the format Expected builds.
const std::map<std::string, std::string> kActualSql = {
    {"dau", "SELECT date || '|' || platform || '|' || dau || '|' || sessions || '|' || events || "
            "'|' || events_per_session || '|' || late_arrivals FROM gold.vw_daily_active_users"},
    {"users", "SELECT date || '|' || unique_users || '|' || sessions "
              "FROM gold.vw_user_activity_daily"},
    {"funnel", "SELECT date || '|' || product || '|' || product_views || '|' || add_to_cart || "
               "'|' || checkout_started || '|' || purchases || '|' || "
               "coalesce(conversion_pct::text, 'null') FROM gold.vw_funnel_daily"},
    {"product_views", "SELECT date || '|' || product || '|' || views || '|' || views_rank "
                      "FROM gold.vw_product_views"},
    {"hourly", "SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24') || '|' || events || "
               "'|' || purchases || '|' || revenue FROM gold.vw_hourly_activity"},
    {"category", "SELECT date || '|' || category || '|' || event_type || '|' || events "
                 "FROM gold.vw_category_activity"},
    {"campaign", "SELECT utm_source || '|' || coalesce(utm_campaign, '-') || '|' || "
                 "attributed_users || '|' || converted_users || '|' || conversion_pct "
                 "FROM gold.vw_campaign_attribution"},
};

class BehaviourGoldTest : public PipelineTest {
 protected:
  void post(const std::vector<Click>& clicks) {
    std::string body;
    for (const auto& c : clicks) body += to_json(c).dump() + "\n";
    post_ndjson("/v1/events/user.interaction", body);
  }
  std::string actual(const std::string& view) {
    return Expected::sort_lines(query_scalar(
        database_url_, "SELECT coalesce(string_agg(r || E'\\n', ''), '') FROM (" +
                           kActualSql.at(view) + ") v (r)"));
  }
  void expect_views(const std::vector<Click>& clicks, int64_t now) {
    Expected expected(clicks, now);
    for (const auto& [view, sql] : kActualSql) {
      EXPECT_EQ(actual(view), expected.views[view]) << view;
    }
  }
  /// Sent events that end up in silver, one version per (event_id, type): the last sent.
  static std::vector<Click> winners(const std::vector<Click>& sent) {
    std::map<std::pair<std::string, std::string>, Click> latest;
    for (const auto& c : sent) latest[{c.event_id, c.type}] = c;
    std::vector<Click> out;
    for (auto& [key, c] : latest) out.push_back(c);
    return out;
  }
};

TEST_F(BehaviourGoldTest, ViewsEqualAnIndependentComputationThroughLateEventsAndCorrections) {
  const int64_t now = std::time(nullptr);
  std::vector<Click> sent = seeded_stream(now);
  ASSERT_GT(sent.size(), 150u);
  // Two requests, so the stream spans batches.
  std::vector<Click> first(sent.begin(), sent.begin() + static_cast<long>(sent.size() / 2));
  std::vector<Click> second(sent.begin() + static_cast<long>(sent.size() / 2), sent.end());
  post(first);
  post(second);
  ASSERT_EQ(wait_count("silver.interactions", sent.size()), std::to_string(sent.size()));
  expect_views(winners(sent), now);
  EXPECT_NE(actual("campaign"), "") << "the seeded stream has UTM touches";
  EXPECT_NE(query_scalar(database_url_, "SELECT sum(late_arrivals) FROM gold.vw_daily_active_users"),
            "0");

  // A mobile session from 10:00 UTC two days ago arrives now: it lands in its own hours and
  // day, and no other day's numbers move.
  const int64_t late_start = (now / 86400 - 2) * 86400 + 10 * 3600;
  const std::string late_day = day_of(late_start);
  auto other_days = [&](const std::string& view) {
    return query_scalar(database_url_, "SELECT string_agg(r, E'\\n' ORDER BY r) FROM (" +
                                           kActualSql.at(view) + ") v (r) WHERE r NOT LIKE '" +
                                           late_day + "%'");
  };
  std::map<std::string, std::string> before;
  for (const char* view : {"dau", "users", "funnel", "category", "hourly"}) {
    before[view] = other_days(view);
  }
  std::vector<Click> late;
  std::mt19937 rng(7);
  add_session(late, rng, "u-offline", "s-offline", "IOS", late_start,
              {"page_view", "product_view", "add_to_cart", "checkout_started", "purchase"},
              "newsletter", "black-friday");
  post(late);
  sent.insert(sent.end(), late.begin(), late.end());
  ASSERT_EQ(wait_count("silver.interactions", winners(sent).size()),
            std::to_string(winners(sent).size()));
  expect_views(winners(sent), now);
  for (const auto& [view, rows] : before) EXPECT_EQ(other_days(view), rows) << view;

  // Corrections: a product view moves to another platform and product, a purchase to another
  // user and quantity. Their old contributions leave their cells and sets.
  auto pick = [&](const char* type) {
    for (const auto& c : winners(sent)) {
      if (c.type == type && c.user != "u-offline") return c;
    }
    ADD_FAILURE() << "no " << type << " in the stream";
    return Click{};
  };
  Click view = pick("product_view");
  view.platform = view.platform == "WEB" ? "ANDROID" : "WEB";
  view.product = "Notebook";
  view.category = "Stationery";
  view.price_cents = 450;
  Click purchase = pick("purchase");
  purchase.user = "u-corrected";
  purchase.quantity += 5;
  post({view, purchase});
  sent.push_back(view);
  sent.push_back(purchase);
  ASSERT_EQ(wait_for_scalar(database_url_,
                            "SELECT count(*) FROM silver.interactions WHERE quantity = " +
                                std::to_string(purchase.quantity) + " AND event_id = '" +
                                purchase.event_id + "' AND event_type = 'purchase'",
                            "1", kWaitMs),
            "1");
  ASSERT_EQ(wait_for_scalar(database_url_,
                            "SELECT count(*) FROM silver.interactions WHERE platform = '" +
                                view.platform + "' AND event_id = '" + view.event_id +
                                "' AND event_type = 'product_view'",
                            "1", kWaitMs),
            "1");
  expect_views(winners(sent), now);
  // No member counted with zero events, and the distinct counts equal their sets.
  EXPECT_EQ(query_scalar(database_url_,
                         "SELECT count(*) FROM gold.daily_distinct d WHERE (users, sessions) <> "
                         "(SELECT count(*) FILTER (WHERE member_kind = 'user' AND events > 0), "
                         "count(*) FILTER (WHERE member_kind = 'session' AND events > 0) "
                         "FROM gold.daily_members m WHERE m.event_date = d.event_date "
                         "AND m.platform = d.platform)"),
            "0");
}

}  // namespace
}  // namespace analytics::testing
