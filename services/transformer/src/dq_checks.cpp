#include "dq_checks.hpp"

#include <charconv>
#include <sstream>
#include <stdexcept>

namespace analytics::transformer {
namespace {

// Each run first reads every window table ONCE into small session tables (one row per batch
// and partition, per day, per key...), then the checks compare those: a run costs one scan of
// the window's rows per table, not one per check. The window is the batches committed in the
// last $1 seconds; every row a batch writes carries its batch id and ingestion time
// (quarantine rows a later one), and the time bound lets the planner use the BRIN indexes of
// migration 006 instead of reading whole tables.
constexpr const char* kCreateScratch = R"sql(
CREATE TEMP TABLE IF NOT EXISTS dq_batches (batch_id uuid PRIMARY KEY, ingested_at timestamptz)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS dq_bronze (event_type text, topic text, partition integer,
  batch_id uuid, n bigint, lo bigint, hi bigint) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS dq_orders (n bigint, incomplete bigint, revenue numeric)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS dq_clicks (event_date date, n bigint, incomplete bigint,
  unknown bigint) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS dq_facts (dim text, k bigint, revenue numeric)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS dq_quarantine (event_type text, n bigint) ON COMMIT DELETE ROWS)sql";

constexpr const char* kSince = "(SELECT coalesce(min(ingested_at), now()) FROM dq_batches)";

std::string in_window(const std::string& time_column, const std::string& batch_column) {
  return "(" + time_column + " >= " + kSince + " AND " + batch_column +
         " IN (SELECT batch_id FROM dq_batches))";
}

/// The statements that fill the scratch tables; the first takes the window ($1 seconds).
std::vector<std::string> fill_scratch() {
  return {
      "INSERT INTO dq_batches SELECT batch_id, coalesce(ingested_at, started_at) FROM "
      "ops.batches WHERE committed_at >= now() - make_interval(secs => $1::double precision)",
      "INSERT INTO dq_bronze SELECT e.event_type, e.topic, e.partition, e.batch_id, count(*), "
      "min(e.\"offset\"), max(e.\"offset\") FROM bronze.events e WHERE " +
          in_window("e.ingested_at", "e.batch_id") + " GROUP BY 1, 2, 3, 4",
      "INSERT INTO dq_orders SELECT count(*), count(*) FILTER (WHERE NOT ((o.order_id, "
      "o.customer_id, o.product, o.category, o.region, o.status, o.quantity, o.price, "
      "o.revenue, o.order_ts, o.event_date) IS NOT NULL)), coalesce(sum(o.revenue), 0) FROM "
      "silver.orders o WHERE " + in_window("o.ingested_at", "o.batch_id"),
      "INSERT INTO dq_clicks SELECT i.event_date, count(*), count(*) FILTER (WHERE NOT "
      "((i.event_id, i.event_type, i.user_hmac, i.session_id, i.platform, i.occurred_at, "
      "i.event_date, i.event_hour) IS NOT NULL)), count(*) FILTER (WHERE i.platform NOT IN "
      "('WEB', 'IOS', 'ANDROID', 'BACKEND') OR i.event_type NOT IN ('page_view', "
      "'product_view', 'search', 'add_to_cart', 'remove_from_cart', 'checkout_started', "
      "'purchase')) FROM silver.interactions i WHERE " +
          in_window("i.ingested_at", "i.batch_id") + " GROUP BY 1",
      // Every key the window's facts use, each once, in one scan; revenue per day.
      "INSERT INTO dq_facts SELECT CASE WHEN GROUPING(f.date_key) = 0 THEN 'date' WHEN "
      "GROUPING(f.customer_key) = 0 THEN 'customer' WHEN GROUPING(f.product_key) = 0 THEN "
      "'product' ELSE 'region' END, coalesce(f.date_key::bigint, f.customer_key, "
      "f.product_key, f.region_key), sum(f.revenue) FROM gold.fact_orders f WHERE " +
          in_window("f._ingested_at", "f._batch_id") +
          " GROUP BY GROUPING SETS ((f.date_key), (f.customer_key), (f.product_key), "
          "(f.region_key))",
      "INSERT INTO dq_quarantine SELECT q.event_type, count(*) FROM silver.quarantine q WHERE " +
          in_window("q.quarantined_at", "q.batch_id") + " GROUP BY 1",
  };
}

/// A check done in SQL over the scratch tables (and a few days of gold): one row of
/// (observed, passed, detail).
struct SqlCheck {
  const char* name;
  const char* category;
  const char* severity;
  const char* expected;
  std::string sql;
};

std::string bronze_covers(const std::string& event_type, const std::string& silver_count) {
  return "SELECT b - s - q, b >= s + q, format('bronze %s, silver %s, quarantine %s', b, s, q) "
         "FROM (SELECT (SELECT coalesce(sum(n), 0) FROM dq_bronze WHERE event_type = '" +
         event_type + "') AS b, (" + silver_count +
         ") AS s, (SELECT coalesce(sum(n), 0) FROM dq_quarantine WHERE event_type = '" +
         event_type + "') AS q) x";
}

// The latest few days the window's facts and interactions fall on: a reconciliation reads a
// few days of gold and silver, not all of it when orders span months.
constexpr const char* kFactDays =
    "(SELECT k FROM dq_facts WHERE dim = 'date' ORDER BY k DESC LIMIT 3)";
constexpr const char* kClickDays = "(SELECT event_date FROM dq_clicks ORDER BY 1 DESC LIMIT 3)";

std::vector<SqlCheck> sql_checks() {
  const std::string fact_days = kFactDays, click_days = kClickDays;
  return {
      {"completeness.silver_orders", "completeness", "critical",
       "no order of the window lacks a required column",
       "SELECT incomplete, incomplete = 0, incomplete || ' orders with a required column null' "
       "FROM dq_orders"},
      {"completeness.silver_interactions", "completeness", "critical",
       "no interaction of the window lacks a required column",
       "SELECT coalesce(sum(incomplete), 0), coalesce(sum(incomplete), 0) = 0, "
       "coalesce(sum(incomplete), 0) || ' interactions with a required column null' FROM dq_clicks"},
      {"validity.interaction_enums", "validity", "warning",
       "every interaction's platform and event type is a known value",
       "SELECT coalesce(sum(unknown), 0), coalesce(sum(unknown), 0) = 0, "
       "coalesce(sum(unknown), 0) || ' interactions with an unknown platform or type' FROM dq_clicks"},
      {"consistency.bronze_covers_orders", "consistency", "critical",
       "bronze rows >= silver rows + quarantine rows (orders topic)",
       bronze_covers("commerce.transaction", "SELECT n FROM dq_orders")},
      {"consistency.bronze_covers_interactions", "consistency", "critical",
       "bronze rows >= silver rows + quarantine rows (interactions topic)",
       bronze_covers("user.interaction", "SELECT coalesce(sum(n), 0) FROM dq_clicks")},
      {"consistency.bronze_unique_offsets", "consistency", "critical",
       "no two batches of the window hold the same Kafka offsets",
       // Each batch holds one range of offsets per partition (the offsets compare-and-set):
       // two ranges that overlap mean a record stored twice.
       "SELECT count(*), count(*) = 0, count(*) || ' batch ranges overlapping the previous "
       "one' FROM (SELECT lo, max(hi) OVER (PARTITION BY topic, partition ORDER BY lo ROWS "
       "BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi FROM dq_bronze) r "
       "WHERE lo <= prev_hi"},
      {"consistency.fact_orders_orphans", "consistency", "critical",
       "every fact of the window joins its date, customer, product and region",
       "SELECT count(*), count(*) = 0, count(*) || ' keys of the window''s facts missing from "
       "their dimension' FROM dq_facts WHERE NOT CASE dim "
       "WHEN 'date' THEN EXISTS (SELECT 1 FROM gold.dim_date d WHERE d.date_key = k) "
       "WHEN 'customer' THEN EXISTS (SELECT 1 FROM gold.dim_customer c WHERE c.customer_key = k) "
       "WHEN 'product' THEN EXISTS (SELECT 1 FROM gold.dim_product p WHERE p.product_key = k) "
       "ELSE EXISTS (SELECT 1 FROM gold.dim_region r WHERE r.region_key = k) END"},
      {"consistency.order_revenue_reconciled", "consistency", "critical",
       "fact_orders revenue = silver.orders revenue for the window's orders",
       "SELECT abs(f - s), f = s, format('fact_orders %s, silver.orders %s', f, s) FROM "
       "(SELECT (SELECT coalesce(sum(revenue), 0) FROM dq_facts WHERE dim = 'date') AS f, "
       "(SELECT revenue FROM dq_orders) AS s) x"},
      {"consistency.kpi_views_match_facts", "consistency", "critical",
       "vw_kpi_daily_revenue = fact_orders revenue on the latest 3 days the window's orders "
       "fall on",
       "SELECT abs(v - f), v = f, format('vw_kpi_daily_revenue %s, fact_orders %s, %s days', v, "
       "f, n) FROM (SELECT (SELECT coalesce(sum(r.revenue), 0) FROM gold.vw_kpi_daily_revenue r "
       "JOIN gold.dim_date d ON d.full_date = r.date WHERE d.date_key IN " + fact_days +
           ") AS v, (SELECT coalesce(sum(revenue), 0) FROM gold.fact_orders WHERE date_key IN " +
           fact_days + ") AS f, (SELECT count(*) FROM " + fact_days + " d) AS n) x"},
      {"consistency.behaviour_reconciled", "consistency", "critical",
       "interaction cells = silver.interactions (events and revenue) on the latest 3 days of "
       "the window's interactions",
       "SELECT abs(ce - se) + abs(cr - sr), ce = se AND cr = sr, format('cells %s events %s "
       "revenue, silver %s events %s revenue, %s days', ce, cr, se, sr, n) FROM (SELECT "
       "(SELECT coalesce(sum(events), 0) FROM gold.agg_interactions_hourly WHERE event_date IN " +
           click_days + ") AS ce, (SELECT coalesce(sum(revenue), 0) FROM "
           "gold.agg_interactions_hourly WHERE event_date IN " + click_days + ") AS cr, "
           "(SELECT count(*) FROM silver.interactions WHERE event_date IN " + click_days +
           ") AS se, (SELECT coalesce(sum(revenue), 0) FROM silver.interactions WHERE "
           "event_date IN " + click_days + ") AS sr, (SELECT count(*) FROM " + click_days +
           " d) AS n) x"},
      {"consistency.distinct_counts", "consistency", "critical",
       "each day's user and session counts equal its member sets",
       "SELECT count(*), count(*) = 0, count(*) || ' days x platforms whose counts differ' "
       "FROM gold.daily_distinct d WHERE d.event_date IN " + click_days + " AND "
       "(d.users, d.sessions) <> (SELECT count(*) FILTER (WHERE m.member_kind = 'user' AND "
       "m.events > 0), count(*) FILTER (WHERE m.member_kind = 'session' AND m.events > 0) "
       "FROM gold.daily_members m WHERE m.event_date = d.event_date AND m.platform = d.platform)"},
  };
}

double to_double(std::string_view text) {
  double v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::string fixed(double v) {
  std::ostringstream s;
  s.precision(4);
  s << std::fixed << v;
  return s.str();
}

void check_quarantine_rates(pg::Session& s, const DqConfig& config, std::vector<DqResult>& out) {
  auto records = s.exec(
      "SELECT coalesce(sum(bronze_rows - dlq_rows), 0) FROM ops.batches "
      "WHERE batch_id IN (SELECT batch_id FROM dq_batches)");
  double total_records = to_double(records.value(0, 0));
  auto by_reason = s.exec(
      "SELECT r.key, sum(r.value::bigint) FROM ops.batches b, "
      "jsonb_each_text(b.quarantine_by_reason) r WHERE b.batch_id IN "
      "(SELECT batch_id FROM dq_batches) GROUP BY r.key");
  std::map<std::string, double> counts;
  double total = 0;
  for (int i = 0; i < by_reason.rows(); ++i) {
    double n = to_double(by_reason.value(i, 1));
    counts[std::string(by_reason.value(i, 0))] = n;
    total += n;
  }
  // Every reason named in a band is judged, seen or not (a band may require a minimum).
  for (const auto& [reason, band] : config.quarantine_bands) {
    if (reason != "*" && reason != "total") counts.try_emplace(reason, 0);
  }
  counts["total"] = total;
  for (const auto& [reason, n] : counts) {
    auto band_it = config.quarantine_bands.find(reason);
    const RateBand band = band_it != config.quarantine_bands.end()
                              ? band_it->second
                              : config.quarantine_bands.count("*") ? config.quarantine_bands.at("*")
                                                                   : RateBand{};
    double rate = total_records > 0 ? n / total_records : 0;
    DqResult r;
    r.name = "validity.quarantine_rate." + reason;
    r.category = "validity";
    r.severity = reason == "total" ? "critical" : "warning";
    r.observed = rate;
    r.expected = "rate within " + fixed(band.min) + " - " + fixed(band.max);
    r.passed = total_records == 0 || (rate >= band.min && rate <= band.max);
    r.detail = total_records == 0 ? "no records in the window"
                                  : fixed(n) + " of " + fixed(total_records) + " records";
    out.push_back(std::move(r));
  }
}

DqResult check_freshness(pg::Session& s, const DqConfig& config, int64_t pending_records) {
  auto age = s.exec(
      "SELECT extract(epoch FROM now() - max(committed_at)) FROM ops.batches "
      "WHERE silver_rows > 0");
  DqResult r{"freshness.silver", "freshness", "critical", false, 0,
             "newest silver row at most " + fixed(config.freshness_max_seconds) +
                 " s old while records wait in Kafka",
             ""};
  bool any = !age.is_null(0, 0);
  r.observed = any ? to_double(age.value(0, 0)) : -1;
  r.passed = pending_records == 0 || (any && r.observed <= config.freshness_max_seconds);
  r.detail = std::to_string(pending_records) + " records waiting; " +
             (any ? "newest silver row " + fixed(r.observed) + " s old" : "no silver row yet");
  return r;
}

}  // namespace

std::map<std::string, RateBand> parse_rate_bands(const std::string& text) {
  std::map<std::string, RateBand> out;
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    auto eq = part.find('=');
    auto dash = part.find('-', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || eq == 0 || dash == std::string::npos) {
      throw std::invalid_argument("'" + part + "' is not reason=min-max");
    }
    RateBand band;
    auto parse = [&](std::string_view v, double& target) {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), target);
      if (ec != std::errc() || end != v.data() + v.size() || target < 0 || target > 1) {
        throw std::invalid_argument("'" + part + "': rates are fractions from 0 to 1");
      }
    };
    std::string_view p(part);
    parse(p.substr(eq + 1, dash - eq - 1), band.min);
    parse(p.substr(dash + 1), band.max);
    if (band.min > band.max) throw std::invalid_argument("'" + part + "': min above max");
    out[part.substr(0, eq)] = band;
  }
  return out;
}

std::vector<DqResult> run_dq_checks(pg::Session& s, const DqConfig& config,
                                    int64_t pending_records) {
  std::vector<DqResult> out;
  s.exec(kCreateScratch);
  s.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    auto fills = fill_scratch();
    s.exec_params(fills[0], {std::to_string(config.window_seconds)});
    for (size_t i = 1; i < fills.size(); ++i) s.exec(fills[i]);
    for (const auto& c : sql_checks()) {
      auto row = s.exec(c.sql);
      out.push_back({c.name, c.category, c.severity, row.value(0, 1) == "t",
                     to_double(row.value(0, 0)), c.expected, std::string(row.value(0, 2))});
    }
    check_quarantine_rates(s, config, out);
    out.push_back(check_freshness(s, config, pending_records));
    s.exec("COMMIT");
  } catch (...) {
    try {
      s.exec("ROLLBACK");
    } catch (...) {
      // The connection is gone; the caller drops the session.
    }
    throw;
  }
  return out;
}

void store_dq_results(pg::Session& s, const std::string& run_id,
                      const std::vector<DqResult>& results) {
  s.exec("BEGIN");
  for (const auto& r : results) {
    s.exec_params(
        "INSERT INTO ops.dq_results (run_id, check_name, category, severity, passed, observed, "
        "expected, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {run_id, r.name, r.category, r.severity, r.passed ? "true" : "false",
         std::to_string(r.observed), r.expected, r.detail});
  }
  s.exec("DELETE FROM ops.dq_results WHERE checked_at < now() - interval '30 days'");
  s.exec("COMMIT");
}

}  // namespace analytics::transformer
