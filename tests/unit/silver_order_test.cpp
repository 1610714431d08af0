#include "silver_order.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "common/time/iso8601.hpp"
#include "pii.hpp"

namespace analytics::transformer {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kLateAfter = 3600;

class MapTransactionTest : public ::testing::Test {
 protected:
  static nlohmann::json clean() {
    return nlohmann::json::parse(R"({
      "order_id": "3F2B8C1E-5D4A-4E6F-9A7B-1C2D3E4F5A6B",
      "customer_id": 4711,
      "customer_name": "Sarah Connor",
      "email": "Sarah.Connor@Example.COM",
      "product": "  Wireless Headphones ",
      "category": "Electronics",
      "quantity": 3,
      "price": 19.99,
      "region": "EU-West",
      "timestamp": "2026-04-18T14:32:01Z",
      "status": "COMPLETED",
      "received_at": "2026-04-18T14:32:03.5Z"
    })");
  }

  MappedOrder map(const nlohmann::json& doc) const { return map_text(doc.dump()); }
  MappedOrder map_text(std::string_view payload) const {
    return map_transaction(payload, pii_, ingested_at_, {kLateAfter});
  }

  SilverOrder expect_order(const MappedOrder& m) const {
    if (const auto* q = std::get_if<Quarantined>(&m)) {
      ADD_FAILURE() << "quarantined: " << to_string(q->reason) << " " << q->detail;
      return {};
    }
    return std::get<SilverOrder>(m);
  }

  Quarantined expect_quarantined(const MappedOrder& m) const {
    if (std::holds_alternative<SilverOrder>(m)) {
      ADD_FAILURE() << "expected quarantine, got an order";
      return {QuarantineReason::kMalformedJson, ""};
    }
    return std::get<Quarantined>(m);
  }

  PiiProtector pii_{"silver-order-test-key-0123456789"};
  time::UnixMicros order_ts_ = *time::parse_iso8601("2026-04-18T14:32:01Z");
  time::UnixMicros ingested_at_ = order_ts_ + 10 * 1000000;  // 10 s after the order
};

TEST_F(MapTransactionTest, CleanRecordBecomesASilverOrder) {
  SilverOrder o = expect_order(map(clean()));
  EXPECT_EQ(o.order_id, "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b");
  EXPECT_EQ(o.customer_id, 4711);
  EXPECT_EQ(o.product, "Wireless Headphones");
  EXPECT_EQ(o.category, "Electronics");
  EXPECT_EQ(o.region, "EU-West");
  EXPECT_EQ(o.status, "completed");
  EXPECT_EQ(o.quantity, 3);
  EXPECT_FALSE(o.quantity_defaulted);
  EXPECT_EQ(o.price_cents, 1999);
  EXPECT_EQ(o.revenue_cents, 5997);
  EXPECT_EQ(o.order_ts, order_ts_);
  ASSERT_TRUE(o.received_at.has_value());
  EXPECT_EQ(*o.received_at, order_ts_ + 2500000);
  EXPECT_DOUBLE_EQ(o.ingestion_lag_seconds, 10.0);
  EXPECT_FALSE(o.is_late_arrival);
  EXPECT_TRUE(o.dq_passed);
}

// proto/README.md: readers take every version. A v2 order (optional currency and discount)
// lands exactly like the v1 order it extends.
TEST_F(MapTransactionTest, SchemaVersion2OrderLandsLikeItsV1Fields) {
  auto v2 = clean();
  v2["schema_version"] = 2;
  v2["currency"] = "EUR";
  v2["discount"] = 5.0;
  SilverOrder o = expect_order(map(v2));
  SilverOrder v1 = expect_order(map(clean()));
  EXPECT_EQ(o.order_id, v1.order_id);
  EXPECT_EQ(o.revenue_cents, v1.revenue_cents);
  EXPECT_TRUE(o.dq_passed);
}

TEST_F(MapTransactionTest, PersonalDataIsProtected) {
  SilverOrder o = expect_order(map(clean()));
  EXPECT_EQ(o.customer_name_masked, "S***");
  ASSERT_TRUE(o.email_hmac.has_value());
  EXPECT_EQ(*o.email_hmac, pii_.hmac_hex("sarah.connor@example.com"));
  EXPECT_EQ(o.email_hmac->size(), 64u);
}

TEST_F(MapTransactionTest, EmailCaseDoesNotChangeTheDigest) {
  auto upper = clean();
  upper["email"] = "A@B.com";
  auto lower = clean();
  lower["email"] = "a@b.com";
  SilverOrder a = expect_order(map(upper));
  SilverOrder b = expect_order(map(lower));
  ASSERT_TRUE(a.email_hmac.has_value());
  EXPECT_EQ(a.email_hmac, b.email_hmac);
}

TEST_F(MapTransactionTest, AbsentNameAndEmailStayAbsent) {
  auto doc = clean();
  doc.erase("customer_name");
  doc.erase("email");
  SilverOrder o = expect_order(map(doc));
  EXPECT_FALSE(o.customer_name_masked.has_value());
  EXPECT_FALSE(o.email_hmac.has_value());
}

TEST_F(MapTransactionTest, RevenueIsExactInCents) {
  auto doc = clean();
  doc["price"] = 0.29;  // 0.29 * 100 is 28.999... in binary floating point
  doc["quantity"] = 7;
  SilverOrder o = expect_order(map(doc));
  EXPECT_EQ(o.price_cents, 29);
  EXPECT_EQ(o.revenue_cents, 203);
}

TEST_F(MapTransactionTest, IntegerPriceIsAccepted) {
  auto doc = clean();
  doc["price"] = 5;
  SilverOrder o = expect_order(map(doc));
  EXPECT_EQ(o.price_cents, 500);
  EXPECT_EQ(o.revenue_cents, 1500);
}

TEST_F(MapTransactionTest, MalformedTimestampsAreQuarantined) {
  for (const char* bad : {"not-a-date", "2026/13/45", "yesterday", "", "2026-02-30T00:00:00"}) {
    auto doc = clean();
    doc["timestamp"] = bad;
    Quarantined q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kMalformedTimestamp) << bad;
  }
  auto doc = clean();
  doc["timestamp"] = 1776522721;
  EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kMalformedTimestamp);
  doc.erase("timestamp");
  EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kMalformedTimestamp);
}

TEST_F(MapTransactionTest, MalformedTimestampDetailQuotesTheValue) {
  auto doc = clean();
  doc["timestamp"] = "yesterday";
  EXPECT_THAT(expect_quarantined(map(doc)).detail, HasSubstr("yesterday"));
}

TEST_F(MapTransactionTest, TimestampWithOffsetIsNormalisedToUtc) {
  auto doc = clean();
  doc["timestamp"] = "2026-04-18T16:32:01+02:00";
  EXPECT_EQ(expect_order(map(doc)).order_ts, order_ts_);
}

TEST_F(MapTransactionTest, AbsentOrNullPriceIsQuarantined) {
  auto doc = clean();
  doc.erase("price");
  EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kMissingPrice);
  doc["price"] = nullptr;
  EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kMissingPrice);
}

TEST_F(MapTransactionTest, NonNumericOrNegativePriceIsASchemaViolation) {
  auto doc = clean();
  doc["price"] = "19.99";
  Quarantined q = expect_quarantined(map(doc));
  EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation);
  EXPECT_THAT(q.detail, HasSubstr("price"));
  doc["price"] = -1;
  EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kSchemaViolation);
}

TEST_F(MapTransactionTest, AbsentQuantityDefaultsToOneAndFailsDq) {
  auto doc = clean();
  doc.erase("quantity");
  SilverOrder o = expect_order(map(doc));
  EXPECT_EQ(o.quantity, 1);
  EXPECT_TRUE(o.quantity_defaulted);
  EXPECT_FALSE(o.dq_passed);
  EXPECT_EQ(o.revenue_cents, o.price_cents);
}

TEST_F(MapTransactionTest, OutOfRangeQuantityIsASchemaViolation) {
  for (nlohmann::json bad :
       {nlohmann::json(0), nlohmann::json(100001), nlohmann::json(2.5), nlohmann::json("3")}) {
    auto doc = clean();
    doc["quantity"] = bad;
    Quarantined q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation) << bad;
    EXPECT_THAT(q.detail, HasSubstr("quantity")) << bad;
  }
}

TEST_F(MapTransactionTest, NonJsonIsMalformedJson) {
  for (const char* bad : {"{not json", "", "[1,2,3]", "\"a string\"", "42"}) {
    EXPECT_EQ(expect_quarantined(map_text(bad)).reason, QuarantineReason::kMalformedJson) << bad;
  }
}

// Readers disagree on which value of a repeated key counts (the parser here keeps the last):
// silver refuses such a record, as the gateway does, and keeps its PII-safe view.
TEST_F(MapTransactionTest, ARepeatedKeyIsASchemaViolationNamingIt) {
  std::string doc = clean().dump();
  doc.insert(1, R"("order_id":"00000000-0000-4000-8000-000000000000",)");
  Quarantined q = expect_quarantined(map_text(doc));
  EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation);
  EXPECT_EQ(q.detail, "order_id: appears more than once; a key may appear only once");
  ASSERT_TRUE(q.safe_payload);
  auto safe = nlohmann::json::parse(*q.safe_payload);
  EXPECT_FALSE(safe.contains("email"));
  EXPECT_TRUE(safe.contains("email_hmac"));

  std::string nested = clean().dump();
  nested.insert(1, R"("extra":{"a":1,"b":[{"c":1,"c":2}]},)");
  EXPECT_THAT(expect_quarantined(map_text(nested)).detail, HasSubstr("extra.b.c: appears"));
}

TEST_F(MapTransactionTest, MissingOrderIdIsASchemaViolationNamingIt) {
  auto doc = clean();
  doc.erase("order_id");
  Quarantined q = expect_quarantined(map(doc));
  EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation);
  EXPECT_THAT(q.detail, HasSubstr("order_id"));
}

TEST_F(MapTransactionTest, MissingRequiredStringsAreSchemaViolations) {
  for (const char* field : {"product", "category", "region", "status"}) {
    auto doc = clean();
    doc.erase(field);
    Quarantined q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation) << field;
    EXPECT_THAT(q.detail, HasSubstr(field));
    doc[field] = "   ";
    EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kSchemaViolation) << field;
  }
}

// PostgreSQL text cannot hold NUL: such a record must be quarantined, not fail the batch.
TEST_F(MapTransactionTest, NulCharacterInAStoredFieldIsASchemaViolation) {
  for (const char* field : {"product", "customer_name", "region"}) {
    auto doc = clean();
    doc[field] = std::string("Wireless\0Headphones", 19);
    auto q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation) << field;
    EXPECT_THAT(q.detail, HasSubstr(field));
    EXPECT_THAT(q.detail, HasSubstr("NUL"));
  }
}

TEST_F(MapTransactionTest, OrderIdMustBeAUuidTheWarehouseAccepts) {
  auto doc = clean();
  doc["order_id"] = "zzzzzzzz-5d4a-4e6f-9a7b-1c2d3e4f5a6b";  // 36 characters, not hex
  auto q = expect_quarantined(map(doc));
  EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation);
  EXPECT_THAT(q.detail, HasSubstr("order_id"));
}

TEST_F(MapTransactionTest, PriceAboveTheSchemaBoundIsASchemaViolation) {
  auto doc = clean();
  doc["price"] = 1e13;  // would overflow numeric(12,2)
  auto q = expect_quarantined(map(doc));
  EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation);
  EXPECT_THAT(q.detail, HasSubstr("price"));
  doc["price"] = 1000000;
  expect_order(map(doc));
}

TEST_F(MapTransactionTest, TimestampOutsideYearsOneToNineThousandIsMalformed) {
  auto doc = clean();
  doc["timestamp"] = "0000-01-01T00:00:00Z";
  EXPECT_EQ(expect_quarantined(map(doc)).reason, QuarantineReason::kMalformedTimestamp);
}

TEST_F(MapTransactionTest, EventTimesOutsideThePlausibleWindowAreQuarantinedImplausible) {
  // Valid ISO-8601, but no order happened in year 1 or 9999: into gold they would become a
  // first order in 0001 (the window's defaults: from 2000, at most a day ahead of ingestion).
  for (const char* implausible : {"0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z",
                                  "9999-12-31T23:59:59Z", "2026-04-19T14:33:00Z"}) {
    auto doc = clean();
    doc["timestamp"] = implausible;
    Quarantined q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kImplausibleTimestamp) << implausible;
    EXPECT_THAT(q.detail, HasSubstr(implausible));
  }
  // The window's edges are accepted: year 2000, and just under a day ahead.
  for (const char* plausible : {"2000-01-01T00:00:00Z", "2026-04-19T14:32:00Z"}) {
    auto doc = clean();
    doc["timestamp"] = plausible;
    expect_order(map(doc));
  }
  // The window is configurable.
  auto doc = clean();
  doc["timestamp"] = "2026-04-18T14:40:00Z";  // 8 minutes ahead
  EventTimeRules strict{kLateAfter, *time::parse_iso8601("2026-01-01T00:00:00Z"), 60};
  EXPECT_EQ(expect_quarantined(map_transaction(doc.dump(), pii_, ingested_at_, strict)).reason,
            QuarantineReason::kImplausibleTimestamp);
}

TEST_F(MapTransactionTest, AQuarantinedOrderCarriesAPiiSafeViewWhoseDigestJoinsSilver) {
  auto doc = clean();
  doc["timestamp"] = "not a time";
  Quarantined q = expect_quarantined(map(doc));
  ASSERT_TRUE(q.safe_payload);
  auto safe = nlohmann::json::parse(*q.safe_payload);
  EXPECT_FALSE(safe.contains("email"));
  EXPECT_FALSE(safe.contains("customer_name"));
  EXPECT_EQ(q.safe_payload->find("Connor"), std::string::npos);
  EXPECT_EQ(safe["customer_name_masked"], "S***");
  EXPECT_EQ(safe["email_hmac"], *expect_order(map(clean())).email_hmac);
  EXPECT_EQ(safe["timestamp"], "not a time");  // what was wrong stays visible
  EXPECT_EQ(safe["order_id"], clean()["order_id"]);

  auto odd = clean();
  odd["timestamp"] = "not a time";
  odd["email"] = 42;                             // not a string: dropped, not shown
  odd["customer_name"] = std::string("a\0b", 3);  // jsonb cannot hold NUL: shown masked
  auto odd_safe = nlohmann::json::parse(*expect_quarantined(map(odd)).safe_payload);
  EXPECT_FALSE(odd_safe.contains("email"));
  EXPECT_FALSE(odd_safe.contains("email_hmac"));
  EXPECT_EQ(odd_safe["customer_name_masked"], "a***");

  EXPECT_FALSE(expect_quarantined(map_text("not json")).safe_payload);
}

TEST_F(MapTransactionTest, PersonalDataIsProtectedWhereverAMisshapedRecordPutsIt) {
  auto doc = clean();
  doc["timestamp"] = "not a time";
  doc["user_id"] = "u-42";                                      // another entity's field
  doc["customer"] = {{"Email", "Nested@Example.com"}, {"note", "x"}};
  doc["contacts"] = nlohmann::json::array({{{"EMAIL", "other@example.com"}}});
  std::string safe_text = *expect_quarantined(map(doc)).safe_payload;
  for (const char* raw : {"u-42", "Nested@", "other@", "Sarah", "Connor"}) {
    EXPECT_EQ(safe_text.find(raw), std::string::npos) << raw << " in " << safe_text;
  }
  auto safe = nlohmann::json::parse(safe_text);
  EXPECT_EQ(safe["user_hmac"], pii_.hmac_hex("u-42"));
  EXPECT_EQ(safe["customer"]["email_hmac"], pii_.hmac_hex("nested@example.com"));
  EXPECT_EQ(safe["customer"]["note"], "x");
  EXPECT_TRUE(safe["contacts"][0].contains("email_hmac"));
  EXPECT_EQ(safe["_pii_key_version"], 1);
}

TEST_F(MapTransactionTest, ValuesOverTheSchemasBoundsAreSchemaViolations) {
  // They would end up in index keys (dimensions, KPI cells), where they fail every retry.
  for (auto [field, length] : {std::pair{"product", 201}, std::pair{"category", 101},
                               std::pair{"region", 51}}) {
    auto doc = clean();
    doc[field] = std::string(static_cast<size_t>(length), 'x');
    Quarantined q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation) << field;
    EXPECT_THAT(q.detail, HasSubstr(field));
  }
}

TEST_F(MapTransactionTest, BadCustomerIdIsASchemaViolation) {
  for (nlohmann::json bad :
       {nlohmann::json(0), nlohmann::json("4711"), nlohmann::json(int64_t{2147483648})}) {
    auto doc = clean();
    doc["customer_id"] = bad;
    Quarantined q = expect_quarantined(map(doc));
    EXPECT_EQ(q.reason, QuarantineReason::kSchemaViolation) << bad;
    EXPECT_THAT(q.detail, HasSubstr("customer_id"));
  }
}

TEST_F(MapTransactionTest, LateArrivalDependsOnThreshold) {
  auto doc = clean();
  time::UnixMicros two_hours_later = order_ts_ + 7200 * int64_t{1000000};
  auto late = map_transaction(doc.dump(), pii_, two_hours_later, {3600});
  SilverOrder o = expect_order(late);
  EXPECT_DOUBLE_EQ(o.ingestion_lag_seconds, 7200.0);
  EXPECT_TRUE(o.is_late_arrival);
  EXPECT_FALSE(expect_order(map_transaction(doc.dump(), pii_, two_hours_later, {7200}))
                   .is_late_arrival);  // exactly at the threshold is on time
  EXPECT_FALSE(
      expect_order(map_transaction(doc.dump(), pii_, two_hours_later, {86400})).is_late_arrival);
}

TEST(QuarantineReasonTest, StringFormsMatchTheWarehouse) {
  EXPECT_EQ(to_string(QuarantineReason::kMalformedJson), "malformed_json");
  EXPECT_EQ(to_string(QuarantineReason::kSchemaViolation), "schema_violation");
  EXPECT_EQ(to_string(QuarantineReason::kMalformedTimestamp), "malformed_timestamp");
  EXPECT_EQ(to_string(QuarantineReason::kImplausibleTimestamp), "implausible_timestamp");
  EXPECT_EQ(to_string(QuarantineReason::kMissingPrice), "missing_price");
  EXPECT_EQ(to_string(QuarantineReason::kWarehouseRejected), "warehouse_rejected");
}

TEST(FormatCentsTest, FormatsTwoDecimals) {
  EXPECT_EQ(format_cents(12345), "123.45");
  EXPECT_EQ(format_cents(-5), "-0.05");
  EXPECT_EQ(format_cents(0), "0.00");
  EXPECT_EQ(format_cents(7), "0.07");
  EXPECT_EQ(format_cents(100), "1.00");
  EXPECT_EQ(format_cents(-12345), "-123.45");
  EXPECT_EQ(format_cents(999999999999), "9999999999.99");
}

TEST_F(MapTransactionTest, ATimestampNestedDeepIsMalformedNotACrash) {
  // A non-string timestamp is quoted back in the quarantine detail (dump(), which recurses):
  // nesting is refused at parse time, before that could overflow the stack.
  auto base = clean();
  base.erase("timestamp");  // given once, as the deep array below
  std::string doc = base.dump();
  doc.insert(doc.size() - 1,
             R"(,"timestamp":)" + std::string(100000, '[') + std::string(100000, ']'));
  auto q = expect_quarantined(map_text(doc));
  EXPECT_EQ(q.reason, QuarantineReason::kMalformedJson);
  EXPECT_THAT(q.detail, HasSubstr("deeper than"));
}

}  // namespace
}  // namespace analytics::transformer
