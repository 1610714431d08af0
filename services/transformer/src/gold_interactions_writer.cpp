#include "gold_interactions_writer.hpp"

#include <string>

namespace analytics::transformer {
namespace {

// One row per written event (+1) and per replaced stored version (-1), with what it adds to
// the cells and sets.
constexpr const char* kCreateDeltas = R"sql(
CREATE TEMP TABLE IF NOT EXISTS stage_interaction_deltas (
  event_hour timestamptz, event_date date, platform text, event_type text, product text,
  category text, user_hmac text, session_id text, events integer, late_events integer,
  units integer, revenue numeric
) ON COMMIT DELETE ROWS)sql";

// What one event adds to the cells and sets, times `sign`; only purchases carry units and
// revenue into the cells.
std::string delta_columns(const std::string& sign) {
  return "event_hour, event_date, platform, event_type, coalesce(product, ''), "
         "coalesce(category, ''), user_hmac, session_id, " +
         sign + ", " + sign + " * is_late_arrival::int, CASE WHEN event_type = 'purchase' THEN " +
         sign + " * coalesce(quantity, 0) ELSE 0 END, " + sign + " * coalesce(revenue, 0)";
}

// A stored version was replaced when its key is still staged after the silver upsert.
std::string stage_deltas() {
  return "INSERT INTO stage_interaction_deltas SELECT " + delta_columns("1") +
         " FROM stage_interactions UNION ALL SELECT " + delta_columns("-1") +
         " FROM replaced_interactions r WHERE EXISTS (SELECT 1 FROM stage_interactions s "
         "WHERE s.event_id = r.event_id AND s.event_type = r.event_type)";
}

// Cells are updated in key order, so two instances never deadlock on them.
constexpr const char* kApplyCells = R"sql(
INSERT INTO gold.agg_interactions_hourly AS a
SELECT event_hour, event_date, platform, event_type, product, category, sum(events),
       sum(late_events), sum(units), sum(revenue)
FROM stage_interaction_deltas
GROUP BY event_hour, event_date, platform, event_type, product, category
HAVING sum(events) <> 0 OR sum(late_events) <> 0 OR sum(units) <> 0 OR sum(revenue) <> 0
ORDER BY event_hour, platform, event_type, product, category
ON CONFLICT (event_hour, platform, event_type, product, category) DO UPDATE SET
  events = a.events + EXCLUDED.events, late_events = a.late_events + EXCLUDED.late_events,
  units = a.units + EXCLUDED.units, revenue = a.revenue + EXCLUDED.revenue)sql";

// Each event counts for its user and its session, on its platform and on all platforms ('').
// A member whose events go from 0 to more joins its day's distinct count; one that drops back
// to 0 leaves it: after the upsert, old = new - delta.
constexpr const char* kApplyMembers = R"sql(
WITH delta AS (
  SELECT d.event_date, p.platform, k.member_kind, k.member, sum(d.events) AS events
  FROM stage_interaction_deltas d
  CROSS JOIN LATERAL (VALUES (d.platform), ('')) p (platform)
  CROSS JOIN LATERAL (VALUES ('user', d.user_hmac), ('session', d.session_id)) k (member_kind, member)
  GROUP BY 1, 2, 3, 4
  HAVING sum(d.events) <> 0),
written AS (
  INSERT INTO gold.daily_members AS m
  SELECT * FROM delta ORDER BY 1, 2, 3, 4
  ON CONFLICT (event_date, platform, member_kind, member) DO UPDATE SET
    events = m.events + EXCLUDED.events
  RETURNING event_date, platform, member_kind, member, events),
moved AS (
  SELECT w.event_date, w.platform, w.member_kind,
         CASE WHEN w.events > 0 AND w.events = d.events THEN 1
              WHEN w.events = 0 THEN -1 ELSE 0 END AS change
  FROM written w JOIN delta d USING (event_date, platform, member_kind, member))
INSERT INTO gold.daily_distinct AS c
SELECT event_date, platform, coalesce(sum(change) FILTER (WHERE member_kind = 'user'), 0),
       coalesce(sum(change) FILTER (WHERE member_kind = 'session'), 0)
FROM moved
GROUP BY 1, 2
HAVING bool_or(change <> 0)
ORDER BY 1, 2
ON CONFLICT (event_date, platform) DO UPDATE SET
  users = c.users + EXCLUDED.users, sessions = c.sessions + EXCLUDED.sessions)sql";

// Seed 000's first touch and first purchase of every user this batch could have changed (a
// written or replaced touch or purchase), recomputed from silver: two index probes per user
// (the partial indexes of migration 005), exact whatever order versions and late events arrive
// in. Ties on the touch time go to the smaller event id.
constexpr const char* kRefreshAttribution = R"sql(
INSERT INTO gold.user_attribution AS a
SELECT u.user_hmac, t.occurred_at, t.event_id, t.properties ->> 'utm_source',
       t.properties ->> 'utm_campaign', p.first_purchase_at
FROM (SELECT user_hmac FROM stage_interactions
      WHERE event_type = 'purchase' OR properties ->> 'utm_source' IS NOT NULL
      UNION
      SELECT user_hmac FROM replaced_interactions
      WHERE event_type = 'purchase' OR properties ->> 'utm_source' IS NOT NULL) u
LEFT JOIN LATERAL (SELECT occurred_at, event_id, properties FROM silver.interactions x
                   WHERE x.user_hmac = u.user_hmac AND x.properties ->> 'utm_source' IS NOT NULL
                   ORDER BY occurred_at, event_id LIMIT 1) t ON true
CROSS JOIN LATERAL (SELECT min(occurred_at) AS first_purchase_at FROM silver.interactions x
                    WHERE x.user_hmac = u.user_hmac AND x.event_type = 'purchase') p
ORDER BY u.user_hmac
ON CONFLICT (user_hmac) DO UPDATE SET
  first_touch_at = EXCLUDED.first_touch_at, touch_event_id = EXCLUDED.touch_event_id,
  utm_source = EXCLUDED.utm_source, utm_campaign = EXCLUDED.utm_campaign,
  first_purchase_at = EXCLUDED.first_purchase_at
WHERE (a.first_touch_at, a.touch_event_id, a.utm_source, a.utm_campaign, a.first_purchase_at)
      IS DISTINCT FROM (EXCLUDED.first_touch_at, EXCLUDED.touch_event_id, EXCLUDED.utm_source,
                        EXCLUDED.utm_campaign, EXCLUDED.first_purchase_at))sql";

}  // namespace

void GoldInteractionsWriter::forget(pg::Session& session, const IngestionRange&) {
  session.exec("INSERT INTO stage_interaction_deltas SELECT " + delta_columns("-1") +
               " FROM replaced_interactions");
  for (const char* stmt : {"apply_interaction_cells", "apply_daily_members", "refresh_attribution"}) {
    session.exec_prepared(stmt, {});
  }
}

void GoldInteractionsWriter::prepare(pg::Session& session) {
  session.exec(kCreateDeltas);
  session.prepare("stage_interaction_deltas", stage_deltas());
  session.prepare("apply_interaction_cells", kApplyCells);
  session.prepare("apply_daily_members", kApplyMembers);
  session.prepare("refresh_attribution", kRefreshAttribution);
}

void GoldInteractionsWriter::write(pg::Session& session, const Batch& batch, BatchStats&) {
  bool any = false;
  for (const auto& rec : batch.records) {
    if (std::holds_alternative<SilverInteraction>(rec.mapped)) {
      any = true;
      break;
    }
  }
  if (!any) return;  // four round trips saved on an orders-only batch
  for (const char* stmt : {"stage_interaction_deltas", "apply_interaction_cells",
                           "apply_daily_members", "refresh_attribution"}) {
    session.exec_prepared(stmt, {});
  }
}

}  // namespace analytics::transformer
