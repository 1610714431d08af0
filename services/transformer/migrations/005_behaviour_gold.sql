-- Behaviour gold (issue 8), kept per batch from silver.interactions like the order aggregates
-- (migration 004): each batch's written events are added to their cells and, when a later
-- version replaces a stored event, the stored version is first taken out of its cells
-- (gold_interactions_writer.cpp). Cells are keyed by event time, so a late event moves its own
-- hour and day only. The views at the end are the stable contract for BI tools and kpi-api.

-- Additive counts: one cell per hour of event time, platform, event type, product and category
-- ('' where the event has none). Funnel, hourly activity, product views and category activity
-- all read these cells. Cells whose events all moved away stay, at zero.
CREATE TABLE gold.agg_interactions_hourly (
  event_hour  timestamptz NOT NULL,
  event_date  date        NOT NULL,  -- UTC day of event_hour
  platform    text        NOT NULL,
  event_type  text        NOT NULL,
  product     text        NOT NULL,
  category    text        NOT NULL,
  events      bigint      NOT NULL,
  late_events bigint      NOT NULL,
  units       bigint      NOT NULL,  -- quantity of purchases
  revenue     numeric     NOT NULL,  -- revenue of purchases
  PRIMARY KEY (event_hour, platform, event_type, product, category)
);
CREATE INDEX agg_interactions_hourly_date ON gold.agg_interactions_hourly (event_date);

-- Exact distinct counts under incremental maintenance: every (day, platform) keeps the set of
-- its users and of its sessions, each member with its number of events ('' = all platforms, so
-- a user active on two platforms counts once there). A member counts while it has events; the
-- transformer moves the counts in daily_distinct when a member's events go from 0 to more or
-- back, so reading a distinct count never counts the set.
CREATE TABLE gold.daily_members (
  event_date  date   NOT NULL,
  platform    text   NOT NULL,
  member_kind text   NOT NULL CHECK (member_kind IN ('user', 'session')),
  member      text   NOT NULL,  -- user_hmac or session_id
  events      bigint NOT NULL,
  PRIMARY KEY (event_date, platform, member_kind, member)
);

CREATE TABLE gold.daily_distinct (
  event_date date   NOT NULL,
  platform   text   NOT NULL,  -- '' = all platforms
  users      bigint NOT NULL,
  sessions   bigint NOT NULL,
  PRIMARY KEY (event_date, platform)
);

-- Seed 000's first-touch attribution, per user: the earliest event carrying a utm_source, and
-- the user's first purchase. The transformer recomputes both from silver for every user a batch
-- touches, through these partial indexes (touches and purchases are a small part of events).
CREATE TABLE gold.user_attribution (
  user_hmac         text PRIMARY KEY,
  first_touch_at    timestamptz,
  touch_event_id    text,         -- ties on first_touch_at go to the smaller event id
  utm_source        text,
  utm_campaign      text,
  first_purchase_at timestamptz
);
CREATE INDEX interactions_user_touches ON silver.interactions (user_hmac, occurred_at, event_id)
  WHERE properties ->> 'utm_source' IS NOT NULL;
CREATE INDEX interactions_user_purchases ON silver.interactions (user_hmac, occurred_at)
  WHERE event_type = 'purchase';

-- What silver already holds (migration 003 started filling it).
INSERT INTO gold.agg_interactions_hourly
SELECT event_hour, event_date, platform, event_type, coalesce(product, ''), coalesce(category, ''),
       count(*), count(*) FILTER (WHERE is_late_arrival),
       coalesce(sum(quantity) FILTER (WHERE event_type = 'purchase'), 0), coalesce(sum(revenue), 0)
FROM silver.interactions GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO gold.daily_members
SELECT i.event_date, p.platform, k.member_kind, k.member, count(*)
FROM silver.interactions i
CROSS JOIN LATERAL (VALUES (i.platform), ('')) p (platform)
CROSS JOIN LATERAL (VALUES ('user', i.user_hmac), ('session', i.session_id)) k (member_kind, member)
GROUP BY 1, 2, 3, 4;
INSERT INTO gold.daily_distinct
SELECT event_date, platform, count(*) FILTER (WHERE member_kind = 'user'),
       count(*) FILTER (WHERE member_kind = 'session')
FROM gold.daily_members GROUP BY 1, 2;
INSERT INTO gold.user_attribution
SELECT coalesce(t.user_hmac, p.user_hmac), t.occurred_at, t.event_id, t.properties ->> 'utm_source',
       t.properties ->> 'utm_campaign', p.first_purchase_at
FROM (SELECT DISTINCT ON (user_hmac) user_hmac, occurred_at, event_id, properties FROM silver.interactions
      WHERE properties ->> 'utm_source' IS NOT NULL ORDER BY user_hmac, occurred_at, event_id) t
FULL JOIN (SELECT user_hmac, min(occurred_at) AS first_purchase_at FROM silver.interactions
           WHERE event_type = 'purchase' GROUP BY 1) p ON p.user_hmac = t.user_hmac;

-- The views.

-- Seed 000: DAU, sessions, events, events per session and late arrivals per day and platform.
CREATE VIEW gold.vw_daily_active_users AS
SELECT c.event_date                                                        AS date,
       c.platform,
       d.users                                                             AS dau,
       d.sessions,
       sum(c.events)::bigint                                               AS events,
       round(sum(c.events)::numeric / nullif(d.sessions, 0), 2)            AS events_per_session,
       sum(c.late_events)::bigint                                          AS late_arrivals
FROM gold.agg_interactions_hourly c
JOIN gold.daily_distinct d ON d.event_date = c.event_date AND d.platform = c.platform
GROUP BY c.event_date, c.platform, d.users, d.sessions
HAVING sum(c.events) > 0;

-- Seed 004 #5: unique users and sessions per day, across platforms.
CREATE VIEW gold.vw_user_activity_daily AS
SELECT event_date AS date, users AS unique_users, sessions
FROM gold.daily_distinct
WHERE platform = '' AND users > 0;

-- Seed 004 #1: the funnel per day and product; conversion = purchases / product views.
CREATE VIEW gold.vw_funnel_daily AS
SELECT event_date                                                          AS date,
       product,
       coalesce(sum(events) FILTER (WHERE event_type = 'product_view'), 0)::bigint      AS product_views,
       coalesce(sum(events) FILTER (WHERE event_type = 'add_to_cart'), 0)::bigint       AS add_to_cart,
       coalesce(sum(events) FILTER (WHERE event_type = 'checkout_started'), 0)::bigint  AS checkout_started,
       coalesce(sum(events) FILTER (WHERE event_type = 'purchase'), 0)::bigint          AS purchases,
       round(100.0 * coalesce(sum(events) FILTER (WHERE event_type = 'purchase'), 0)
             / nullif(sum(events) FILTER (WHERE event_type = 'product_view'), 0), 2)
                                                                           AS conversion_pct
FROM gold.agg_interactions_hourly
WHERE product <> ''
GROUP BY event_date, product
HAVING sum(events) > 0;

-- Seed 004 #2: activity and revenue per hour of event time.
CREATE VIEW gold.vw_hourly_activity AS
SELECT event_hour                                                          AS hour,
       sum(events)::bigint                                                 AS events,
       coalesce(sum(events) FILTER (WHERE event_type = 'purchase'), 0)::bigint          AS purchases,
       round(sum(revenue), 2)                                              AS revenue
FROM gold.agg_interactions_hourly
GROUP BY event_hour
HAVING sum(events) > 0;

-- Seed 004 #3: product views per day, ranked within the day.
CREATE VIEW gold.vw_product_views AS
SELECT event_date                                                          AS date,
       product,
       sum(events)::bigint                                                 AS views,
       rank() OVER (PARTITION BY event_date ORDER BY sum(events) DESC)     AS views_rank
FROM gold.agg_interactions_hourly
WHERE event_type = 'product_view' AND product <> ''
GROUP BY event_date, product
HAVING sum(events) > 0;

-- Seed 004 #4: events per day, category and event type.
CREATE VIEW gold.vw_category_activity AS
SELECT event_date AS date, category, event_type, sum(events)::bigint AS events
FROM gold.agg_interactions_hourly
WHERE category <> ''
GROUP BY event_date, category, event_type
HAVING sum(events) > 0;

-- Seed 000: users attributed to their first touch's campaign, and those whose first purchase
-- came after it (the seed's rule).
CREATE VIEW gold.vw_campaign_attribution AS
SELECT utm_source,
       utm_campaign,
       count(*)                                                            AS attributed_users,
       count(*) FILTER (WHERE first_purchase_at > first_touch_at)          AS converted_users,
       round(100.0 * count(*) FILTER (WHERE first_purchase_at > first_touch_at) / count(*), 2)
                                                                           AS conversion_pct
FROM gold.user_attribution
WHERE first_touch_at IS NOT NULL
GROUP BY utm_source, utm_campaign;
