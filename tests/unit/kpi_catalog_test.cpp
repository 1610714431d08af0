#include "kpi_catalog.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace analytics::kpi {
namespace {

/// The highest $n a statement uses.
size_t highest_placeholder(const std::string& sql) {
  static const std::regex kPlaceholder(R"(\$(\d+))");
  size_t highest = 0;
  for (std::sregex_iterator it(sql.begin(), sql.end(), kPlaceholder), end; it != end; ++it) {
    highest = std::max(highest, static_cast<size_t>(std::stoul((*it)[1])));
  }
  return highest;
}

TEST(KpiCatalogTest, EveryStatementGetsExactlyTheArgumentsItUsesWhateverTheFilters) {
  std::vector<std::multimap<std::string, std::string>> variants = {
      {},
      {{"from", "2026-01-07"}, {"to", "2026-02-01"}},
      {{"region", "APAC"}, {"category", "Home"}, {"product", "Yoga Mat"}, {"status", "pending"}},
      {{"platform", "WEB"}, {"limit", "3"}}};
  for (const auto& e : endpoints()) {
    for (const auto& query : variants) {
      KpiParams p = parse_params(e.params, query, e.default_limit);
      auto sections = e.sections(p);
      ASSERT_FALSE(sections.empty()) << e.path;
      for (const auto& s : sections) {
        EXPECT_EQ(highest_placeholder(s.query.sql), s.query.args.size()) << e.path << " " << s.name;
      }
      if (sections.size() > 1) {
        EXPECT_FALSE(e.csv) << e.path << ": CSV holds one table";
      }
    }
  }
}

TEST(KpiCatalogTest, ServesTheIssuesEndpointsUnderUniquePaths) {
  std::set<std::string> paths;
  for (const auto& e : endpoints()) {
    EXPECT_TRUE(paths.insert(e.path).second) << e.path;
    EXPECT_FALSE(e.description.empty()) << e.path;
  }
  for (const char* kpi :
       {"summary", "sales-by-region", "sales-by-product", "sales-by-category", "daily-revenue",
        "order-status", "weekend-vs-weekday", "hourly-revenue", "dau", "funnel",
        "campaign-attribution", "top-viewed-products", "category-activity", "user-activity"}) {
    EXPECT_EQ(paths.count(std::string("/v1/kpi/") + kpi), 1u) << kpi;
  }
  for (const char* p : {"quality", "freshness", "dlq"}) {
    EXPECT_EQ(paths.count(std::string("/v1/pipeline/") + p), 1u) << p;
  }
}

TEST(KpiCatalogTest, TheSevenDayAverageReadsTheSixDaysBeforeFrom) {
  const Endpoint* daily = nullptr;
  for (const auto& e : endpoints()) {
    if (e.path == "/v1/kpi/daily-revenue") daily = &e;
  }
  ASSERT_TRUE(daily);
  auto args = [&](const char* from) {
    return daily->sections(parse_params(daily->params, {{"from", from}}, 0))[0].query.args;
  };
  EXPECT_EQ(args("2026-03-03")[0], "20260225");  // across February's end
  EXPECT_EQ(args("2024-03-03")[0], "20240226");  // a leap year
  EXPECT_EQ(args("2026-01-04")[0], "20251229");  // across the year
  EXPECT_EQ(args("0001-01-02")[0], "0");         // before the calendar starts
  EXPECT_EQ(args("2026-03-03").back(), "2026-03-03");
}

}  // namespace
}  // namespace analytics::kpi
