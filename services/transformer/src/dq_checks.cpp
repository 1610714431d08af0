#include "dq_checks.hpp"

#include <charconv>
#include <sstream>
#include <stdexcept>

namespace analytics::transformer {
namespace {

// The batches committed in the window ($1 seconds) and the earliest of their ingestion times.
// Every row a batch writes carries its batch id and that ingestion time (quarantine rows a
// later one), so
// `in_window` selects exactly the rows of those batches (the time bound lets the planner use
// the BRIN indexes of migration 006 instead of reading whole tables).
constexpr const char* kWindow = R"sql(
WITH w AS (SELECT batch_id, coalesce(ingested_at, started_at) AS ingested_at FROM ops.batches
           WHERE committed_at >= now() - make_interval(secs => $1::double precision)),
     since AS (SELECT coalesce(min(ingested_at), now()) AS at FROM w)
)sql";

std::string in_window(const std::string& time_column, const std::string& batch_column) {
  return "(" + time_column + " >= (SELECT at FROM since) AND " + batch_column +
         " IN (SELECT batch_id FROM w))";
}

/// A check done in SQL: one row of (observed, passed, detail).
struct SqlCheck {
  const char* name;
  const char* category;
  const char* severity;
  const char* expected;
  std::string sql;  // after kWindow
};

std::string bronze_covers(const std::string& event_type, const std::string& silver_table) {
  return "SELECT b - s - q, b >= s + q, format('bronze %s, silver %s, quarantine %s', b, s, q) "
         "FROM (SELECT (SELECT count(*) FROM bronze.events e WHERE e.event_type = '" +
         event_type + "' AND " + in_window("e.ingested_at", "e.batch_id") +
         ") AS b, (SELECT count(*) FROM " + silver_table + " t WHERE " +
         in_window("t.ingested_at", "t.batch_id") +
         ") AS s, (SELECT count(*) FROM silver.quarantine q WHERE q.event_type = '" + event_type +
         "' AND " + in_window("q.quarantined_at", "q.batch_id") + ") AS q) x";
}

std::vector<SqlCheck> sql_checks() {
  const std::string orders = in_window("o.ingested_at", "o.batch_id");
  const std::string clicks = in_window("i.ingested_at", "i.batch_id");
  const std::string facts = in_window("f._ingested_at", "f._batch_id");
  return {
      {"completeness.silver_orders", "completeness", "critical",
       "no order of the window lacks a required column",
       "SELECT count(*), count(*) = 0, count(*) || ' orders with a required column null' "
       "FROM silver.orders o WHERE " + orders +
           " AND NOT ((o.order_id, o.customer_id, o.product, o.category, o.region, o.status, "
           "o.quantity, o.price, o.revenue, o.order_ts, o.event_date) IS NOT NULL)"},
      {"completeness.silver_interactions", "completeness", "critical",
       "no interaction of the window lacks a required column",
       "SELECT count(*), count(*) = 0, count(*) || ' interactions with a required column null' "
       "FROM silver.interactions i WHERE " + clicks +
           " AND NOT ((i.event_id, i.event_type, i.user_hmac, i.session_id, i.platform, "
           "i.occurred_at, i.event_date, i.event_hour) IS NOT NULL)"},
      {"validity.interaction_enums", "validity", "warning",
       "every interaction's platform and event type is a known value",
       "SELECT count(*), count(*) = 0, count(*) || ' interactions with an unknown platform or type' "
       "FROM silver.interactions i WHERE " + clicks +
           " AND (i.platform NOT IN ('WEB', 'IOS', 'ANDROID', 'BACKEND') OR i.event_type NOT IN "
           "('page_view', 'product_view', 'search', 'add_to_cart', 'remove_from_cart', "
           "'checkout_started', 'purchase'))"},
      {"consistency.bronze_covers_orders", "consistency", "critical",
       "bronze rows >= silver rows + quarantine rows (orders topic)",
       bronze_covers("commerce.transaction", "silver.orders")},
      {"consistency.bronze_covers_interactions", "consistency", "critical",
       "bronze rows >= silver rows + quarantine rows (interactions topic)",
       bronze_covers("user.interaction", "silver.interactions")},
      {"consistency.bronze_unique_offsets", "consistency", "critical",
       "no Kafka record of the window is in bronze twice",
       "SELECT count(*), count(*) = 0, count(*) || ' records stored more than once' FROM "
       "(SELECT 1 FROM bronze.events e WHERE " + in_window("e.ingested_at", "e.batch_id") +
           " GROUP BY e.topic, e.partition, e.\"offset\" HAVING count(*) > 1) twice"},
      {"consistency.fact_orders_orphans", "consistency", "critical",
       "every fact of the window joins its date, customer, product and region",
       "SELECT count(*), count(*) = 0, count(*) || ' facts with a key missing from its dimension' "
       "FROM gold.fact_orders f WHERE " + facts +
           " AND (NOT EXISTS (SELECT 1 FROM gold.dim_date d WHERE d.date_key = f.date_key)"
           " OR NOT EXISTS (SELECT 1 FROM gold.dim_customer c WHERE c.customer_key = f.customer_key)"
           " OR NOT EXISTS (SELECT 1 FROM gold.dim_product p WHERE p.product_key = f.product_key)"
           " OR NOT EXISTS (SELECT 1 FROM gold.dim_region r WHERE r.region_key = f.region_key))"},
      {"consistency.order_revenue_reconciled", "consistency", "critical",
       "fact_orders revenue = silver.orders revenue for the window's orders",
       "SELECT abs(f - s), f = s, format('fact_orders %s, silver.orders %s', f, s) FROM "
       "(SELECT (SELECT coalesce(sum(revenue), 0) FROM gold.fact_orders f WHERE " + facts +
           ") AS f, (SELECT coalesce(sum(revenue), 0) FROM silver.orders o WHERE " + orders +
           ") AS s) x"},
      {"consistency.kpi_views_match_facts", "consistency", "critical",
       "vw_kpi_daily_revenue = fact_orders revenue on the days the window's orders fall on",
       "SELECT abs(v - f), v = f, format('vw_kpi_daily_revenue %s, fact_orders %s, %s days', v, f, n) "
       "FROM (SELECT (SELECT coalesce(sum(r.revenue), 0) FROM gold.vw_kpi_daily_revenue r "
       "JOIN gold.dim_date d ON d.full_date = r.date WHERE d.date_key IN (SELECT date_key FROM days)) AS v,"
       " (SELECT coalesce(sum(revenue), 0) FROM gold.fact_orders WHERE date_key IN "
       "(SELECT date_key FROM days)) AS f, (SELECT count(*) FROM days) AS n) x"},
      {"consistency.behaviour_reconciled", "consistency", "critical",
       "interaction cells = silver.interactions (events and revenue) on the window's days",
       "SELECT abs(ce - se) + abs(cr - sr), ce = se AND cr = sr, format('cells %s events %s "
       "revenue, silver %s events %s revenue, %s days', ce, cr, se, sr, n) FROM (SELECT "
       "(SELECT coalesce(sum(events), 0) FROM gold.agg_interactions_hourly WHERE event_date IN "
       "(SELECT event_date FROM click_days)) AS ce, (SELECT coalesce(sum(revenue), 0) FROM "
       "gold.agg_interactions_hourly WHERE event_date IN (SELECT event_date FROM click_days)) AS cr, "
       "(SELECT count(*) FROM silver.interactions WHERE event_date IN (SELECT event_date FROM "
       "click_days)) AS se, (SELECT coalesce(sum(revenue), 0) FROM silver.interactions WHERE "
       "event_date IN (SELECT event_date FROM click_days)) AS sr, (SELECT count(*) FROM "
       "click_days) AS n) x"},
      {"consistency.distinct_counts", "consistency", "critical",
       "each day's user and session counts equal its member sets",
       "SELECT count(*), count(*) = 0, count(*) || ' days x platforms whose counts differ' "
       "FROM gold.daily_distinct d WHERE d.event_date IN (SELECT event_date FROM click_days) AND "
       "(d.users, d.sessions) <> (SELECT count(*) FILTER (WHERE m.member_kind = 'user' AND "
       "m.events > 0), count(*) FILTER (WHERE m.member_kind = 'session' AND m.events > 0) "
       "FROM gold.daily_members m WHERE m.event_date = d.event_date AND m.platform = d.platform)"},
  };
}

// The days the window's facts and interactions fall on, for the checks above that need them.
std::string with_days(const std::string& sql) {
  return std::string(kWindow) +
         ", days AS (SELECT DISTINCT f.date_key FROM gold.fact_orders f WHERE " +
         in_window("f._ingested_at", "f._batch_id") +
         "), click_days AS (SELECT DISTINCT i.event_date FROM silver.interactions i WHERE " +
         in_window("i.ingested_at", "i.batch_id") + ") " + sql;
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
  const std::string window = std::to_string(config.window_seconds);
  auto records = s.exec_params(std::string(kWindow) +
                                   "SELECT coalesce(sum(bronze_rows - dlq_rows), 0) FROM "
                                   "ops.batches WHERE batch_id IN (SELECT batch_id FROM w)",
                               {window});
  double total_records = to_double(records.value(0, 0));
  auto by_reason = s.exec_params(
      std::string(kWindow) +
          "SELECT r.key, sum(r.value::bigint) FROM ops.batches b, "
          "jsonb_each_text(b.quarantine_by_reason) r WHERE b.batch_id IN (SELECT batch_id FROM w) "
          "GROUP BY r.key",
      {window});
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
  s.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    for (const auto& c : sql_checks()) {
      auto row = s.exec_params(with_days(c.sql), {std::to_string(config.window_seconds)});
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
