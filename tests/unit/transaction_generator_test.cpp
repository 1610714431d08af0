#include "transaction_generator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/time/iso8601.hpp"

namespace analytics::eventgen {
namespace {

using ::testing::IsEmpty;

const time::UnixMicros kAnchor = *time::parse_iso8601("2026-04-18T00:00:00Z");
constexpr DirtRates kClean{0, 0, 0};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<nlohmann::json> parse_ndjson(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const auto& line : lines_of(text)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(TransactionGeneratorTest, SameSeedAnchorAndRatesGiveIdenticalBytes) {
  DirtRates rates;
  for (BatchFormat format : {BatchFormat::kJsonArray, BatchFormat::kNdjson}) {
    DirtCounts a_dirt, b_dirt;
    std::string a = generate_transactions(2000, 42, rates, kAnchor, format, &a_dirt);
    std::string b = generate_transactions(2000, 42, rates, kAnchor, format, &b_dirt);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a_dirt.malformed_timestamp, b_dirt.malformed_timestamp);
    EXPECT_EQ(a_dirt.duplicate_id, b_dirt.duplicate_id);
  }
}

TEST(TransactionGeneratorTest, DifferentSeedsOrAnchorsDiffer) {
  DirtRates rates;
  std::string base = generate_transactions(100, 42, rates, kAnchor, BatchFormat::kNdjson);
  EXPECT_NE(base, generate_transactions(100, 43, rates, kAnchor, BatchFormat::kNdjson));
  EXPECT_NE(base, generate_transactions(100, 42, rates, kAnchor - 86400LL * 1000000,
                                        BatchFormat::kNdjson));
}

TEST(TransactionGeneratorTest, ZeroRecordsGiveAnEmptyBatch) {
  EXPECT_EQ(generate_transactions(0, 1, {}, kAnchor, BatchFormat::kJsonArray), "[]");
  EXPECT_EQ(generate_transactions(0, 1, {}, kAnchor, BatchFormat::kNdjson), "");
}

TEST(TransactionGeneratorTest, RecordsUseTheCatalogue) {
  std::map<std::string, std::string> category_of;
  for (const auto& p : kProducts) category_of[std::string(p.name)] = std::string(p.category);
  std::set<std::string> regions(kRegions.begin(), kRegions.end());
  std::set<std::string> statuses(kStatuses.begin(), kStatuses.end());

  auto batch = nlohmann::json::parse(
      generate_transactions(2000, 7, DirtRates{}, kAnchor, BatchFormat::kJsonArray));
  ASSERT_TRUE(batch.is_array());
  ASSERT_EQ(batch.size(), 2000u);
  for (const auto& r : batch) {
    ASSERT_TRUE(r.is_object());
    std::string product = r.at("product");
    ASSERT_TRUE(category_of.count(product)) << product;
    EXPECT_EQ(r.at("category"), category_of[product]) << r.dump();
    EXPECT_TRUE(regions.count(r.at("region").get<std::string>())) << r.dump();
    EXPECT_TRUE(statuses.count(r.at("status").get<std::string>())) << r.dump();
    std::string email = r.at("email");
    EXPECT_TRUE(std::none_of(email.begin(), email.end(), [](unsigned char c) {
      return c >= 0x80 || std::isupper(c);
    })) << email;
  }
}

TEST(TransactionGeneratorTest, NdjsonHasOneRecordPerLineAndMatchesTheArray) {
  DirtRates rates;
  std::string ndjson = generate_transactions(500, 9, rates, kAnchor, BatchFormat::kNdjson);
  ASSERT_FALSE(ndjson.empty());
  EXPECT_EQ(ndjson.back(), '\n');
  EXPECT_EQ(std::count(ndjson.begin(), ndjson.end(), '\n'), 500);
  auto lines = lines_of(ndjson);
  ASSERT_EQ(lines.size(), 500u);
  for (const auto& line : lines) {
    ASSERT_FALSE(line.empty());
    EXPECT_TRUE(nlohmann::json::parse(line).is_object()) << line;
  }
  auto array =
      nlohmann::json::parse(generate_transactions(500, 9, rates, kAnchor, BatchFormat::kJsonArray));
  ASSERT_EQ(array.size(), 500u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(lines[i]), array[i]) << i;
  }
}

TEST(TransactionGeneratorTest, CleanBatchValidatesAgainstTheSchema) {
  auto registry = contracts::SchemaRegistry::load(ANALYTICS_SOURCE_DIR "/proto/schemas");
  DirtCounts dirt{1, 1, 1, 1};
  auto records =
      parse_ndjson(generate_transactions(3000, 11, kClean, kAnchor, BatchFormat::kNdjson, &dirt));
  ASSERT_EQ(records.size(), 3000u);
  std::set<std::string> ids;
  const time::UnixMicros window_start = kAnchor - 30LL * 86400 * 1000000;
  for (const auto& r : records) {
    auto errors = registry.validate("commerce.transaction", 1, r);
    EXPECT_THAT(errors, IsEmpty())
        << r.dump()
        << " first error: " << (errors.empty() ? "" : errors[0].field + " " + errors[0].message);
    EXPECT_TRUE(r.contains("quantity")) << r.dump();
    EXPECT_TRUE(r.contains("price")) << r.dump();
    auto ts = time::parse_iso8601(r.at("timestamp").get<std::string>());
    ASSERT_TRUE(ts.has_value()) << r.dump();
    EXPECT_LE(*ts, kAnchor);
    EXPECT_GT(*ts, window_start);
    EXPECT_TRUE(ids.insert(r.at("order_id").get<std::string>()).second) << r.dump();
  }
  EXPECT_EQ(dirt.malformed_timestamp, 0u);
  EXPECT_EQ(dirt.missing_quantity, 0u);
  EXPECT_EQ(dirt.missing_price, 0u);
  EXPECT_EQ(dirt.duplicate_id, 0u);
}

TEST(TransactionGeneratorTest, DuplicatesReuseIdsFromEarlierRecords) {
  TransactionGenerator gen(5, DirtRates{0, 0, 0.3}, kAnchor);
  std::set<std::string> earlier;
  uint64_t dups_before = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string out;
    gen.append_one(out);
    std::string id = nlohmann::json::parse(out).at("order_id");
    bool counted_as_duplicate = gen.dirt().duplicate_id > dups_before;
    dups_before = gen.dirt().duplicate_id;
    if (i == 0) {
      EXPECT_FALSE(counted_as_duplicate);
    }
    EXPECT_EQ(counted_as_duplicate, earlier.count(id) == 1) << "record " << i << " id " << id;
    earlier.insert(id);
  }
  EXPECT_GT(dups_before, 0u);
}

TEST(TransactionGeneratorTest, DuplicateRateOneRepeatsTheFirstId) {
  auto records = parse_ndjson(
      generate_transactions(50, 3, DirtRates{0, 0, 1.0}, kAnchor, BatchFormat::kNdjson));
  ASSERT_EQ(records.size(), 50u);
  for (const auto& r : records) EXPECT_EQ(r.at("order_id"), records[0].at("order_id"));
}

// One 100,000-record batch with the default rates, shared by the statistics tests.
class DirtyBatchTest : public ::testing::Test {
 protected:
  static constexpr size_t kCount = 100000;
  // ±0.5 percentage points: about 11 standard deviations for a 2% rate at this size, so a
  // failure means the rates are wrong, not bad luck.
  static constexpr double kTolerance = 0.005;

  static void SetUpTestSuite() {
    dirt_ = new DirtCounts;
    records_ = new std::vector<nlohmann::json>(parse_ndjson(generate_transactions(
        kCount, 20260418, DirtRates{}, kAnchor, BatchFormat::kNdjson, dirt_)));
  }
  static void TearDownTestSuite() {
    delete records_;
    delete dirt_;
  }
  static double rate(uint64_t n) { return static_cast<double>(n) / kCount; }

  static std::vector<nlohmann::json>* records_;
  static DirtCounts* dirt_;
};

std::vector<nlohmann::json>* DirtyBatchTest::records_ = nullptr;
DirtCounts* DirtyBatchTest::dirt_ = nullptr;

TEST_F(DirtyBatchTest, RatesAreWithinTolerance) {
  ASSERT_EQ(records_->size(), kCount);
  EXPECT_NEAR(rate(dirt_->malformed_timestamp), 0.05, kTolerance);
  EXPECT_NEAR(rate(dirt_->missing_quantity + dirt_->missing_price), 0.03, kTolerance);
  EXPECT_NEAR(rate(dirt_->duplicate_id), 0.02, kTolerance);
  // Missing fields are split evenly between quantity and price.
  EXPECT_NEAR(rate(dirt_->missing_quantity), 0.015, kTolerance);
  EXPECT_NEAR(rate(dirt_->missing_price), 0.015, kTolerance);
}

TEST_F(DirtyBatchTest, CountsAgreeWithTheRecords) {
  uint64_t no_quantity = 0, no_price = 0, bad_ts = 0, repeated = 0, both_missing = 0;
  std::set<std::string> seen;
  for (const auto& r : *records_) {
    bool q = !r.contains("quantity");
    bool p = !r.contains("price");
    no_quantity += q;
    no_price += p;
    both_missing += q && p;
    const auto& ts = r.at("timestamp");
    bad_ts += !ts.is_string() || !time::parse_iso8601(ts.get<std::string>()).has_value();
    repeated += !seen.insert(r.at("order_id").get<std::string>()).second;
    // Dirt removes keys; it never writes null.
    EXPECT_FALSE(r.contains("quantity") && r.at("quantity").is_null());
    EXPECT_FALSE(r.contains("price") && r.at("price").is_null());
  }
  EXPECT_EQ(no_quantity, dirt_->missing_quantity);
  EXPECT_EQ(no_price, dirt_->missing_price);
  EXPECT_EQ(both_missing, 0u);
  EXPECT_EQ(bad_ts, dirt_->malformed_timestamp);
  EXPECT_EQ(repeated, dirt_->duplicate_id);
}

TEST_F(DirtyBatchTest, MalformedTimestampsComeFromTheKnownList) {
  std::set<std::string> known(kMalformedTimestamps.begin(), kMalformedTimestamps.end());
  std::set<std::string> used;
  for (const auto& r : *records_) {
    std::string ts = r.at("timestamp");
    if (!time::parse_iso8601(ts)) {
      EXPECT_TRUE(known.count(ts)) << ts;
      used.insert(ts);
    }
  }
  EXPECT_EQ(used, known);
}

}  // namespace
}  // namespace analytics::eventgen
