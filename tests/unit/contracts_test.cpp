#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"

namespace analytics::contracts {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kProtoDir = ANALYTICS_SOURCE_DIR "/proto";

nlohmann::json clean_transaction() {
  return nlohmann::json::parse(R"({
    "order_id": "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",
    "customer_id": 4711,
    "customer_name": "Sarah Connor",
    "email": "sarah.connor@example.com",
    "product": "Wireless Headphones",
    "category": "Electronics",
    "quantity": 2,
    "price": 79.99,
    "region": "EU-West",
    "timestamp": "2026-04-18T14:32:01Z",
    "status": "completed"
  })");
}

nlohmann::json clean_interaction() {
  return nlohmann::json::parse(R"({
    "event_id": "evt-1",
    "user_id": "u-42",
    "session_id": "s-7",
    "event_type": "add_to_cart",
    "platform": "WEB",
    "occurred_at": "2026-04-18T14:32:01Z",
    "product": "Yoga Mat",
    "quantity": 1,
    "properties": {"utm_source": "newsletter", "currency": "EUR"}
  })");
}

std::vector<std::string> fields_of(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

class SchemaRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new SchemaRegistry(SchemaRegistry::load(kProtoDir + "/schemas"));
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }
  std::vector<FieldError> validate_tx(const nlohmann::json& event) const {
    return registry_->validate("commerce.transaction", 1, event);
  }
  static SchemaRegistry* registry_;
};

SchemaRegistry* SchemaRegistryTest::registry_ = nullptr;

TEST(TopicCatalogTest, LoadsRealCatalogueWithPrefix) {
  TopicCatalog catalog = TopicCatalog::load(kProtoDir + "/topics.json", "test42.");
  ASSERT_EQ(catalog.topics().size(), 3u);
  for (const auto& t : catalog.topics()) {
    EXPECT_EQ(t.name.rfind("test42.", 0), 0u) << t.name;
    EXPECT_GE(t.partitions, 1) << t.name;
    EXPECT_FALSE(t.key_field.empty()) << t.name;
  }
  auto tx = catalog.for_event_type("commerce.transaction");
  ASSERT_TRUE(tx.has_value());
  EXPECT_EQ(tx->name, "test42.events.commerce.transaction");
  EXPECT_EQ(tx->key_field, "order_id");
  EXPECT_EQ(tx->partitions, 12);
  EXPECT_FALSE(tx->dead_letter);
}

TEST(TopicCatalogTest, NoPrefixKeepsNames) {
  TopicCatalog catalog = TopicCatalog::load(kProtoDir + "/topics.json");
  auto ui = catalog.for_event_type("user.interaction");
  ASSERT_TRUE(ui.has_value());
  EXPECT_EQ(ui->name, "events.user.interaction");
  EXPECT_EQ(ui->key_field, "event_id");
}

TEST(TopicCatalogTest, ExactlyOneDeadLetterTopic) {
  TopicCatalog catalog = TopicCatalog::load(kProtoDir + "/topics.json", "p.");
  auto n = std::count_if(catalog.topics().begin(), catalog.topics().end(),
                         [](const TopicSpec& t) { return t.dead_letter; });
  EXPECT_EQ(n, 1);
  EXPECT_EQ(catalog.dead_letter().name, "p.events.dlq");
  EXPECT_EQ(catalog.dead_letter().event_type, "dlq");
  EXPECT_TRUE(catalog.dead_letter().dead_letter);
}

TEST(TopicCatalogTest, DeadLetterTopicIsNotAnEventTopic) {
  TopicCatalog catalog = TopicCatalog::load(kProtoDir + "/topics.json");
  EXPECT_FALSE(catalog.for_event_type("dlq").has_value());
  EXPECT_FALSE(catalog.for_event_type("no.such.type").has_value());
}

TEST(TopicCatalogTest, MissingFileThrows) {
  EXPECT_THROW(TopicCatalog::load(kProtoDir + "/no-such-topics.json"), std::runtime_error);
}

TEST_F(SchemaRegistryTest, KnowsTheEventTypesAndVersionsInProto) {
  EXPECT_THAT(registry_->event_types(), Contains("commerce.transaction"));
  EXPECT_THAT(registry_->event_types(), Contains("user.interaction"));
  EXPECT_THAT(registry_->event_types(), Contains("dlq"));
  EXPECT_THAT(registry_->versions("commerce.transaction"), ElementsAre(1, 2));
  EXPECT_THAT(registry_->versions("no.such.type"), IsEmpty());
  auto text = registry_->schema_text("commerce.transaction", 1);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(nlohmann::json::parse(*text).at("$id"), "commerce.transaction/v1");
  EXPECT_EQ(nlohmann::json::parse(*registry_->schema_text("commerce.transaction", 2)).at("$id"),
            "commerce.transaction/v2");
  EXPECT_FALSE(registry_->schema_text("commerce.transaction", 3).has_value());
}

TEST_F(SchemaRegistryTest, UnknownTypeOrVersionThrowsOutOfRange) {
  EXPECT_THROW(registry_->validate("no.such.type", 1, clean_transaction()), std::out_of_range);
  EXPECT_THROW(registry_->validate("commerce.transaction", 99, clean_transaction()),
               std::out_of_range);
}

TEST_F(SchemaRegistryTest, CleanTransactionPasses) {
  EXPECT_THAT(validate_tx(clean_transaction()), IsEmpty());
}

TEST_F(SchemaRegistryTest, MissingRequiredFieldIsNamed) {
  auto event = clean_transaction();
  event.erase("order_id");
  auto errors = validate_tx(event);
  ASSERT_THAT(errors, Not(IsEmpty()));
  EXPECT_THAT(fields_of(errors), Contains("order_id"));
}

TEST_F(SchemaRegistryTest, WrongTypeNamesTheField) {
  auto event = clean_transaction();
  event["price"] = "79.99";
  auto errors = validate_tx(event);
  ASSERT_THAT(errors, Not(IsEmpty()));
  EXPECT_THAT(fields_of(errors), Contains("price"));
  for (const auto& e : errors) EXPECT_FALSE(e.message.empty());
}

TEST_F(SchemaRegistryTest, AbsentQuantityAndPriceAreAcceptedAtTheGateway) {
  auto no_quantity = clean_transaction();
  no_quantity.erase("quantity");
  EXPECT_THAT(validate_tx(no_quantity), IsEmpty());
  auto no_price = clean_transaction();
  no_price.erase("price");
  EXPECT_THAT(validate_tx(no_price), IsEmpty());
}

TEST_F(SchemaRegistryTest, UnparseableTimestampStringIsAcceptedAtTheGateway) {
  auto event = clean_transaction();
  event["timestamp"] = "not-a-date";
  EXPECT_THAT(validate_tx(event), IsEmpty());
}

TEST_F(SchemaRegistryTest, UnknownStatusIsRejected) {
  auto event = clean_transaction();
  event["status"] = "shipped";
  EXPECT_THAT(fields_of(validate_tx(event)), Contains("status"));
}

TEST_F(SchemaRegistryTest, OrderIdMustLookLikeAUuid) {
  auto event = clean_transaction();
  event["order_id"] = "order-1";
  EXPECT_THAT(fields_of(validate_tx(event)), Contains("order_id"));
}

TEST_F(SchemaRegistryTest, EveryProblemIsReported) {
  auto event = clean_transaction();
  event.erase("customer_id");
  event["quantity"] = 0;
  event["status"] = "lost";
  auto fields = fields_of(validate_tx(event));
  EXPECT_THAT(fields, Contains("customer_id"));
  EXPECT_THAT(fields, Contains("quantity"));
  EXPECT_THAT(fields, Contains("status"));
}

TEST_F(SchemaRegistryTest, EveryValidV1OrderIsAValidV2Order) {
  EXPECT_THAT(registry_->validate("commerce.transaction", 2, clean_transaction()), IsEmpty());
  auto v2 = clean_transaction();
  v2["currency"] = "EUR";
  v2["discount"] = 5.5;
  v2["schema_version"] = 2;
  EXPECT_THAT(registry_->validate("commerce.transaction", 2, v2), IsEmpty());
  v2["currency"] = "euro";
  v2["discount"] = -1;
  auto fields = fields_of(registry_->validate("commerce.transaction", 2, v2));
  EXPECT_THAT(fields, Contains("currency"));
  EXPECT_THAT(fields, Contains("discount"));
}

TEST_F(SchemaRegistryTest, NonObjectIsRejected) {
  EXPECT_THAT(validate_tx(nlohmann::json::array({1, 2})), Not(IsEmpty()));
}

TEST_F(SchemaRegistryTest, CleanInteractionPasses) {
  EXPECT_THAT(registry_->validate("user.interaction", 1, clean_interaction()), IsEmpty());
}

TEST_F(SchemaRegistryTest, InvalidInteractionNamesNestedField) {
  auto event = clean_interaction();
  event["platform"] = "MAINFRAME";
  event["properties"]["currency"] = "euro";
  auto fields = fields_of(registry_->validate("user.interaction", 1, event));
  EXPECT_THAT(fields, Contains("platform"));
  EXPECT_THAT(fields, Contains("properties.currency"));
}

TEST_F(SchemaRegistryTest, InteractionMissingUserIdIsNamed) {
  auto event = clean_interaction();
  event.erase("user_id");
  EXPECT_THAT(fields_of(registry_->validate("user.interaction", 1, event)), Contains("user_id"));
}

TEST(SchemaRegistryLoadTest, MissingDirectoryThrows) {
  EXPECT_THROW(SchemaRegistry::load(kProtoDir + "/no-such-dir"), std::runtime_error);
}

}  // namespace
}  // namespace analytics::contracts
