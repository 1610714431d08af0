// The order KPI views (migration 004) read per-batch aggregates, not fact_orders. Five known
// orders and one correction go through the real pipeline; every expected figure below is worked
// out by hand from them, not by the warehouse's SQL.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

std::string order(int n, int customer, const char* product, const char* category,
                  const char* region, const char* status, int quantity, const char* price,
                  const char* day) {
  return R"({"order_id":"00000000-0000-4000-8000-00000000000)" + std::to_string(n) +
         R"(","customer_id":)" + std::to_string(customer) + R"(,"product":")" + product +
         R"(","category":")" + category + R"(","region":")" + region + R"(","status":")" +
         status + R"(","quantity":)" + std::to_string(quantity) + R"(,"price":)" + price +
         R"(,"timestamp":")" + day + R"(T10:00:00Z"})";
}

class KpiViewsTest : public PipelineTest {
 protected:
  void post(const std::string& ndjson) { post_ndjson("/v1/events/commerce.transaction", ndjson); }
};

TEST_F(KpiViewsTest, ViewsOverTheAggregatesGiveTheHandComputedKpisAfterACorrection) {
  // Mon 2 Nov, Thu 5 Nov, Sat 7 Nov, Sun 8 Nov 2026.
  post(order(1, 1, "Desk Lamp", "Home", "APAC", "completed", 2, "10.00", "2026-11-02") + "\n" +
       order(2, 2, "Office Chair", "Furniture", "EU", "completed", 1, "100.00", "2026-11-02") +
       "\n" + order(3, 3, "Desk Lamp", "Home", "EU", "returned", 1, "10.00", "2026-11-05") +
       "\n" +
       order(4, 4, "Office Chair", "Furniture", "APAC", "pending", 3, "100.00", "2026-11-07") +
       "\n" +
       order(5, 5, "Standing Desk", "Furniture", "APAC", "completed", 1, "50.00", "2026-11-08"));
  ASSERT_EQ(wait_count("gold.fact_orders", 5), "5");
  // Order 3 corrected: another region, status and amount. Its contribution must move.
  post(order(3, 3, "Desk Lamp", "Home", "APAC", "completed", 2, "10.00", "2026-11-05"));
  ASSERT_EQ(wait_count("bronze.events", 6), "6");
  ASSERT_EQ(wait_for_scalar(database_url_, "SELECT count(*) FROM silver.orders WHERE status = 'returned'",
                            "0", kWaitMs),
            "0");

  EXPECT_EQ(q("SELECT total_orders || ' ' || unique_customers || ' ' || units_sold || ' ' || "
              "total_revenue || ' ' || avg_order_value || ' ' || completed_revenue || ' ' || "
              "returned_orders FROM gold.vw_kpi_summary"),
            "5 5 9 490.00 98.00 190.00 0");
  EXPECT_EQ(q("SELECT first_order_at = '2026-11-02T10:00:00Z' AND "
              "last_order_at = '2026-11-08T10:00:00Z' FROM gold.vw_kpi_summary"),
            "t");
  EXPECT_EQ(q("SELECT string_agg(region || ':' || orders || ':' || revenue || ':' || "
              "revenue_share_pct, ' ' ORDER BY region) FROM gold.vw_kpi_sales_by_region"),
            "APAC:4:390.00:79.59 EU:1:100.00:20.41");
  EXPECT_EQ(q("SELECT string_agg(product || ':' || orders || ':' || revenue || ':' || "
              "revenue_rank, ' ' ORDER BY revenue_rank) FROM gold.vw_kpi_sales_by_product"),
            "Office Chair:2:400.00:1 Standing Desk:1:50.00:2 Desk Lamp:2:40.00:3");
  EXPECT_EQ(q("SELECT string_agg(category || ':' || orders || ':' || revenue || ':' || "
              "revenue_share_pct, ' ' ORDER BY category) FROM gold.vw_kpi_sales_by_category"),
            "Furniture:3:450.00:91.84 Home:2:40.00:8.16");
  EXPECT_EQ(q("SELECT string_agg(status || ':' || orders || ':' || revenue || ':' || orders_pct, "
              "' ' ORDER BY status) FROM gold.vw_kpi_order_status"),
            "completed:4:190.00:80.00 pending:1:300.00:20.00");
  // The 7-day average is the day and the six before, by calendar: 120/7, 140/7, 440/7, 490/7.
  EXPECT_EQ(q("SELECT string_agg(date || ':' || orders || ':' || revenue || ':' || "
              "revenue_7day_avg, ' ' ORDER BY date) FROM gold.vw_kpi_daily_revenue"),
            "2026-11-02:2:120.00:17.14 2026-11-05:1:20.00:20.00 2026-11-07:1:300.00:62.86 "
            "2026-11-08:1:50.00:70.00");
  EXPECT_EQ(q("SELECT string_agg(day_type || ':' || days || ':' || orders || ':' || revenue || "
              "':' || revenue_per_day, ' ' ORDER BY day_type) FROM gold.vw_kpi_weekend_vs_weekday"),
            "weekday:2:3:140.00:70.00 weekend:2:2:350.00:175.00");
  expect_gold_matches_silver();
}

TEST_F(KpiViewsTest, OrdersAtTheSchemasBoundsDoNotOverflowAnyView) {
  // 1,100 orders of 100,000 units at 1,000,000 each: 1.1e14 in revenue, past what the old
  // numeric(16,2) views could hold (every KPI endpoint answered 503 then).
  constexpr int kOrders = 1100;
  std::string body;
  for (int i = 0; i < kOrders; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    body += R"({"order_id":")" + std::string(id) + R"(","customer_id":)" + std::to_string(i + 1) +
            R"(,"product":"Yacht","category":"Marine","region":"EU","status":"completed",)"
            R"("quantity":100000,"price":1000000,"timestamp":"2026-11-02T10:00:00Z"})" + "\n";
  }
  post(body);
  ASSERT_EQ(wait_count("gold.fact_orders", kOrders), std::to_string(kOrders));
  EXPECT_EQ(q("SELECT total_revenue FROM gold.vw_kpi_summary"), "110000000000000.00");
  for (const char* view : {"vw_kpi_sales_by_region", "vw_kpi_sales_by_product",
                           "vw_kpi_sales_by_category", "vw_kpi_daily_revenue",
                           "vw_kpi_order_status", "vw_kpi_weekend_vs_weekday"}) {
    EXPECT_EQ(q(std::string("SELECT count(*) FROM gold.") + view), "1") << view;
  }
  EXPECT_EQ(q("SELECT revenue FROM gold.vw_kpi_sales_by_region"), "110000000000000.00");
}

TEST_F(KpiViewsTest, ImplausibleEventTimesAreQuarantinedAndNeverReachGold) {
  // Valid ISO-8601 the gateway's schema accepts, but no order happened in year 1 or 9999.
  post(order(1, 1, "Desk Lamp", "Home", "EU", "completed", 1, "10.00", "2026-11-02") + "\n" +
       order(2, 2, "Desk Lamp", "Home", "EU", "completed", 1, "10.00", "0001-01-01") + "\n" +
       order(3, 3, "Desk Lamp", "Home", "EU", "completed", 1, "10.00", "9999-12-31"));
  ASSERT_EQ(wait_count("bronze.events", 3), "3");
  ASSERT_EQ(wait_count("silver.quarantine", 2), "2");
  EXPECT_EQ(count("silver.quarantine WHERE _quarantine_reason = 'implausible_timestamp'"), "2");
  EXPECT_EQ(q("SELECT first_order_at = last_order_at AND total_orders = 1 FROM gold.vw_kpi_summary"),
            "t");
}

}  // namespace
}  // namespace analytics::testing
