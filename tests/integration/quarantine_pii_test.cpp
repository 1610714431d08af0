// Only bronze holds raw personal data: a quarantined record keeps a pointer to its bronze row
// and a PII-safe view whose digests join silver's (migration 007).
#include <gtest/gtest.h>

#include <string>

#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

using QuarantinePiiTest = PipelineTest;

std::string order(int n, const char* timestamp) {
  return R"({"order_id":"00000000-0000-4000-8000-00000000000)" + std::to_string(n) +
         R"(","customer_id":7,"customer_name":"Sarah Connor","email":"Sarah.Connor@Example.com",)"
         R"("product":"Desk Lamp","category":"Home","region":"EU","status":"completed",)"
         R"("quantity":1,"price":10.00,"timestamp":")" + timestamp + R"("})";
}

std::string click(int n, const char* occurred_at) {
  return R"({"event_id":"e)" + std::to_string(n) +
         R"(","user_id":"sarah.connor-42","session_id":"s1","event_type":"page_view",)"
         R"("platform":"WEB","occurred_at":")" + occurred_at + R"("})";
}

TEST_F(QuarantinePiiTest, QuarantineHoldsAPointerToBronzeAndDigestsThatJoinSilver) {
  post_ndjson("/v1/events/commerce.transaction",
       order(1, "2026-11-02T10:00:00Z") + "\n" + order(2, "not a time"));
  post_ndjson("/v1/events/user.interaction",
       click(1, "2026-11-02T10:00:00Z") + "\n" + click(2, "yesterday"));
  ASSERT_EQ(wait_count("silver.quarantine", 2), "2");
  ASSERT_EQ(wait_count("silver.interactions", 1), "1");

  // Nothing raw outside bronze.
  EXPECT_EQ(count("silver.quarantine WHERE payload_safe::text ~* 'connor'"), "0");
  EXPECT_EQ(count("silver.quarantine WHERE detail ~* 'connor'"), "0");
  // What made the record fail stays visible, and the digests join silver.
  EXPECT_EQ(q("SELECT payload_safe->>'timestamp' FROM silver.quarantine "
              "WHERE event_type = 'commerce.transaction'"),
            "not a time");
  EXPECT_EQ(q("SELECT count(*) FROM silver.quarantine x JOIN silver.orders o "
              "ON o.email_hmac = x.payload_safe->>'email_hmac' "
              "AND o.customer_name_masked = x.payload_safe->>'customer_name_masked'"),
            "1");
  EXPECT_EQ(q("SELECT count(*) FROM silver.quarantine x JOIN silver.interactions i "
              "ON i.user_hmac = x.payload_safe->>'user_hmac'"),
            "1");
  // The pointer leads to the raw record, in bronze only.
  EXPECT_EQ(q("SELECT count(*) FROM silver.quarantine x JOIN bronze.events b ON "
              "(b.topic, b.partition, b.\"offset\") = "
              "(x.source_topic, x.source_partition, x.source_offset) "
              "WHERE convert_from(b.payload, 'UTF8') LIKE '%Sarah.Connor@Example.com%' "
              "OR convert_from(b.payload, 'UTF8') LIKE '%sarah.connor-42%'"),
            "2");
}

}  // namespace
}  // namespace analytics::testing
