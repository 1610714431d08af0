#include "kpi_render.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace analytics::kpi {
namespace {

KpiTable region_table() {
  KpiTable t;
  t.columns = {{"region", ColumnKind::kText},
               {"orders", ColumnKind::kInteger},
               {"revenue", ColumnKind::kNumber}};
  t.rows = {{"EU-West", "120", "15998.50"}, {"APAC", "7", "99.99"}};
  return t;
}

std::vector<Section> one(bool single_row) { return {{"", single_row, {}}}; }

TEST(RenderJsonTest, ASingleRowKpiIsAnObjectWithTypedValues) {
  KpiTable t;
  t.columns = {{"orders", ColumnKind::kInteger},
               {"revenue", ColumnKind::kNumber},
               {"late", ColumnKind::kBoolean},
               {"at", ColumnKind::kTimestamp},
               {"nothing", ColumnKind::kNumber}};
  t.rows = {{"42", "1234.5", "t", "2026-04-18 14:32:01.5+00", std::nullopt}};
  auto body = nlohmann::json::parse(render_json("summary", {{"region", "APAC"}}, one(true), {t}));
  EXPECT_EQ(body.at("kpi"), "summary");
  EXPECT_EQ(body.at("params"), nlohmann::json({{"region", "APAC"}}));
  const auto& d = body.at("data");
  ASSERT_TRUE(d.is_object());
  EXPECT_TRUE(d["orders"].is_number_integer());
  EXPECT_EQ(d["orders"], 42);
  EXPECT_DOUBLE_EQ(d["revenue"].get<double>(), 1234.5);
  EXPECT_EQ(d["late"], true);
  EXPECT_EQ(d["at"], "2026-04-18T14:32:01.5Z");
  EXPECT_TRUE(d["nothing"].is_null());
}

TEST(RenderJsonTest, ASingleRowKpiWithoutRowsIsAnEmptyObject) {
  KpiTable t;
  t.columns = {{"orders", ColumnKind::kInteger}};
  auto body = nlohmann::json::parse(render_json("summary", {}, one(true), {t}));
  EXPECT_EQ(body.at("data"), nlohmann::json::object());
  EXPECT_EQ(body.at("params"), nlohmann::json::object());
}

TEST(RenderJsonTest, AListKpiIsAnArrayInRowOrder) {
  auto body = nlohmann::json::parse(render_json("sales-by-region", {}, one(false), {region_table()}));
  ASSERT_EQ(body.at("data").size(), 2u);
  EXPECT_EQ(body["data"][0]["region"], "EU-West");
  EXPECT_EQ(body["data"][1]["orders"], 7);
}

TEST(RenderJsonTest, SeveralSectionsAreAnObjectByNameAndJsonColumnsAreEmbedded) {
  KpiTable totals;
  totals.columns = {{"dead_letters", ColumnKind::kInteger}};
  totals.rows = {{"3"}};
  KpiTable recent;
  recent.columns = {{"error_fields", ColumnKind::kJson}};
  recent.rows = {{R"(["order_id", "price"])"}};
  std::vector<Section> sections = {{"totals", true, {}}, {"recent", false, {}}};
  auto body = nlohmann::json::parse(render_json("dlq", {}, sections, {totals, recent}));
  EXPECT_EQ(body["data"]["totals"]["dead_letters"], 3);
  EXPECT_EQ(body["data"]["recent"][0]["error_fields"], nlohmann::json({"order_id", "price"}));
}

TEST(RenderJsonTest, NamesInvalidAsUtf8NeverBreakTheAnswer) {
  KpiTable t;
  t.columns = {{"region", ColumnKind::kText}};
  t.rows = {{"bad\xff"}};
  auto body = nlohmann::json::parse(render_json("x", {}, one(false), {t}));
  EXPECT_EQ(body["data"][0]["region"], "bad\xEF\xBF\xBD");
}

TEST(RenderCsvTest, IsRfc4180WithAHeaderLine) {
  KpiTable t = region_table();
  t.rows.push_back({"Say \"hi\", then\nleave", "1", std::nullopt});
  EXPECT_EQ(render_csv(t),
            "region,orders,revenue\r\n"
            "EU-West,120,15998.50\r\n"
            "APAC,7,99.99\r\n"
            "\"Say \"\"hi\"\", then\nleave\",1,\r\n");
}

TEST(RenderCsvTest, TextThatASpreadsheetWouldRunIsNeutralisedButNumbersKeepTheirSign) {
  KpiTable t;
  t.columns = {{"region", ColumnKind::kText}, {"revenue", ColumnKind::kNumber}};
  t.rows = {{"=HYPERLINK(\"http://evil\",\"x\")", "-12.50"},
            {"+1+1", "0"},
            {"-2+3", "1"},
            {"@SUM(A1)", "2"},
            {"\tTAB", "3"},
            {"plain-name", "4"}};
  EXPECT_EQ(render_csv(t),
            "region,revenue\r\n"
            "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-12.50\r\n"
            "'+1+1,0\r\n"
            "'-2+3,1\r\n"
            "'@SUM(A1),2\r\n"
            "'\tTAB,3\r\n"
            "plain-name,4\r\n");
}

TEST(RenderCsvTest, TimestampsAreIso8601) {
  KpiTable t;
  t.columns = {{"at", ColumnKind::kTimestamp}};
  t.rows = {{"2026-04-18 14:32:01+00"}};
  EXPECT_EQ(render_csv(t), "at\r\n2026-04-18T14:32:01Z\r\n");
}

}  // namespace
}  // namespace analytics::kpi
