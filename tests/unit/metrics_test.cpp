#include "common/metrics/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace analytics::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(MetricsTest, CounterRendersHelpTypeAndValue) {
  Registry registry;
  Counter& c = registry.counter("events_accepted_total", "Events accepted by the gateway");
  c.Increment();
  c.Increment(41);
  std::string text = registry.render();
  EXPECT_TRUE(has_line(text, "# HELP events_accepted_total Events accepted by the gateway"))
      << text;
  EXPECT_TRUE(has_line(text, "# TYPE events_accepted_total counter")) << text;
  EXPECT_TRUE(has_line(text, "events_accepted_total 42")) << text;
}

TEST(MetricsTest, SameNameAndLabelsReturnTheSameSeries) {
  Registry registry;
  Counter& a = registry.counter("requests_total", "help", {{"route", "/x"}});
  Counter& b = registry.counter("requests_total", "help", {{"route", "/x"}});
  EXPECT_EQ(&a, &b);
  a.Increment();
  b.Increment();
  EXPECT_EQ(a.Value(), 2);
}

TEST(MetricsTest, LabelledSeriesShareOneHelpAndTypeBlock) {
  Registry registry;
  registry.counter("requests_total", "Requests", {{"route", "/a"}, {"status", "200"}}).Increment(3);
  registry.counter("requests_total", "Requests", {{"route", "/b"}, {"status", "500"}}).Increment();
  std::string text = registry.render();
  EXPECT_TRUE(has_line(text, R"(requests_total{route="/a",status="200"} 3)")) << text;
  EXPECT_TRUE(has_line(text, R"(requests_total{route="/b",status="500"} 1)")) << text;
  int help_lines = 0, type_lines = 0;
  for (const auto& l : lines_of(text)) {
    help_lines += l.rfind("# HELP requests_total ", 0) == 0;
    type_lines += l.rfind("# TYPE requests_total ", 0) == 0;
  }
  EXPECT_EQ(help_lines, 1);
  EXPECT_EQ(type_lines, 1);
}

TEST(MetricsTest, GaugeGoesUpAndDown) {
  Registry registry;
  Gauge& g = registry.gauge("consumer_lag", "Records behind", {{"partition", "3"}});
  g.Set(10);
  g.Increment(2.5);
  g.Decrement(5);
  EXPECT_DOUBLE_EQ(g.Value(), 7.5);
  std::string text = registry.render();
  EXPECT_TRUE(has_line(text, "# TYPE consumer_lag gauge")) << text;
  EXPECT_TRUE(has_line(text, R"(consumer_lag{partition="3"} 7.5)")) << text;
}

TEST(MetricsTest, HistogramRendersCumulativeBucketsInfSumAndCount) {
  Registry registry;
  // Binary-exact values so the rendered sum is exact.
  Histogram& h =
      registry.histogram("batch_seconds", "Batch latency", {{"stage", "copy"}}, {0.125, 0.5, 1});
  h.Observe(0.0625);
  h.Observe(0.125);  // on a bound: counts in that bucket (le is inclusive)
  h.Observe(0.25);
  h.Observe(2);
  std::string text = registry.render();
  EXPECT_TRUE(has_line(text, "# HELP batch_seconds Batch latency")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE batch_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, R"(batch_seconds_bucket{stage="copy",le="0.125"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(batch_seconds_bucket{stage="copy",le="0.5"} 3)")) << text;
  EXPECT_TRUE(has_line(text, R"(batch_seconds_bucket{stage="copy",le="1"} 3)")) << text;
  EXPECT_TRUE(has_line(text, R"(batch_seconds_bucket{stage="copy",le="+Inf"} 4)")) << text;
  EXPECT_TRUE(has_line(text, R"(batch_seconds_sum{stage="copy"} 2.4375)")) << text;
  EXPECT_TRUE(has_line(text, R"(batch_seconds_count{stage="copy"} 4)")) << text;
}

TEST(MetricsTest, DefaultLatencyBucketsSpanOneMillisecondToTenSeconds) {
  const auto& b = latency_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.001);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(MetricsTest, LabelValuesAreEscapedInRenderedOutput) {
  Registry registry;
  registry.counter("errors_total", "Errors", {{"reason", "bad \"quote\" \\ and\nline"}})
      .Increment();
  EXPECT_TRUE(has_line(registry.render(), R"(errors_total{reason="bad \"quote\" \\ and\nline"} 1)"))
      << registry.render();
}

// Text format 0.0.4: in HELP, backslash and line feed are escaped as \\ and \n; a raw newline
// would split the comment and break the whole scrape.
TEST(MetricsTest, HelpTextIsEscaped) {
  Registry registry;
  registry.counter("odd_total", "first line\nsecond \\ part").Increment();
  std::string text = registry.render();
  EXPECT_TRUE(has_line(text, R"(# HELP odd_total first line\nsecond \\ part)")) << text;
}

TEST(MetricsTest, SameNameWithDifferentKindThrows) {
  Registry registry;
  registry.counter("thing", "a counter");
  EXPECT_THROW(registry.gauge("thing", "a gauge"), std::invalid_argument);
  EXPECT_THROW(registry.histogram("thing", "a histogram"), std::invalid_argument);
  EXPECT_NO_THROW(registry.counter("thing", "a counter", {{"more", "labels"}}));
}

TEST(MetricsTest, EveryLineIsACommentOrASample) {
  Registry registry;
  registry.counter("a_total", "A", {{"k", "v"}}).Increment();
  registry.gauge("b", "B").Set(-1.25);
  registry.histogram("c_seconds", "C", {{"x", "y"}}).Observe(0.02);
  std::string text = registry.render();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    // name{labels} value  -- exactly one space before the value, value is a number.
    size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    std::string value = line.substr(space + 1);
    size_t used = 0;
    EXPECT_NO_THROW((void)std::stod(value, &used)) << line;
    EXPECT_EQ(used, value.size()) << line;
    EXPECT_THAT(line.substr(0, space), Not(HasSubstr(" "))) << line;
  }
}

TEST(MetricsTest, CountersAreSafeUnderConcurrentIncrements) {
  Registry registry;
  Counter& c = registry.counter("hits_total", "Hits");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Increment();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000);
}

}  // namespace
}  // namespace analytics::metrics
