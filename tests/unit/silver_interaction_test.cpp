#include "silver_interaction.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "common/time/iso8601.hpp"
#include "pii.hpp"

namespace analytics::transformer {
namespace {

constexpr int64_t kLateAfter = 3600;

class MapInteractionTest : public ::testing::Test {
 protected:
  static nlohmann::json purchase() {
    return nlohmann::json::parse(R"({
      "event_id": "evt-42", "user_id": "u-7", "session_id": "s-1", "event_type": "purchase",
      "platform": "BACKEND", "occurred_at": "2026-04-18T14:32:01Z", "product": " Desk Lamp ",
      "category": "Home", "quantity": 2, "price": 19.99,
      "properties": {"utm_source": "newsletter", "currency": "EUR"},
      "received_at": "2026-04-18T14:32:03.5Z"
    })");
  }

  MappedInteraction map(const nlohmann::json& doc) const { return map_text(doc.dump()); }
  MappedInteraction map_text(std::string_view payload) const {
    return map_interaction(payload, pii_, ingested_at_, {kLateAfter});
  }

  SilverInteraction expect_event(const MappedInteraction& m) const {
    if (const auto* q = std::get_if<Quarantined>(&m)) {
      ADD_FAILURE() << "quarantined: " << to_string(q->reason) << " " << q->detail;
      return {};
    }
    return std::get<SilverInteraction>(m);
  }

  QuarantineReason expect_quarantined(const MappedInteraction& m) const {
    if (const auto* q = std::get_if<Quarantined>(&m)) return q->reason;
    ADD_FAILURE() << "expected quarantine, got an interaction";
    return QuarantineReason::kWarehouseRejected;
  }

  PiiProtector pii_{"silver-interaction-test-key-0123"};
  time::UnixMicros occurred_ = *time::parse_iso8601("2026-04-18T14:32:01Z");
  time::UnixMicros ingested_at_ = occurred_ + 10 * 1000000;
};

TEST_F(MapInteractionTest, APurchaseBecomesATypedRowWithRevenueAndAHashedUser) {
  SilverInteraction e = expect_event(map(purchase()));
  EXPECT_EQ(e.event_id, "evt-42");
  EXPECT_EQ(e.event_type, "purchase");
  EXPECT_EQ(e.user_hmac, pii_.hmac_hex("u-7"));
  EXPECT_EQ(e.user_hmac.find("u-7"), std::string::npos);
  EXPECT_EQ(e.session_id, "s-1");
  EXPECT_EQ(e.platform, "BACKEND");
  EXPECT_EQ(e.occurred_at, occurred_);
  EXPECT_EQ(e.product, "Desk Lamp");
  EXPECT_EQ(e.quantity, 2);
  EXPECT_EQ(e.price_cents, 1999);
  EXPECT_EQ(e.revenue_cents, 3998);
  EXPECT_EQ(nlohmann::json::parse(*e.properties_json)["utm_source"], "newsletter");
  EXPECT_EQ(e.received_at, *time::parse_iso8601("2026-04-18T14:32:03.5Z"));
  EXPECT_DOUBLE_EQ(e.ingestion_lag_seconds, 10.0);
  EXPECT_FALSE(e.is_late_arrival);
  EXPECT_TRUE(e.dq_passed);
}

TEST_F(MapInteractionTest, APageViewCarriesNoCommerceFields) {
  auto doc = nlohmann::json::parse(R"({"event_id": "e1", "user_id": "u", "session_id": "s",
      "event_type": "page_view", "platform": "WEB", "occurred_at": "2026-04-18T14:32:01Z"})");
  SilverInteraction e = expect_event(map(doc));
  EXPECT_FALSE(e.product);
  EXPECT_FALSE(e.quantity);
  EXPECT_FALSE(e.price_cents);
  EXPECT_FALSE(e.revenue_cents);
  EXPECT_FALSE(e.properties_json);
  EXPECT_TRUE(e.dq_passed);
}

TEST_F(MapInteractionTest, AnEventThatArrivesHoursLateKeepsItsEventTimeAndIsLate) {
  auto doc = purchase();
  doc["occurred_at"] = "2026-04-18T09:00:00Z";  // 5.5 h before ingestion
  SilverInteraction e = expect_event(map(doc));
  EXPECT_EQ(e.occurred_at, *time::parse_iso8601("2026-04-18T09:00:00Z"));
  EXPECT_TRUE(e.is_late_arrival);
  EXPECT_GT(e.ingestion_lag_seconds, 5 * 3600.0);
}

TEST_F(MapInteractionTest, DirtIsQuarantinedWithItsReason) {
  auto bad_time = purchase();
  bad_time["occurred_at"] = "18/04/2026 14:32";
  EXPECT_EQ(expect_quarantined(map(bad_time)), QuarantineReason::kMalformedTimestamp);

  for (const char* implausible : {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    auto far = purchase();
    far["occurred_at"] = implausible;
    EXPECT_EQ(expect_quarantined(map(far)), QuarantineReason::kImplausibleTimestamp) << implausible;
  }

  auto no_price = purchase();
  no_price.erase("price");
  EXPECT_EQ(expect_quarantined(map(no_price)), QuarantineReason::kMissingPrice);

  auto unknown_type = purchase();
  unknown_type["event_type"] = "teleport";
  EXPECT_EQ(expect_quarantined(map(unknown_type)), QuarantineReason::kSchemaViolation);

  auto no_user = purchase();
  no_user.erase("user_id");
  EXPECT_EQ(expect_quarantined(map(no_user)), QuarantineReason::kSchemaViolation);

  auto nul = purchase();
  nul["session_id"] = std::string("s\0x", 3);
  EXPECT_EQ(expect_quarantined(map(nul)), QuarantineReason::kSchemaViolation);

  auto nul_property = purchase();
  nul_property["properties"]["note"] = std::string("a\0b", 3);
  EXPECT_EQ(expect_quarantined(map(nul_property)), QuarantineReason::kSchemaViolation);

  auto safe = std::get<Quarantined>(map(bad_time)).safe_payload;
  ASSERT_TRUE(safe);
  EXPECT_FALSE(nlohmann::json::parse(*safe).contains("user_id"));
  EXPECT_EQ(nlohmann::json::parse(*safe)["user_hmac"], pii_.hmac_hex(purchase()["user_id"].get<std::string>()));

  EXPECT_EQ(expect_quarantined(map_text("not json")), QuarantineReason::kMalformedJson);
  EXPECT_EQ(expect_quarantined(map_text("[1,2]")), QuarantineReason::kMalformedJson);
}

TEST_F(MapInteractionTest, ACartEventWithoutQuantityOrPriceIsKeptButFailsDq) {
  auto cart = purchase();
  cart["event_type"] = "add_to_cart";
  cart.erase("quantity");
  SilverInteraction e = expect_event(map(cart));
  EXPECT_EQ(e.quantity, 1);
  EXPECT_FALSE(e.dq_passed);
  EXPECT_FALSE(e.revenue_cents);  // only purchases have revenue

  auto no_price = purchase();
  no_price["event_type"] = "add_to_cart";
  no_price.erase("price");
  SilverInteraction p = expect_event(map(no_price));
  EXPECT_FALSE(p.price_cents);
  EXPECT_FALSE(p.dq_passed);
}

TEST_F(MapInteractionTest, APurchaseWithoutProductOrQuantityCountsOneUnitAndFailsDq) {
  auto doc = purchase();
  doc.erase("product");
  doc.erase("category");
  doc.erase("quantity");
  SilverInteraction e = expect_event(map(doc));
  EXPECT_EQ(e.quantity, 1);  // units and revenue agree in gold
  EXPECT_EQ(e.revenue_cents, e.price_cents);
  EXPECT_FALSE(e.dq_passed);
}

TEST_F(MapInteractionTest, StringsOverTheSchemasBoundsAreSchemaViolations) {
  auto long_product = purchase();
  long_product["product"] = std::string(201, 'p');
  EXPECT_EQ(expect_quarantined(map(long_product)), QuarantineReason::kSchemaViolation);
  auto long_category = purchase();
  long_category["category"] = std::string(101, 'c');
  EXPECT_EQ(expect_quarantined(map(long_category)), QuarantineReason::kSchemaViolation);
  auto long_query = purchase();
  long_query["search_query"] = std::string(501, 'q');
  EXPECT_EQ(expect_quarantined(map(long_query)), QuarantineReason::kSchemaViolation);
  auto email = purchase();
  email["occurred_at"] = "yesterday";
  email["email"] = "someone@example.com";  // an order's field in an interaction
  auto safe = std::get<Quarantined>(map(email)).safe_payload;
  ASSERT_TRUE(safe);
  EXPECT_EQ(safe->find("someone@"), std::string::npos) << *safe;
}

TEST_F(MapInteractionTest, ARecordNestedDeepIsMalformedNotACrash) {
  // Written straight to Kafka by another producer: walking (dump, destruction) a document
  // 100,000 levels deep would overflow the stack; the parse refuses it at the limit instead.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto doc = purchase().dump();
  doc.insert(doc.size() - 1, R"(,"properties":{"x":)" + deep + "}");  // dumped into jsonb
  EXPECT_EQ(expect_quarantined(map_text(doc)), QuarantineReason::kMalformedJson);
  EXPECT_EQ(expect_quarantined(map_text(deep)), QuarantineReason::kMalformedJson);
  EXPECT_EQ(expect_quarantined(map_text(R"({"price": 1e400})")), QuarantineReason::kMalformedJson);
}

TEST_F(MapInteractionTest, AKeyRepeatedInARecordIsASchemaViolation) {
  // Another producer's record whose two prices disagree: the gateway refuses it, and so does
  // silver rather than keep whichever value the parser keeps.
  auto doc = purchase().dump();
  doc.insert(1, R"("price":0.01,)");
  EXPECT_EQ(expect_quarantined(map_text(doc)), QuarantineReason::kSchemaViolation);
  auto nested = purchase().dump();
  nested.insert(nested.find(R"("utm_source")"), R"("utm_source":"ads",)");
  auto q = std::get<Quarantined>(map_text(nested));
  EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation);
  EXPECT_EQ(q.detail, "properties.utm_source: appears more than once; a key may appear only once");
}

}  // namespace
}  // namespace analytics::transformer
