#include "interaction_generator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/time/iso8601.hpp"

namespace analytics::eventgen {
namespace {

using ::testing::IsEmpty;

const time::UnixMicros kAnchor = *time::parse_iso8601("2026-04-18T00:00:00Z");
constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr DirtRates kClean{0, 0, 0};
constexpr double kDefaultLateRate = 0.03;

struct Event {
  std::string text;  // the line exactly as generated
  nlohmann::json json;
  bool duplicate = false;  // its event_id already appeared earlier in the batch
  std::optional<time::UnixMicros> occurred_at;  // nullopt when malformed
};

std::vector<Event> parse_batch(const std::string& ndjson) {
  std::vector<Event> events;
  std::set<std::string> seen_ids;
  std::istringstream in(ndjson);
  for (std::string line; std::getline(in, line);) {
    Event e;
    e.json = nlohmann::json::parse(line);
    e.text = std::move(line);
    e.duplicate = !seen_ids.insert(e.json.at("event_id").get<std::string>()).second;
    const auto& ts = e.json.at("occurred_at");
    if (ts.is_string()) e.occurred_at = time::parse_iso8601(ts.get<std::string>());
    events.push_back(std::move(e));
  }
  return events;
}

std::string type_of(const Event& e) { return e.json.at("event_type").get<std::string>(); }

/// Event types that carry price and quantity (product_view carries price only).
bool carries_quantity(const std::string& type) {
  return type == "add_to_cart" || type == "remove_from_cart" || type == "checkout_started" ||
         type == "purchase";
}
bool carries_product(const std::string& type) {
  return type == "product_view" || carries_quantity(type);
}

/// Each session's original events (re-sent duplicates left out), in batch order.
std::map<std::string, std::vector<const Event*>> sessions_of(const std::vector<Event>& events) {
  std::map<std::string, std::vector<const Event*>> sessions;
  for (const auto& e : events) {
    if (!e.duplicate) sessions[e.json.at("session_id").get<std::string>()].push_back(&e);
  }
  return sessions;
}

/// Collects broken invariants so a bug over 100,000 events reports a count and a few examples
/// rather than 100,000 failures.
class Violations {
 public:
  void add(const std::string& what) {
    if (examples_.size() < 5) examples_.push_back(what);
    ++count_;
  }
  size_t count() const { return count_; }
  std::string examples() const {
    std::string out;
    for (const auto& e : examples_) out += "\n  " + e;
    return out;
  }

 private:
  size_t count_ = 0;
  std::vector<std::string> examples_;
};

std::map<std::string, const Product*> products_by_name() {
  std::map<std::string, const Product*> out;
  for (const auto& p : kProducts) out[std::string(p.name)] = &p;
  return out;
}

TEST(InteractionGeneratorTest, SameSeedAnchorAndRatesGiveIdenticalBytes) {
  for (BatchFormat format : {BatchFormat::kJsonArray, BatchFormat::kNdjson}) {
    InteractionCounts a_counts, b_counts;
    std::string a =
        generate_interactions(3000, 42, DirtRates{}, kDefaultLateRate, kAnchor, format, &a_counts);
    std::string b =
        generate_interactions(3000, 42, DirtRates{}, kDefaultLateRate, kAnchor, format, &b_counts);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a_counts.malformed_timestamp, b_counts.malformed_timestamp);
    EXPECT_EQ(a_counts.missing_quantity, b_counts.missing_quantity);
    EXPECT_EQ(a_counts.missing_price, b_counts.missing_price);
    EXPECT_EQ(a_counts.duplicate_id, b_counts.duplicate_id);
    EXPECT_EQ(a_counts.late_arrival, b_counts.late_arrival);
    EXPECT_EQ(a_counts.sessions, b_counts.sessions);
  }
}

TEST(InteractionGeneratorTest, DifferentSeedsOrAnchorsDiffer) {
  std::string base =
      generate_interactions(100, 42, DirtRates{}, kDefaultLateRate, kAnchor, BatchFormat::kNdjson);
  EXPECT_NE(base, generate_interactions(100, 43, DirtRates{}, kDefaultLateRate, kAnchor,
                                        BatchFormat::kNdjson));
  EXPECT_NE(base, generate_interactions(100, 42, DirtRates{}, kDefaultLateRate,
                                        kAnchor - 24 * kHour, BatchFormat::kNdjson));
}

TEST(InteractionGeneratorTest, ZeroEventsGiveAnEmptyBatch) {
  EXPECT_EQ(generate_interactions(0, 1, {}, kDefaultLateRate, kAnchor, BatchFormat::kJsonArray),
            "[]");
  EXPECT_EQ(generate_interactions(0, 1, {}, kDefaultLateRate, kAnchor, BatchFormat::kNdjson), "");
}

TEST(InteractionGeneratorTest, NdjsonAndArrayHoldTheSameEvents) {
  auto lines = parse_batch(
      generate_interactions(500, 9, DirtRates{}, kDefaultLateRate, kAnchor, BatchFormat::kNdjson));
  auto array = nlohmann::json::parse(generate_interactions(500, 9, DirtRates{}, kDefaultLateRate,
                                                           kAnchor, BatchFormat::kJsonArray));
  ASSERT_EQ(lines.size(), 500u);
  ASSERT_TRUE(array.is_array());
  ASSERT_EQ(array.size(), 500u);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i].json, array[i]) << i;
}

TEST(InteractionGeneratorTest, EveryEventHasTheEnvelopeFields) {
  const std::set<std::string> types = {"page_view",   "product_view",     "search",
                                       "add_to_cart", "remove_from_cart", "checkout_started",
                                       "purchase"};
  const std::set<std::string> platforms = {"WEB", "IOS", "ANDROID", "BACKEND"};
  const std::set<std::string> currencies(kCurrencies.begin(), kCurrencies.end());
  auto events = parse_batch(generate_interactions(5000, 17, DirtRates{}, kDefaultLateRate, kAnchor,
                                                  BatchFormat::kNdjson));
  ASSERT_EQ(events.size(), 5000u);
  for (const auto& e : events) {
    const auto& j = e.json;
    ASSERT_TRUE(j.is_object()) << e.text;
    for (const char* key : {"event_id", "user_id", "session_id", "event_type", "platform"}) {
      ASSERT_TRUE(j.contains(key) && j.at(key).is_string()) << key << " in " << e.text;
      EXPECT_FALSE(j.at(key).get<std::string>().empty()) << key << " in " << e.text;
    }
    ASSERT_TRUE(j.contains("occurred_at") && j.at("occurred_at").is_string()) << e.text;
    EXPECT_EQ(j.value("schema_version", 0), 1) << e.text;
    EXPECT_TRUE(types.count(j.at("event_type").get<std::string>())) << e.text;
    EXPECT_TRUE(platforms.count(j.at("platform").get<std::string>())) << e.text;
    ASSERT_TRUE(j.contains("properties")) << e.text;
    EXPECT_TRUE(currencies.count(j.at("properties").value("currency", ""))) << e.text;
  }
}

TEST(InteractionGeneratorTest, CategoryAlwaysMatchesTheProduct) {
  auto products = products_by_name();
  auto events = parse_batch(generate_interactions(20000, 23, DirtRates{}, kDefaultLateRate, kAnchor,
                                                  BatchFormat::kNdjson));
  size_t with_product = 0;
  Violations bad;
  for (const auto& e : events) {
    std::string type = type_of(e);
    if (!carries_product(type)) {
      if (e.json.contains("product") || e.json.contains("category") || e.json.contains("price") ||
          e.json.contains("quantity")) {
        bad.add("non-commerce event with commerce fields: " + e.text);
      }
      continue;
    }
    ++with_product;
    auto it = products.find(e.json.value("product", ""));
    if (it == products.end()) {
      bad.add("unknown product: " + e.text);
      continue;
    }
    if (e.json.value("category", "") != it->second->category) bad.add("category: " + e.text);
    // The clickstream shows the catalogue's list price.
    if (e.json.contains("price") &&
        std::llround(e.json.at("price").get<double>() * 100) != it->second->list_price_cents) {
      bad.add("price: " + e.text);
    }
  }
  EXPECT_GT(with_product, 5000u);
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
}

TEST(InteractionGeneratorTest, CleanBatchValidatesAgainstTheSchema) {
  auto registry = contracts::SchemaRegistry::load(ANALYTICS_SOURCE_DIR "/proto/schemas");
  InteractionCounts counts{1, 1, 1, 1, 0, 0};
  auto events = parse_batch(generate_interactions(5000, 11, kClean, kDefaultLateRate, kAnchor,
                                                  BatchFormat::kNdjson, &counts));
  ASSERT_EQ(events.size(), 5000u);
  for (const auto& e : events) {
    auto errors = registry.validate("user.interaction", 1, e.json);
    EXPECT_THAT(errors, IsEmpty())
        << e.text
        << " first error: " << (errors.empty() ? "" : errors[0].field + " " + errors[0].message);
    EXPECT_FALSE(e.duplicate) << e.text;
    EXPECT_TRUE(e.occurred_at.has_value()) << e.text;
    if (carries_quantity(type_of(e))) {
      EXPECT_TRUE(e.json.contains("quantity")) << e.text;
      EXPECT_TRUE(e.json.contains("price")) << e.text;
    }
  }
  EXPECT_EQ(counts.malformed_timestamp, 0u);
  EXPECT_EQ(counts.missing_quantity, 0u);
  EXPECT_EQ(counts.missing_price, 0u);
  EXPECT_EQ(counts.duplicate_id, 0u);
  EXPECT_GT(counts.sessions, 0u);
}

TEST(InteractionGeneratorTest, WithoutLateRateEveryEventIsWithinTenMinutesOfTheAnchor) {
  InteractionCounts counts;
  auto events = parse_batch(generate_interactions(20000, 31, DirtRates{}, /*late_rate=*/0, kAnchor,
                                                  BatchFormat::kNdjson, &counts));
  Violations bad;
  size_t parsed = 0;
  for (const auto& e : events) {
    if (!e.occurred_at) continue;
    ++parsed;
    if (*e.occurred_at < kAnchor - 600 * kSecond) bad.add("more than 10 minutes old: " + e.text);
    if (*e.occurred_at > kAnchor) bad.add("in the future: " + e.text);
  }
  EXPECT_GT(parsed, 18000u);
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
  EXPECT_EQ(counts.late_arrival, 0u);
}

TEST(InteractionGeneratorTest, DuplicatesAreCountedExactlyWhenAnEarlierEventIsResent) {
  InteractionGenerator gen(5, DirtRates{0, 0, 0.3}, kDefaultLateRate, kAnchor);
  std::map<std::string, std::string> earlier;  // event_id -> text
  uint64_t dups_before = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string out;
    gen.append_one(out);
    std::string id = nlohmann::json::parse(out).at("event_id");
    bool counted_as_duplicate = gen.counts().duplicate_id > dups_before;
    dups_before = gen.counts().duplicate_id;
    if (i == 0) {
      EXPECT_FALSE(counted_as_duplicate);
    }
    auto it = earlier.find(id);
    ASSERT_EQ(counted_as_duplicate, it != earlier.end()) << "event " << i << ": " << out;
    if (it != earlier.end()) {
      EXPECT_EQ(out, it->second) << "event " << i << " is not a verbatim copy";
    } else {
      earlier.emplace(id, out);
    }
  }
  EXPECT_GT(dups_before, 500u);
}

// One 100,000-event batch with the default rates, shared by the statistics and session tests.
class InteractionBatchTest : public ::testing::Test {
 protected:
  static constexpr size_t kCount = 100000;
  // ±0.5 percentage points: 7 standard deviations for the 5 % timestamp rate and 3.5 for the
  // 3 % missing-field rate on the ~12,000 events that can lose a field; the seed is fixed, so a
  // failure means a changed rate, not bad luck.
  static constexpr double kTolerance = 0.005;

  static void SetUpTestSuite() {
    counts_ = new InteractionCounts;
    events_ = new std::vector<Event>(parse_batch(generate_interactions(
        kCount, 20260418, DirtRates{}, kDefaultLateRate, kAnchor, BatchFormat::kNdjson, counts_)));
    sessions_ = new std::map<std::string, std::vector<const Event*>>(sessions_of(*events_));
  }
  static void TearDownTestSuite() {
    delete sessions_;
    delete events_;
    delete counts_;
  }
  static double share(uint64_t n, uint64_t of) { return static_cast<double>(n) / of; }

  static std::vector<Event>* events_;
  static std::map<std::string, std::vector<const Event*>>* sessions_;
  static InteractionCounts* counts_;
};

std::vector<Event>* InteractionBatchTest::events_ = nullptr;
std::map<std::string, std::vector<const Event*>>* InteractionBatchTest::sessions_ = nullptr;
InteractionCounts* InteractionBatchTest::counts_ = nullptr;

TEST_F(InteractionBatchTest, SessionsAreCoherent) {
  ASSERT_EQ(events_->size(), kCount);
  Violations bad;
  // A session's events are emitted together: once another session starts, it never resumes.
  std::set<std::string> finished;
  std::string current;
  for (const auto& e : *events_) {
    if (e.duplicate) continue;
    std::string sid = e.json.at("session_id");
    if (sid == current) continue;
    if (!current.empty()) finished.insert(current);
    if (finished.count(sid)) bad.add("session resumed: " + e.text);
    current = sid;
  }

  for (const auto& [sid, events] : *sessions_) {
    const auto& first = events.front()->json;
    if (first.at("event_type") != "page_view") bad.add("starts without a page_view: " + sid);
    const std::string user = first.at("user_id");
    const std::string platform = first.at("platform");
    const std::string currency = first.at("properties").at("currency");
    std::optional<time::UnixMicros> last_ts;
    bool product_viewed = false, in_cart = false, checked_out = false;
    for (const Event* e : events) {
      const auto& j = e->json;
      const std::string type = j.at("event_type");
      if (j.at("user_id") != user) bad.add("user changes within session: " + e->text);
      if (j.at("properties").at("currency") != currency) bad.add("currency changes: " + e->text);
      if (type == "purchase") {
        if (j.at("platform") != "BACKEND") bad.add("purchase not from BACKEND: " + e->text);
      } else if (j.at("platform") != platform) {
        bad.add("platform changes within session: " + e->text);
      }
      if (e->occurred_at) {
        if (last_ts && *e->occurred_at < *last_ts) bad.add("time goes backwards: " + e->text);
        last_ts = e->occurred_at;
      }
      if (type == "product_view") product_viewed = true;
      if (type == "add_to_cart") {
        if (!product_viewed) bad.add("add_to_cart before any product_view: " + e->text);
        in_cart = true;
      }
      if (type == "remove_from_cart" && !in_cart) bad.add("remove before add: " + e->text);
      if (type == "checkout_started") {
        if (!in_cart) bad.add("checkout without a cart: " + e->text);
        checked_out = true;
      }
      if (type == "purchase" && !checked_out) bad.add("purchase before checkout: " + e->text);
    }
  }
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
  EXPECT_GT(sessions_->size(), 10000u);
}

TEST_F(InteractionBatchTest, FunnelDropsOffAtEveryStep) {
  uint64_t viewed = 0, carted = 0, kept = 0, checked_out = 0, purchased = 0;
  for (const auto& [sid, events] : *sessions_) {
    std::set<std::string> types;
    for (const Event* e : events) types.insert(type_of(*e));
    viewed += types.count("product_view");
    carted += types.count("add_to_cart");
    kept += types.count("add_to_cart") && !types.count("remove_from_cart");
    checked_out += types.count("checkout_started");
    purchased += types.count("purchase");
  }
  EXPECT_GT(viewed, carted);
  EXPECT_GT(carted, checked_out);
  EXPECT_GT(checked_out, purchased);
  EXPECT_GT(purchased, 0u);
  // The documented conversion rates, each with over 5 standard deviations of slack. A cart that
  // was emptied again (remove_from_cart) does not go on to checkout.
  EXPECT_NEAR(share(carted, viewed), 0.35, 0.03);
  EXPECT_NEAR(share(checked_out, kept), 0.55, 0.04);
  EXPECT_NEAR(share(purchased, checked_out), 0.65, 0.04);
}

TEST_F(InteractionBatchTest, OnlyTheFirstEventOfASessionCarriesFirstTouchProperties) {
  const std::set<std::string> pages(kPages.begin(), kPages.end());
  Violations bad;
  uint64_t with_utm = 0;
  for (const auto& [sid, events] : *sessions_) {
    const auto& first = events.front()->json.at("properties");
    if (!pages.count(first.value("page", ""))) bad.add("first event without page: " + sid);
    if (first.contains("utm_source")) {
      ++with_utm;
      bool known = false;
      for (const auto& c : kCampaigns) {
        known = known || (first.value("utm_source", "") == c.source &&
                          first.value("utm_medium", "") == c.medium &&
                          first.value("utm_campaign", "") == c.campaign);
      }
      if (!known) bad.add("unknown campaign: " + events.front()->text);
    } else if (first.contains("utm_medium") || first.contains("utm_campaign")) {
      bad.add("utm without a source: " + events.front()->text);
    }
    for (size_t i = 1; i < events.size(); ++i) {
      const auto& props = events[i]->json.at("properties");
      if (props.contains("utm_source") || props.contains("utm_medium") ||
          props.contains("utm_campaign") || props.contains("page")) {
        bad.add("later event with first-touch properties: " + events[i]->text);
      }
    }
  }
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
  // 30 % of sessions are direct traffic.
  EXPECT_NEAR(share(with_utm, sessions_->size()), 0.70, 0.03);
}

TEST_F(InteractionBatchTest, LateSessionsAreMobileAndMatchTheLateRate) {
  const time::UnixMicros late_before = kAnchor - kHour;
  Violations bad;
  uint64_t timed_events = 0, late_events = 0, timed_sessions = 0, late_sessions = 0;
  for (const auto& [sid, events] : *sessions_) {
    std::optional<bool> session_late;
    for (const Event* e : events) {
      if (!e->occurred_at) continue;
      bool late = *e->occurred_at < late_before;
      ++timed_events;
      late_events += late;
      if (session_late && *session_late != late) bad.add("session partly late: " + e->text);
      session_late = late;
      if (late) {
        std::string platform = e->json.at("platform");
        bool purchase = type_of(*e) == "purchase";
        if (purchase ? platform != "BACKEND" : platform != "IOS" && platform != "ANDROID") {
          bad.add("late event not from a mobile app: " + e->text);
        }
        if (*e->occurred_at < kAnchor - 6 * kHour - 600 * kSecond) bad.add("too late: " + e->text);
      } else if (*e->occurred_at < kAnchor - 600 * kSecond || *e->occurred_at > kAnchor) {
        bad.add("punctual event outside the last 10 minutes: " + e->text);
      }
    }
    if (session_late) {
      ++timed_sessions;
      late_sessions += *session_late;
    }
  }
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
  // ~19,000 sessions: one standard deviation of the late share is about 0.13 pp, so ±1 pp is
  // safe. Lateness is drawn per session, independently of its length, so the share of late
  // events follows the share of late sessions.
  const double session_share = share(late_sessions, timed_sessions);
  const double event_share = share(late_events, timed_events);
  EXPECT_NEAR(session_share, kDefaultLateRate, 0.01);
  EXPECT_NEAR(event_share, kDefaultLateRate, 0.01);
  EXPECT_NEAR(event_share, session_share, 0.01);
}

TEST_F(InteractionBatchTest, DirtRatesAreWithinTolerance) {
  uint64_t malformed = 0, duplicates = 0, quantity_events = 0, missing = 0;
  Violations bad;
  for (const auto& e : *events_) {
    malformed += !e.occurred_at;
    duplicates += e.duplicate;
    std::string type = type_of(e);
    bool has_quantity = e.json.contains("quantity"), has_price = e.json.contains("price");
    if (carries_quantity(type)) {
      if (!has_quantity && !has_price) bad.add("lost both quantity and price: " + e.text);
      if (!e.duplicate) {
        ++quantity_events;
        missing += !has_quantity || !has_price;
      }
    } else if (type == "product_view") {
      if (has_quantity || !has_price) bad.add("product_view fields: " + e.text);
    }
  }
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
  EXPECT_NEAR(share(malformed, kCount), 0.05, kTolerance);
  EXPECT_NEAR(share(duplicates, kCount), 0.02, kTolerance);
  EXPECT_GT(quantity_events, 8000u);
  EXPECT_NEAR(share(missing, quantity_events), 0.03, kTolerance);
}

TEST_F(InteractionBatchTest, CountsAgreeWithTheEvents) {
  // Counts describe the events as generated; a re-sent duplicate is counted only as a duplicate.
  InteractionCounts seen;
  std::set<std::string> sessions;
  for (const auto& e : *events_) {
    if (e.duplicate) {
      ++seen.duplicate_id;
      continue;
    }
    sessions.insert(e.json.at("session_id").get<std::string>());
    if (!e.occurred_at) {
      ++seen.malformed_timestamp;
    } else if (*e.occurred_at < kAnchor - kHour) {
      ++seen.late_arrival;
    }
    if (carries_quantity(type_of(e))) {
      seen.missing_quantity += !e.json.contains("quantity");
      seen.missing_price += !e.json.contains("price");
    }
  }
  EXPECT_EQ(counts_->malformed_timestamp, seen.malformed_timestamp);
  EXPECT_EQ(counts_->missing_quantity, seen.missing_quantity);
  EXPECT_EQ(counts_->missing_price, seen.missing_price);
  EXPECT_EQ(counts_->duplicate_id, seen.duplicate_id);
  EXPECT_EQ(counts_->late_arrival, seen.late_arrival);
  EXPECT_EQ(counts_->sessions, sessions.size());
  // Missing fields are split between quantity and price.
  EXPECT_GT(seen.missing_quantity, 0u);
  EXPECT_GT(seen.missing_price, 0u);
}

TEST_F(InteractionBatchTest, DuplicatesAreVerbatimCopiesOfEarlierEvents) {
  std::map<std::string, const Event*> first_by_id;
  Violations bad;
  uint64_t duplicates = 0;
  for (const auto& e : *events_) {
    std::string id = e.json.at("event_id");
    if (!e.duplicate) {
      first_by_id.emplace(id, &e);
      continue;
    }
    ++duplicates;
    auto it = first_by_id.find(id);
    if (it == first_by_id.end()) {
      bad.add("duplicate of no earlier event: " + e.text);
    } else if (it->second->text != e.text) {
      bad.add("duplicate differs from " + it->second->text + ": " + e.text);
    }
  }
  EXPECT_GT(duplicates, 0u);
  EXPECT_EQ(bad.count(), 0u) << bad.examples();
}

}  // namespace
}  // namespace analytics::eventgen
