#include "kpi_params.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/http/http_server.hpp"

namespace analytics::kpi {
namespace {

using ::testing::HasSubstr;
using Query = std::multimap<std::string, std::string>;

const std::vector<Param> kAll = {Param::kFrom,    Param::kTo,     Param::kRegion,
                                 Param::kCategory, Param::kProduct, Param::kStatus,
                                 Param::kPlatform, Param::kLimit};

/// The 400 that parsing `query` answers: its message, and the parameter it names.
std::pair<std::string, std::string> rejection(const Query& query,
                                              const std::vector<Param>& accepted = kAll) {
  try {
    parse_params(accepted, query, 10);
  } catch (const http::ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "invalid_parameter");
    return {e.what(), e.details().empty() ? "" : e.details()[0]};
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(KpiParamsTest, NothingGivenMeansEverythingWithTheDefaultLimit) {
  KpiParams p = parse_params(kAll, {}, 10);
  EXPECT_EQ(p.limit, 10);
  EXPECT_TRUE(p.given.empty());
  EXPECT_EQ(p.from_date(), "-infinity");
  EXPECT_EQ(p.to_date(), "infinity");
  EXPECT_EQ(p.from_date_key(), "0");
  EXPECT_EQ(p.to_date_key(), "99999999");
  EXPECT_EQ(p.region, "");
}

TEST(KpiParamsTest, ValuesAreKeptAndEchoedInAFixedOrder) {
  KpiParams p = parse_params(kAll,
                             {{"limit", "5"},
                              {"region", "EU-West"},
                              {"to", "2026-02-28"},
                              {"from", "2024-02-29"},
                              {"status", "returned"},
                              {"platform", "IOS"}},
                             10);
  EXPECT_EQ(p.limit, 5);
  EXPECT_EQ(p.region, "EU-West");
  EXPECT_EQ(p.status, "returned");
  EXPECT_EQ(p.platform, "IOS");
  EXPECT_EQ(p.from_date_key(), "20240229");
  EXPECT_EQ(p.to_date(), "2026-02-28");
  std::vector<std::pair<std::string, std::string>> order = {{"from", "2024-02-29"},
                                                            {"to", "2026-02-28"},
                                                            {"region", "EU-West"},
                                                            {"status", "returned"},
                                                            {"platform", "IOS"},
                                                            {"limit", "5"}};
  EXPECT_EQ(p.given, order);
}

TEST(KpiParamsTest, DatesMustBeRealCalendarDays) {
  for (const char* bad : {"2026-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "26-01-01",
                          "2026-1-01", "2026/01/01", "0000-01-01", "2026-01-01T00:00:00Z",
                          "", "1' OR '1'='1"}) {
    auto [message, name] = rejection({{"from", bad}});
    EXPECT_EQ(name, "from") << bad;
    EXPECT_THAT(message, HasSubstr("YYYY-MM-DD")) << bad;
  }
  EXPECT_NO_THROW(parse_params(kAll, {{"from", "2000-02-29"}}, 1));  // divisible by 400
  EXPECT_EQ(rejection({{"to", "1900-02-29"}}).second, "to");           // by 100, not 400
}

TEST(KpiParamsTest, ToBeforeFromIsRefused) {
  auto [message, name] = rejection({{"from", "2026-05-02"}, {"to", "2026-05-01"}});
  EXPECT_EQ(name, "to");
  EXPECT_THAT(message, HasSubstr("before 'from'"));
  EXPECT_NO_THROW(parse_params(kAll, {{"from", "2026-05-02"}, {"to", "2026-05-02"}}, 1));
}

TEST(KpiParamsTest, NamesAreBoundedPrintableUtf8) {
  EXPECT_EQ(rejection({{"region", ""}}).second, "region");
  EXPECT_EQ(rejection({{"region", std::string(51, 'x')}}).second, "region");
  EXPECT_NO_THROW(parse_params(kAll, {{"region", std::string(50, 'x')}}, 1));
  EXPECT_EQ(rejection({{"category", std::string(101, 'x')}}).second, "category");
  EXPECT_EQ(rejection({{"product", std::string(201, 'x')}}).second, "product");
  EXPECT_EQ(rejection({{"product", "a\nb"}}).second, "product");
  EXPECT_EQ(rejection({{"product", std::string("a\0b", 3)}}).second, "product");
  EXPECT_EQ(rejection({{"product", "\xff\xfe"}}).second, "product");
  // SQL in a name is just a name that matches nothing: values only ever travel as $n.
  EXPECT_EQ(parse_params(kAll, {{"region", "x'; DROP TABLE gold.fact_orders; --"}}, 1).region,
            "x'; DROP TABLE gold.fact_orders; --");
  EXPECT_EQ(parse_params(kAll, {{"category", "Küche & Bad"}}, 1).category, "Küche & Bad");
}

TEST(KpiParamsTest, StatusAndPlatformAreTheSchemasEnumerations) {
  auto [message, name] = rejection({{"status", "COMPLETED"}});
  EXPECT_EQ(name, "status");
  EXPECT_THAT(message, HasSubstr("completed, returned or pending"));
  EXPECT_EQ(rejection({{"platform", "web"}}).second, "platform");
  EXPECT_EQ(parse_params(kAll, {{"platform", "ANDROID"}}, 1).platform, "ANDROID");
}

TEST(KpiParamsTest, LimitIsAWholeNumberFrom1To1000) {
  for (const char* bad : {"0", "1001", "-1", "1e3", "10.0", "", " 5", "99999999999999999999"}) {
    EXPECT_EQ(rejection({{"limit", bad}}).second, "limit") << bad;
  }
  EXPECT_EQ(parse_params(kAll, {{"limit", "1000"}}, 1).limit, 1000);
  EXPECT_EQ(parse_params(kAll, {{"limit", "007"}}, 1).limit, 7);
}

TEST(KpiParamsTest, ParametersAnEndpointDoesNotTakeAreNotRead) {
  // http::Server refuses them before the handler; parsing never uses them meanwhile.
  KpiParams p = parse_params({Param::kFrom}, {{"region", "APAC"}, {"limit", "x"}}, 0);
  EXPECT_EQ(p.region, "");
  EXPECT_TRUE(p.given.empty());
}

}  // namespace
}  // namespace analytics::kpi
