// Rotating the PII key (docs/warehouse.md): digests made after the rotation carry the new key's
// version and join each other; earlier rows keep the old version until a replay from bronze
// hashes them again with the new key.
#include <gtest/gtest.h>

#include <string>

#include "common/config/build_info.hpp"
#include "pipeline_fixture.hpp"
#include "replay.hpp"

namespace analytics::testing {
namespace {

const std::string kNewKey = "the-rotated-key-0123456789abcdef";

std::string order(int n, const char* timestamp) {
  return R"({"order_id":"00000000-0000-4000-8000-00000000000)" + std::to_string(n) +
         R"(","customer_id":7,"customer_name":"Sarah Connor","email":"sarah@example.com",)"
         R"("product":"Desk Lamp","category":"Home","region":"EU","status":"completed",)"
         R"("quantity":1,"price":10.00,"timestamp":")" + timestamp + R"("})";
}

std::string click(int n) {
  return R"({"event_id":"e)" + std::to_string(n) +
         R"(","user_id":"u-42","session_id":"s1","event_type":"page_view","platform":"WEB",)"
         R"("occurred_at":"2026-11-02T10:0)" + std::to_string(n) + R"(:00Z"})";
}

class PiiRotationTest : public PipelineTest {
 protected:
  void post_both(int n, const char* order_timestamp) {
    post_ndjson("/v1/events/commerce.transaction", order(n, order_timestamp));
    post_ndjson("/v1/events/user.interaction", click(n));
  }
};

TEST_F(PiiRotationTest, NewDigestsCarryTheNewVersionAndAReplayRehashesEarlierRows) {
  post_both(1, "2026-11-02T10:00:00Z");
  post_both(2, "not a time");  // quarantined: its safe view carries the version too
  ASSERT_EQ(wait_count("silver.interactions", 2), "2");
  ASSERT_EQ(wait_count("silver.orders", 1), "1");
  const std::string old_digest = q("SELECT email_hmac FROM silver.orders");

  // Rotation: the transformer restarts with the new key and version 2.
  transformer_->stop();
  auto cfg = transformer_config();
  cfg.pii_hmac_key = kNewKey;
  cfg.pii_key_version = 2;
  metrics::Registry registry;
  auto rotated = std::make_unique<transformer::TransformerApp>(cfg, *catalog_, registry);
  rotated->start();
  post_both(3, "2026-11-02T11:00:00Z");
  post_both(4, "2026-11-02T12:00:00Z");
  ASSERT_EQ(wait_count("silver.interactions", 4), "4");
  ASSERT_EQ(wait_count("silver.orders", 3), "3");
  rotated->stop();

  // After the rotation: version 2, one digest for the customer's new orders (they join), the
  // dimension follows the newest; earlier rows keep version 1 and the old digest.
  EXPECT_EQ(q("SELECT string_agg(pii_key_version || ':' || (email_hmac = '" + old_digest +
              "'), ' ' ORDER BY order_id) FROM silver.orders"),
            "1:true 2:false 2:false");
  EXPECT_EQ(q("SELECT count(DISTINCT email_hmac) FROM silver.orders WHERE pii_key_version = 2"),
            "1");
  EXPECT_EQ(q("SELECT pii_key_version || ':' || (email_hmac = (SELECT email_hmac FROM "
              "silver.orders WHERE pii_key_version = 2 LIMIT 1)) FROM gold.dim_customer"),
            "2:true");
  EXPECT_EQ(q("SELECT count(DISTINCT user_hmac) FROM silver.interactions"), "2");
  // Until then the user counts twice on that day: the two digests cannot be joined.
  EXPECT_EQ(q("SELECT unique_users FROM gold.vw_user_activity_daily"), "2");

  // A replay with the new key hashes every row again from bronze's raw records.
  transformer::WarehouseWriter writer(database_url_, "replay", config::pipeline_version(), false);
  transformer::PiiProtector pii(kNewKey, 2);
  transformer::replay_from_bronze(writer, database_url_, pii, transformer::EventTimeRules{}, {},
                                  [](size_t, size_t) {});
  EXPECT_EQ(q("SELECT count(*) FILTER (WHERE pii_key_version = 2) || '/' || count(DISTINCT "
              "email_hmac) FROM silver.orders"),
            "3/1");
  EXPECT_EQ(q("SELECT count(*) FILTER (WHERE pii_key_version = 2) || '/' || count(DISTINCT "
              "user_hmac) FROM silver.interactions"),
            "4/1");
  EXPECT_EQ(q("SELECT unique_users FROM gold.vw_user_activity_daily"), "1");
  EXPECT_EQ(q("SELECT string_agg(payload_safe->>'_pii_key_version', ' ') FROM silver.quarantine"),
            "2");
}

}  // namespace
}  // namespace analytics::testing
