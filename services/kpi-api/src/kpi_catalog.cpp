#include "kpi_catalog.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace analytics::kpi {
namespace {

// Every KPI reads the aggregate cells the transformer keeps per batch (migrations 004, 005),
// never fact_orders or silver whole: their size grows with days and products, not with events.
// The gold views compute the same figures without filters, for BI tools.

using P = Param;

// ---------------------------------------------------------------- orders
// Order cells (one per day, region, product, status) under the filters; a filter not given is
// '' and matches everything. $1..$6 = from key, to key, region, category, product, status.
std::string order_cells(const std::string& table_alias, const std::string& extra_join = "") {
  const std::string& a = table_alias;
  return "gold." + std::string(a == "f" ? "fact_orders f" : "agg_orders_daily a") +
         " JOIN gold.dim_region r USING (region_key) JOIN gold.dim_product p USING (product_key) " +
         extra_join + " WHERE " + a + ".date_key BETWEEN $1::int AND $2::int" +
         " AND ($3::text = '' OR r.region_name = $3::text)" +
         " AND ($4::text = '' OR p.category = $4::text)" +
         " AND ($5::text = '' OR p.product_name = $5::text)" + " AND ($6::text = '' OR " + a +
         ".status = $6::text)";
}

std::vector<std::string> order_args(const KpiParams& p, std::string from_key = "") {
  return {from_key.empty() ? p.from_date_key() : from_key,
          p.to_date_key(),
          p.region,
          p.category,
          p.product,
          p.status};
}

bool filtered(const KpiParams& p) {
  for (const auto& [name, value] : p.given) {
    if (name != "limit") return true;
  }
  return false;
}

std::vector<Section> summary(const KpiParams& p) {
  // Unique customers, first and last order: without filters from agg_customer_orders and the
  // order_ts index; with filters only the facts can tell, so their cost grows with the range.
  std::string customers =
      filtered(p) ? "SELECT count(DISTINCT f.customer_key) AS customers, min(f.order_ts) AS first_ts,"
                    " max(f.order_ts) AS last_ts FROM " +
                        order_cells("f")
                  : "SELECT (SELECT count(*) FROM gold.agg_customer_orders WHERE orders > 0) AS "
                    "customers, (SELECT min(order_ts) FROM gold.fact_orders) AS first_ts,"
                    " (SELECT max(order_ts) FROM gold.fact_orders) AS last_ts";
  std::string sql =
      "WITH t AS (SELECT coalesce(sum(a.orders), 0)::bigint AS orders,"
      " coalesce(sum(a.units), 0)::bigint AS units, coalesce(sum(a.revenue), 0) AS revenue,"
      " coalesce(sum(a.revenue) FILTER (WHERE a.status = 'completed'), 0) AS completed,"
      " coalesce(sum(a.orders) FILTER (WHERE a.status = 'returned'), 0)::bigint AS returned,"
      " max(a.last_ingested_at) AS last_ingested_at FROM " +
      order_cells("a") + "), c AS (" + customers +
      ") SELECT t.orders AS total_orders, c.customers AS unique_customers, t.units AS units_sold,"
      " round(t.revenue, 2) AS total_revenue,"
      " coalesce(round(t.revenue / nullif(t.orders, 0), 2), 0) AS avg_order_value,"
      " round(t.completed, 2) AS completed_revenue, t.returned AS returned_orders,"
      " c.first_ts AS first_order_at, c.last_ts AS last_order_at, t.last_ingested_at FROM t, c";
  return {{"", true, {sql, order_args(p)}}};
}

/// Revenue (and more) per one dimension, with its share of the total.
std::vector<Section> orders_by(const KpiParams& p, const std::string& select_keys,
                               const std::string& group_by, const std::string& extra_columns,
                               const std::string& order_by, bool limited) {
  std::string sql = "SELECT " + select_keys + ", sum(a.orders)::bigint AS orders" + extra_columns +
                    " FROM " + order_cells("a") + " GROUP BY " + group_by +
                    " HAVING sum(a.orders) > 0 ORDER BY " + order_by;
  auto args = order_args(p);
  if (limited) {
    sql += " LIMIT $7::int";
    args.push_back(std::to_string(p.limit));
  }
  return {{"", false, {sql, args}}};
}

constexpr const char* kRevenueShare =
    ", round(sum(a.revenue), 2) AS revenue, round(100 * sum(a.revenue) / "
    "nullif(sum(sum(a.revenue)) OVER (), 0), 2) AS revenue_share_pct";

/// The key of the day six days before `date` (YYYY-MM-DD): a 7-day average needs them.
std::string week_before_key(const std::string& date) {
  using namespace std::chrono;
  if (date.empty()) return "0";
  year_month_day ymd{year{std::stoi(date.substr(0, 4))},
                     month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                     day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  year_month_day week{sys_days{ymd} - days{6}};
  char key[16];
  std::snprintf(key, sizeof key, "%04d%02u%02u", static_cast<int>(week.year()),
                static_cast<unsigned>(week.month()), static_cast<unsigned>(week.day()));
  return static_cast<int>(week.year()) < 1 ? "0" : key;
}

std::vector<Section> daily_revenue(const KpiParams& p) {
  // Seed 003's 7-day rolling average: the day and the six before by calendar, days without
  // orders counting as zero — so the days before `from` are read too.
  std::string sql =
      "WITH days AS (SELECT d.full_date AS day, sum(a.orders) AS orders, sum(a.revenue) AS revenue"
      " FROM " +
      order_cells("a", "JOIN gold.dim_date d USING (date_key)") +
      " GROUP BY d.full_date), w AS (SELECT day, orders, revenue, sum(revenue) OVER (ORDER BY day"
      " RANGE BETWEEN interval '6 days' PRECEDING AND CURRENT ROW) AS week FROM days)"
      " SELECT day AS date, orders::bigint AS orders, round(revenue, 2) AS revenue,"
      " round(week / 7, 2) AS revenue_7day_avg FROM w WHERE orders > 0 AND day >= $7::date"
      " ORDER BY day";
  auto args = order_args(p, week_before_key(p.from));
  args.push_back(p.from_date());
  return {{"", false, {sql, args}}};
}

std::vector<Section> weekend_vs_weekday(const KpiParams& p) {
  std::string days = "count(DISTINCT d.full_date) FILTER (WHERE a.orders > 0)";
  std::string sql =
      "SELECT CASE WHEN d.is_weekend THEN 'weekend' ELSE 'weekday' END AS day_type, " + days +
      " AS days, sum(a.orders)::bigint AS orders, round(sum(a.revenue), 2) AS revenue,"
      " round(sum(a.revenue) / nullif(" +
      days + ", 0), 2) AS revenue_per_day FROM " +
      order_cells("a", "JOIN gold.dim_date d USING (date_key)") +
      " GROUP BY 1 HAVING sum(a.orders) > 0 ORDER BY 1";
  return {{"", false, {sql, order_args(p)}}};
}

// ---------------------------------------------------------------- behaviour
// Interaction cells (one per hour, platform, event type, product, category) under the filters.
// $1..$5 = from date, to date, platform, category, product.
std::string interaction_cells(const std::string& extra_join = "") {
  return "gold.agg_interactions_hourly c " + extra_join +
         " WHERE c.event_date BETWEEN $1::date AND $2::date"
         " AND ($3::text = '' OR c.platform = $3::text)"
         " AND ($4::text = '' OR c.category = $4::text)"
         " AND ($5::text = '' OR c.product = $5::text)";
}

std::vector<std::string> interaction_args(const KpiParams& p) {
  return {p.from_date(), p.to_date(), p.platform, p.category, p.product};
}

std::string events_of(const char* type) {
  return std::string("coalesce(sum(c.events) FILTER (WHERE c.event_type = '") + type +
         "'), 0)::bigint";
}

Section interactions_section(const KpiParams& p, const std::string& sql, bool limited) {
  auto args = interaction_args(p);
  if (limited) args.push_back(std::to_string(p.limit));
  return {"", false, {sql, args}};
}

std::vector<Section> hourly_revenue(const KpiParams& p) {
  return {interactions_section(
      p,
      "SELECT c.event_hour AS hour, sum(c.events)::bigint AS events, " + events_of("purchase") +
          " AS purchases, round(sum(c.revenue), 2) AS revenue FROM " + interaction_cells() +
          " GROUP BY 1 HAVING sum(c.events) > 0 ORDER BY 1",
      false)};
}

std::vector<Section> dau(const KpiParams& p) {
  return {interactions_section(
      p,
      "SELECT c.event_date AS date, c.platform, d.users AS dau, d.sessions,"
      " sum(c.events)::bigint AS events,"
      " round(sum(c.events)::numeric / nullif(d.sessions, 0), 2) AS events_per_session,"
      " sum(c.late_events)::bigint AS late_arrivals FROM " +
          interaction_cells("JOIN gold.daily_distinct d ON d.event_date = c.event_date"
                            " AND d.platform = c.platform") +
          " GROUP BY 1, 2, 3, 4 HAVING sum(c.events) > 0 ORDER BY 1, 2",
      false)};
}

std::vector<Section> funnel(const KpiParams& p) {
  return {interactions_section(
      p,
      "SELECT c.product, " + events_of("product_view") + " AS product_views, " +
          events_of("add_to_cart") + " AS add_to_cart, " + events_of("checkout_started") +
          " AS checkout_started, " + events_of("purchase") +
          " AS purchases, round(100.0 * " + events_of("purchase") + " / nullif(" +
          events_of("product_view") + ", 0), 2) AS conversion_pct FROM " + interaction_cells() +
          " AND c.product <> '' GROUP BY 1 HAVING sum(c.events) > 0"
          " ORDER BY 2 DESC, 1 LIMIT $6::int",
      true)};
}

std::vector<Section> top_viewed_products(const KpiParams& p) {
  return {interactions_section(
      p,
      "SELECT c.product, sum(c.events)::bigint AS views,"
      " rank() OVER (ORDER BY sum(c.events) DESC) AS views_rank FROM " +
          interaction_cells() +
          " AND c.event_type = 'product_view' AND c.product <> '' GROUP BY 1"
          " HAVING sum(c.events) > 0 ORDER BY 3, 1 LIMIT $6::int",
      true)};
}

std::vector<Section> category_activity(const KpiParams& p) {
  return {interactions_section(p,
                               "SELECT c.category, c.event_type, sum(c.events)::bigint AS events"
                               " FROM " +
                                   interaction_cells() +
                                   " AND c.category <> '' GROUP BY 1, 2"
                                   " HAVING sum(c.events) > 0 ORDER BY 1, 2",
                               false)};
}

std::vector<Section> user_activity(const KpiParams& p) {
  // daily_distinct keeps a row per platform and one for all platforms (platform '').
  return {{"",
           false,
           {"SELECT event_date AS date, users AS unique_users, sessions FROM gold.daily_distinct"
            " WHERE event_date BETWEEN $1::date AND $2::date AND platform = $3::text"
            " AND users > 0 ORDER BY 1",
            {p.from_date(), p.to_date(), p.platform}}}};
}

std::vector<Section> campaign_attribution(const KpiParams& p) {
  std::string converted = "count(*) FILTER (WHERE first_purchase_at > first_touch_at)";
  return {{"",
           false,
           {"SELECT utm_source, utm_campaign, count(*) AS attributed_users, " + converted +
                " AS converted_users, round(100.0 * " + converted +
                " / count(*), 2) AS conversion_pct FROM gold.user_attribution"
                " WHERE first_touch_at >= $1::date AND first_touch_at < $2::date + 1"
                " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT $3::int",
            {p.from_date(), p.to_date(), std::to_string(p.limit)}}}};
}

// ---------------------------------------------------------------- pipeline
// Windows over ops tables by day of commit; without `from`, the last 7 days.
constexpr const char* kCommittedIn =
    "committed_at >= coalesce(nullif($1::text, '')::date, current_date - 6)"
    " AND committed_at < $2::date + 1";

std::vector<std::string> window_args(const KpiParams& p) { return {p.from, p.to_date()}; }

std::vector<Section> quality(const KpiParams& p) {
  auto args = window_args(p);
  return {
      {"totals",
       true,
       {std::string("SELECT coalesce(sum(bronze_rows), 0)::bigint AS bronze_events,"
                    " coalesce(sum(silver_rows), 0)::bigint AS silver_events,"
                    " coalesce(sum(quarantined_rows), 0)::bigint AS quarantined_events,"
                    " coalesce(sum(dlq_rows), 0)::bigint AS dead_letters,"
                    " round(100.0 * sum(quarantined_rows) /"
                    " nullif(sum(silver_rows + quarantined_rows), 0), 2) AS quarantine_rate_pct"
                    " FROM ops.batches WHERE ") +
            kCommittedIn,
        args}},
      {"quarantine_by_reason",
       false,
       {std::string("SELECT r.key AS reason, sum(r.value::bigint)::bigint AS events"
                    " FROM ops.batches b CROSS JOIN LATERAL jsonb_each_text(b.quarantine_by_reason) r"
                    " WHERE b.") +
            kCommittedIn + " GROUP BY 1 ORDER BY 2 DESC, 1",
        args}},
      {"dq_runs",
       true,
       {"SELECT count(DISTINCT run_id) AS runs, count(*) AS checks, count(*) FILTER (WHERE passed)"
        " AS passed, round(100.0 * count(*) FILTER (WHERE passed) / nullif(count(*), 0), 2)"
        " AS pass_rate_pct FROM ops.dq_results WHERE checked_at >= coalesce(nullif($1::text,"
        " '')::date, current_date - 6) AND checked_at < $2::date + 1",
        args}},
      // The latest run's results, found through the checked_at index (ops.vw_dq_latest sorts
      // every kept result).
      {"latest_checks",
       false,
       {"SELECT check_name, category, severity, passed, observed, expected, detail, checked_at"
        " FROM ops.dq_results WHERE run_id = (SELECT run_id FROM ops.dq_results"
        " ORDER BY checked_at DESC LIMIT 1) ORDER BY passed, check_name",
        {}}},
  };
}

std::vector<Section> freshness(const KpiParams&) {
  // Bronze, silver, quarantine and gold of a batch commit in one transaction; each layer's
  // freshness is the latest batch that wrote to it. Event lag: the latest batch's oldest event.
  auto layer = [](const char* name, const char* wrote) {
    return std::string("SELECT '") + name +
           "' AS layer, x.at AS last_ingested_at,"
           " extract(epoch FROM clock_timestamp() - x.at)::float8 AS seconds_since,"
           " x.max_lag_seconds AS event_lag_seconds FROM (SELECT 1) one LEFT JOIN LATERAL"
           " (SELECT coalesce(ingested_at, committed_at) AS at, max_lag_seconds FROM ops.batches"
           " WHERE " + wrote + " ORDER BY committed_at DESC LIMIT 1) x ON true";
  };
  return {
      {"layers",
       false,
       {layer("bronze", "bronze_rows > 0") + " UNION ALL " + layer("silver", "silver_rows > 0") +
            " UNION ALL " + layer("quarantine", "quarantined_rows > 0") + " UNION ALL " +
            layer("dead_letters", "dlq_rows > 0"),
        {}}},
      {"partitions",
       false,
       {"SELECT consumer_group, topic, partition, next_offset, updated_at,"
        " extract(epoch FROM clock_timestamp() - updated_at)::float8 AS seconds_since_update"
        " FROM ops.kafka_offsets ORDER BY 1, 2, 3",
        {}}},
  };
}

std::vector<Section> dead_letters(const KpiParams& p) {
  auto args = window_args(p);
  std::string in_window =
      " WHERE ingested_at >= coalesce(nullif($1::text, '')::date, current_date - 6)"
      " AND ingested_at < $2::date + 1";
  auto recent_args = args;
  recent_args.push_back(std::to_string(p.limit));
  return {
      {"totals",
       true,
       {std::string("SELECT coalesce(sum(dlq_rows), 0)::bigint AS dead_letters FROM ops.batches"
                    " WHERE ") +
            kCommittedIn,
        args}},
      {"by_reason",
       false,
       {"SELECT coalesce(reason, '(unreadable)') AS reason, count(*) AS dead_letters,"
        " max(ingested_at) AS last_at FROM ops.vw_dead_letters" +
            in_window + " GROUP BY 1 ORDER BY 2 DESC, 1",
        args}},
      {"recent",
       false,
       {"SELECT ingested_at, event_type, reason, error_fields, request_id, topic, partition,"
        " \"offset\" FROM ops.vw_dead_letters" +
            in_window + " ORDER BY ingested_at DESC LIMIT $3::int",
        recent_args}},
  };
}

std::vector<Param> orders_params(std::initializer_list<Param> except = {}, bool limit = false) {
  std::vector<Param> out;
  for (Param p : {P::kFrom, P::kTo, P::kRegion, P::kCategory, P::kProduct, P::kStatus}) {
    if (std::find(except.begin(), except.end(), p) == except.end()) out.push_back(p);
  }
  if (limit) out.push_back(P::kLimit);
  return out;
}

}  // namespace

const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> kEndpoints = {
      {"/v1/kpi/summary",
       "Headline KPIs: orders, unique customers, units, revenue, average order value, completed "
       "revenue, returned orders",
       orders_params(), 0, true, true, summary},
      {"/v1/kpi/sales-by-region", "Orders, revenue and revenue share per region",
       orders_params({P::kRegion}), 0, true, true,
       [](const KpiParams& p) {
         return orders_by(p, "r.region_name AS region", "r.region_name", kRevenueShare, "3 DESC, 1",
                          false);
       }},
      {"/v1/kpi/sales-by-product", "Orders, units and revenue per product, ranked by revenue",
       orders_params({P::kProduct}, true), 100, true, true,
       [](const KpiParams& p) {
         return orders_by(p, "p.product_name AS product, p.category",
                          "p.product_name, p.category",
                          ", sum(a.units)::bigint AS units, round(sum(a.revenue), 2) AS revenue,"
                          " rank() OVER (ORDER BY sum(a.revenue) DESC) AS revenue_rank",
                          "6, 1", true);
       }},
      {"/v1/kpi/sales-by-category", "Orders, units, revenue and revenue share per category",
       orders_params({P::kCategory, P::kProduct}), 0, true, true,
       [](const KpiParams& p) {
         return orders_by(p, "p.category", "p.category",
                          std::string(", sum(a.units)::bigint AS units") + kRevenueShare,
                          "5 DESC, 1", false);
       }},
      {"/v1/kpi/daily-revenue",
       "Orders and revenue per day with the 7-day rolling average (days without orders count "
       "as zero)",
       orders_params(), 0, true, true, daily_revenue},
      {"/v1/kpi/order-status", "Orders, revenue and share of orders per status",
       orders_params({P::kStatus}), 0, true, true,
       [](const KpiParams& p) {
         return orders_by(p, "a.status", "a.status",
                          ", round(sum(a.revenue), 2) AS revenue, round(100.0 * sum(a.orders) /"
                          " nullif(sum(sum(a.orders)) OVER (), 0), 2) AS orders_pct",
                          "2 DESC, 1", false);
       }},
      {"/v1/kpi/weekend-vs-weekday", "Days with orders, orders, revenue and revenue per day",
       orders_params(), 0, true, true, weekend_vs_weekday},
      {"/v1/kpi/hourly-revenue", "Events, purchases and purchase revenue per hour of event time",
       {P::kFrom, P::kTo, P::kPlatform, P::kCategory, P::kProduct}, 0, true, true,
       hourly_revenue},
      {"/v1/kpi/dau",
       "Daily active users, sessions, events, events per session and late arrivals per day and "
       "platform",
       {P::kFrom, P::kTo, P::kPlatform}, 0, true, true, dau},
      {"/v1/kpi/funnel",
       "Product views, add to cart, checkout started and purchases per product, with conversion",
       {P::kFrom, P::kTo, P::kPlatform, P::kCategory, P::kProduct, P::kLimit}, 100, true, true,
       funnel},
      {"/v1/kpi/campaign-attribution",
       "Users per first-touch campaign (by day of first touch) and those who purchased after it",
       {P::kFrom, P::kTo, P::kLimit}, 100, true, true, campaign_attribution},
      {"/v1/kpi/top-viewed-products", "Product views per product, ranked",
       {P::kFrom, P::kTo, P::kPlatform, P::kCategory, P::kLimit}, 10, true, true,
       top_viewed_products},
      {"/v1/kpi/category-activity", "Events per category and event type",
       {P::kFrom, P::kTo, P::kPlatform, P::kCategory}, 0, true, true, category_activity},
      {"/v1/kpi/user-activity",
       "Unique users and sessions per day (all platforms, or one with `platform`)",
       {P::kFrom, P::kTo, P::kPlatform}, 0, true, true, user_activity},
      {"/v1/pipeline/quality",
       "Events in, quarantined and dead-lettered, quarantine by reason and the data-quality pass "
       "rate over days of commit (default: the last 7), and the latest check results",
       {P::kFrom, P::kTo}, 0, true, false, quality},
      {"/v1/pipeline/freshness",
       "When each layer was last written and the event lag of that batch, and each partition's "
       "stored offset (consumer lag in messages: the transformer's /metrics)",
       {}, 0, false, false, freshness},
      {"/v1/pipeline/dlq",
       "Dead letters over days of ingestion (default: the last 7) by reason, and the latest ones "
       "with their reason and failing fields (never their content)",
       {P::kFrom, P::kTo, P::kLimit}, 20, true, false, dead_letters},
  };
  return kEndpoints;
}

}  // namespace analytics::kpi
