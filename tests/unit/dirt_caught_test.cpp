// Every kind of dirt eventgen produces is caught where docs/architecture.md says: the gateway
// lets it through (it checks what a record *is*), and silver quarantines or repairs it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "catalog.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/time/iso8601.hpp"
#include "interaction_generator.hpp"
#include "pii.hpp"
#include "silver_order.hpp"
#include "transaction_generator.hpp"

namespace analytics {
namespace {

using eventgen::BatchFormat;
using eventgen::DirtRates;
using transformer::Quarantined;
using transformer::QuarantineReason;
using transformer::SilverOrder;

const time::UnixMicros kAnchor = *time::parse_iso8601("2026-04-18T00:00:00Z");
constexpr int64_t kLateAfterSeconds = 86400;
constexpr size_t kCount = 20000;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string first_error(const std::vector<contracts::FieldError>& errors) {
  return errors.empty() ? "" : errors[0].field + " " + errors[0].message;
}

class DirtCaughtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new contracts::SchemaRegistry(
        contracts::SchemaRegistry::load(ANALYTICS_SOURCE_DIR "/proto/schemas"));
  }
  static void TearDownTestSuite() { delete registry_; }

  static contracts::SchemaRegistry* registry_;
  transformer::PiiProtector pii_{"dirt-caught-test-key-0123456789"};
};

contracts::SchemaRegistry* DirtCaughtTest::registry_ = nullptr;

TEST_F(DirtCaughtTest, EveryDirtyTransactionPassesTheGatewayAndIsCaughtBySilver) {
  eventgen::DirtCounts dirt;
  auto lines = lines_of(eventgen::generate_transactions(kCount, 20260418, DirtRates{}, kAnchor,
                                                        BatchFormat::kNdjson, &dirt));
  ASSERT_EQ(lines.size(), kCount);
  // The batch must hold every kind of dirt, or the checks below prove nothing.
  ASSERT_GT(dirt.malformed_timestamp, 0u);
  ASSERT_GT(dirt.missing_price, 0u);
  ASSERT_GT(dirt.missing_quantity, 0u);
  ASSERT_GT(dirt.duplicate_id, 0u);

  // Which records are dirty is what the generator says: its own broken timestamp values and
  // the keys it removed, checked against its counts. Never silver's parser: a parser bug would
  // then pass unnoticed.
  const std::set<std::string> broken(eventgen::kMalformedTimestamps.begin(),
                                     eventgen::kMalformedTimestamps.end());
  uint64_t broken_ts = 0, without_price = 0, without_quantity = 0, without_price_only = 0;
  for (const auto& line : lines) {
    auto record = nlohmann::json::parse(line);
    const bool bad = broken.count(record.at("timestamp").get<std::string>()) > 0;
    broken_ts += bad;
    without_price += !record.contains("price");
    without_quantity += !record.contains("quantity");
    without_price_only += !bad && !record.contains("price");
  }
  ASSERT_EQ(broken_ts, dirt.malformed_timestamp);
  ASSERT_EQ(without_price, dirt.missing_price);
  ASSERT_EQ(without_quantity, dirt.missing_quantity);

  uint64_t gateway_rejected = 0, malformed = 0, missing_price = 0, defaulted = 0, clean = 0;
  uint64_t other_outcome = 0;
  std::multimap<std::string, std::string> silver_ids;  // silver order_id -> source order_id
  std::set<std::string> source_ids_in_silver;
  for (const auto& line : lines) {
    auto record = nlohmann::json::parse(line);
    auto errors = registry_->validate("commerce.transaction", 1, record);
    if (!errors.empty()) {
      ++gateway_rejected;
      ADD_FAILURE() << "gateway would reject " << line << ": " << first_error(errors);
    }

    const bool bad_ts = broken.count(record.at("timestamp").get<std::string>()) > 0;
    const bool no_price = !record.contains("price");
    const bool no_quantity = !record.contains("quantity");
    auto mapped = transformer::map_transaction(line, pii_, kAnchor, {kLateAfterSeconds});

    if (bad_ts || no_price) {
      // A malformed timestamp wins over a missing price: it is checked first.
      const QuarantineReason expected =
          bad_ts ? QuarantineReason::kMalformedTimestamp : QuarantineReason::kMissingPrice;
      const auto* q = std::get_if<Quarantined>(&mapped);
      if (q == nullptr) {
        ++other_outcome;
        ADD_FAILURE() << "not quarantined: " << line;
        continue;
      }
      if (q->reason != expected) {
        ++other_outcome;
        ADD_FAILURE() << "quarantined as " << transformer::to_string(q->reason) << " (" << q->detail
                      << "), expected " << transformer::to_string(expected) << ": " << line;
        continue;
      }
      (bad_ts ? malformed : missing_price) += 1;
      continue;
    }

    const auto* order = std::get_if<SilverOrder>(&mapped);
    if (order == nullptr) {
      ++other_outcome;
      const auto& q = std::get<Quarantined>(mapped);
      ADD_FAILURE() << "clean enough for silver but quarantined as "
                    << transformer::to_string(q.reason) << " (" << q.detail << "): " << line;
      continue;
    }
    EXPECT_EQ(order->quantity_defaulted, no_quantity) << line;
    EXPECT_EQ(order->dq_passed, !no_quantity) << line;
    if (no_quantity) {
      EXPECT_EQ(order->quantity, 1) << line;
      ++defaulted;
    } else {
      EXPECT_EQ(order->quantity, record.at("quantity").get<int>()) << line;
      ++clean;
    }
    EXPECT_EQ(order->revenue_cents, order->price_cents * order->quantity) << line;
    silver_ids.emplace(order->order_id, record.at("order_id").get<std::string>());
    source_ids_in_silver.insert(record.at("order_id").get<std::string>());
  }

  EXPECT_EQ(gateway_rejected, 0u);
  EXPECT_EQ(other_outcome, 0u);
  // Every malformed timestamp is quarantined as such, whatever else is wrong with the record.
  EXPECT_EQ(malformed, dirt.malformed_timestamp);
  // Missing prices behind a malformed timestamp were already counted there.
  EXPECT_LE(missing_price, dirt.missing_price);
  EXPECT_EQ(missing_price, without_price_only);
  EXPECT_GT(missing_price, 0u);
  EXPECT_GT(defaulted, 0u);
  EXPECT_LE(defaulted, dirt.missing_quantity);
  EXPECT_EQ(malformed + missing_price + defaulted + clean, kCount);

  // Re-used order ids reach silver under one key (silver upserts by order_id, latest wins): a
  // source id never maps to two silver ids, and two source ids never share one.
  std::set<std::string> distinct_silver_ids;
  for (const auto& [silver_id, source_id] : silver_ids) distinct_silver_ids.insert(silver_id);
  EXPECT_EQ(distinct_silver_ids.size(), source_ids_in_silver.size());
  for (const auto& [silver_id, source_id] : silver_ids) {
    EXPECT_EQ(silver_id, source_id) << "generated ids are lower-case UUIDs, kept as they are";
  }
  EXPECT_LT(distinct_silver_ids.size(), silver_ids.size()) << "some duplicates reach silver";
}

TEST_F(DirtCaughtTest, EveryDirtyInteractionPassesTheGatewayAndBadTimestampsFailToParse) {
  eventgen::InteractionCounts counts;
  auto lines = lines_of(eventgen::generate_interactions(kCount, 20260418, DirtRates{}, 0.03,
                                                        kAnchor, BatchFormat::kNdjson, &counts));
  ASSERT_EQ(lines.size(), kCount);
  ASSERT_GT(counts.malformed_timestamp, 0u);
  ASSERT_GT(counts.missing_quantity + counts.missing_price, 0u);
  ASSERT_GT(counts.duplicate_id, 0u);

  const std::set<std::string> known_bad(eventgen::kMalformedTimestamps.begin(),
                                        eventgen::kMalformedTimestamps.end());
  uint64_t gateway_rejected = 0, unparseable = 0, sent_broken = 0;
  std::set<std::string> bad_values_seen;
  for (const auto& line : lines) {
    auto event = nlohmann::json::parse(line);
    auto errors = registry_->validate("user.interaction", 1, event);
    if (!errors.empty()) {
      ++gateway_rejected;
      ADD_FAILURE() << "gateway would reject " << line << ": " << first_error(errors);
    }
    const std::string occurred_at = event.at("occurred_at");
    // Broken is what the generator says (its list); the parser must refuse exactly those.
    const bool broken = known_bad.count(occurred_at) > 0;
    sent_broken += broken;
    if (!time::parse_iso8601(occurred_at)) {
      ++unparseable;
      bad_values_seen.insert(occurred_at);
      EXPECT_TRUE(broken) << "unexpected malformed value: " << line;
    } else {
      EXPECT_FALSE(broken) << "a broken value the parser accepts: " << line;
    }
  }
  EXPECT_EQ(gateway_rejected, 0u);
  // Duplicates re-send malformed events too, so there can be more than were generated.
  EXPECT_GE(sent_broken, counts.malformed_timestamp);
  EXPECT_EQ(unparseable, sent_broken);
  // Every broken value the source sends is one the silver parser refuses.
  EXPECT_EQ(bad_values_seen, known_bad);
  for (const auto& value : known_bad) EXPECT_FALSE(time::parse_iso8601(value)) << value;
}

}  // namespace
}  // namespace analytics
