#include "kpi_query.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace analytics::kpi {
namespace {

KpiDefinition summary_kpi() { return {"summary", "gold.vw_kpi_summary", "", true, "Headline"}; }
KpiDefinition region_kpi() {
  return {"sales-by-region", "gold.vw_kpi_sales_by_region", "revenue DESC", false, "By region"};
}

KpiTable region_table() {
  KpiTable t;
  t.columns = {{"region", ColumnKind::kText},
               {"orders", ColumnKind::kInteger},
               {"revenue", ColumnKind::kNumber}};
  t.rows = {{"EU-West", "120", "15998.50"}, {"APAC", "7", "99.99"}};
  return t;
}

TEST(KpiDefinitionsTest, ServesSummaryAndSalesByRegion) {
  const auto& defs = kpi_definitions();
  ASSERT_EQ(defs.size(), 2u);
  EXPECT_EQ(defs[0].name, "summary");
  EXPECT_TRUE(defs[0].single_row);
  EXPECT_EQ(defs[1].name, "sales-by-region");
  EXPECT_FALSE(defs[1].single_row);
  for (const auto& d : defs) EXPECT_EQ(d.view.rfind("gold.", 0), 0u) << d.view;
}

TEST(RenderJsonTest, SingleRowKpiIsAnObject) {
  KpiTable t;
  t.columns = {{"orders", ColumnKind::kInteger}, {"revenue", ColumnKind::kNumber}};
  t.rows = {{"42", "1234.5"}};
  auto body = nlohmann::json::parse(render_json(summary_kpi(), t));
  EXPECT_EQ(body.at("kpi"), "summary");
  ASSERT_TRUE(body.at("data").is_object());
  EXPECT_EQ(body["data"]["orders"], 42);
  EXPECT_TRUE(body["data"]["orders"].is_number_integer());
  EXPECT_DOUBLE_EQ(body["data"]["revenue"].get<double>(), 1234.5);
}

TEST(RenderJsonTest, SingleRowKpiWithNoRowsIsAnEmptyObject) {
  KpiTable t;
  t.columns = {{"orders", ColumnKind::kInteger}};
  auto body = nlohmann::json::parse(render_json(summary_kpi(), t));
  EXPECT_EQ(body.at("data"), nlohmann::json::object());
}

TEST(RenderJsonTest, ListKpiIsAnArrayInRowOrder) {
  auto body = nlohmann::json::parse(render_json(region_kpi(), region_table()));
  EXPECT_EQ(body.at("kpi"), "sales-by-region");
  ASSERT_TRUE(body.at("data").is_array());
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][0]["region"], "EU-West");
  EXPECT_EQ(body["data"][0]["orders"], 120);
  EXPECT_DOUBLE_EQ(body["data"][0]["revenue"].get<double>(), 15998.5);
  EXPECT_EQ(body["data"][1]["region"], "APAC");
}

TEST(RenderJsonTest, EmptyListKpiIsAnEmptyArray) {
  KpiTable t = region_table();
  t.rows.clear();
  auto body = nlohmann::json::parse(render_json(region_kpi(), t));
  EXPECT_EQ(body.at("data"), nlohmann::json::array());
}

TEST(RenderJsonTest, ValuesGetTheirColumnKind) {
  KpiTable t;
  t.columns = {{"n", ColumnKind::kInteger},    {"x", ColumnKind::kNumber},
               {"ok", ColumnKind::kBoolean},   {"bad", ColumnKind::kBoolean},
               {"at", ColumnKind::kTimestamp}, {"at_frac", ColumnKind::kTimestamp},
               {"label", ColumnKind::kText},   {"big", ColumnKind::kInteger}};
  t.rows = {{"-3", "0.25", "t", "f", "2026-04-18 14:32:01+00", "2026-04-18 14:32:01.5+00", "123",
             "9007199254740993"}};
  auto data = nlohmann::json::parse(render_json(summary_kpi(), t)).at("data");
  EXPECT_EQ(data["n"], -3);
  EXPECT_DOUBLE_EQ(data["x"].get<double>(), 0.25);
  EXPECT_EQ(data["ok"], true);
  EXPECT_EQ(data["bad"], false);
  EXPECT_EQ(data["at"], "2026-04-18T14:32:01Z");
  EXPECT_EQ(data["at_frac"], "2026-04-18T14:32:01.5Z");
  EXPECT_EQ(data["label"], "123");  // text stays a string even when it looks numeric
  EXPECT_EQ(data["big"].get<int64_t>(), 9007199254740993LL);  // exact beyond 2^53
}

TEST(RenderJsonTest, NullBecomesJsonNullForEveryKind) {
  KpiTable t;
  t.columns = {{"n", ColumnKind::kInteger},
               {"x", ColumnKind::kNumber},
               {"ok", ColumnKind::kBoolean},
               {"at", ColumnKind::kTimestamp},
               {"label", ColumnKind::kText}};
  t.rows = {{std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  auto data = nlohmann::json::parse(render_json(summary_kpi(), t)).at("data");
  for (const char* col : {"n", "x", "ok", "at", "label"}) {
    ASSERT_TRUE(data.contains(col)) << col;
    EXPECT_TRUE(data[col].is_null()) << col;
  }
}

TEST(RenderJsonTest, TextIsEscapedAsValidJson) {
  KpiTable t;
  t.columns = {{"label", ColumnKind::kText}};
  t.rows = {{"say \"hi\"\n\\ done"}};
  auto data = nlohmann::json::parse(render_json(summary_kpi(), t)).at("data");
  EXPECT_EQ(data["label"], "say \"hi\"\n\\ done");
}

TEST(RenderCsvTest, HeaderThenRowsWithCrlf) {
  EXPECT_EQ(render_csv(region_table()),
            "region,orders,revenue\r\n"
            "EU-West,120,15998.50\r\n"
            "APAC,7,99.99\r\n");
}

TEST(RenderCsvTest, EmptyTableIsJustTheHeader) {
  KpiTable t = region_table();
  t.rows.clear();
  EXPECT_EQ(render_csv(t), "region,orders,revenue\r\n");
}

TEST(RenderCsvTest, QuotesFieldsWithCommaQuoteOrNewline) {
  KpiTable t;
  t.columns = {{"a", ColumnKind::kText},
               {"b", ColumnKind::kText},
               {"c", ColumnKind::kText},
               {"d", ColumnKind::kText}};
  t.rows = {{"Berlin, DE", "the \"best\" shop", "two\nlines", "plain"}};
  EXPECT_EQ(render_csv(t),
            "a,b,c,d\r\n"
            "\"Berlin, DE\",\"the \"\"best\"\" shop\",\"two\nlines\",plain\r\n");
}

TEST(RenderCsvTest, QuotesHeaderNamesToo) {
  KpiTable t;
  t.columns = {{"revenue, EUR", ColumnKind::kNumber}};
  t.rows = {{"1.00"}};
  EXPECT_EQ(render_csv(t), "\"revenue, EUR\"\r\n1.00\r\n");
}

TEST(RenderCsvTest, NullIsAnEmptyFieldAndTimestampsAreIso) {
  KpiTable t;
  t.columns = {{"region", ColumnKind::kText},
               {"orders", ColumnKind::kInteger},
               {"last_order_at", ColumnKind::kTimestamp}};
  t.rows = {{std::nullopt, std::nullopt, "2026-04-18 14:32:01+00"}, {"APAC", "3", std::nullopt}};
  EXPECT_EQ(render_csv(t),
            "region,orders,last_order_at\r\n"
            ",,2026-04-18T14:32:01Z\r\n"
            "APAC,3,\r\n");
}

}  // namespace
}  // namespace analytics::kpi
