#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/kafka/producer.hpp"
#include "common/kafka/properties.hpp"

namespace analytics::kafka {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(KafkaPropertiesTest, ParsesPairsSeparatedByCommasOrNewlines) {
  auto props = parse_properties(" linger.ms = 10,\ncompression.type=zstd\n\n,sasl.password=a=b ");
  EXPECT_EQ(props.size(), 3u);
  EXPECT_EQ(props["linger.ms"], "10");
  EXPECT_EQ(props["compression.type"], "zstd");
  EXPECT_EQ(props["sasl.password"], "a=b");  // only the first '=' separates
  EXPECT_TRUE(parse_properties("").empty());
}

TEST(KafkaPropertiesTest, AnEntryWithoutKeyOrEqualsIsRefusedWithoutItsValue) {
  EXPECT_THROW(parse_properties("linger.ms"), std::invalid_argument);
  try {
    parse_properties("=s3cr3t-password");
    ADD_FAILURE() << "accepted an entry without a key";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("s3cr3t")));
  }
}

TEST(KafkaPropertiesTest, CredentialsAreRecognisedByName) {
  for (const char* key :
       {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem",
        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config", "sasl.jaas.config"}) {
    EXPECT_TRUE(is_secret_property(key)) << key;
  }
  for (const char* key :
       {"sasl.username", "sasl.mechanism", "security.protocol", "ssl.ca.location", "client.id"}) {
    EXPECT_FALSE(is_secret_property(key)) << key;
  }
}

TEST(KafkaPropertiesTest, AMisspeltSettingIsRefusedWithoutItsValue) {
  // A typo in a credential's key must not print the credential in the start-up error.
  try {
    Producer producer({{"bootstrap.servers", "127.0.0.1:1"}, {"sasl.pasword", "s3cr3t-pw"}});
    ADD_FAILURE() << "accepted an unknown property";
  } catch (const KafkaError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sasl.pasword"));
    EXPECT_THAT(e.what(), Not(HasSubstr("s3cr3t")));
  }
}

TEST(KafkaPropertiesTest, OwnedKeysAreNamedInTheOrderGiven) {
  Properties props = {{"client.id", "x"}, {"linger.ms", "5"}, {"bootstrap.servers", "b:9092"}};
  EXPECT_EQ(owned_keys_in(props, {"bootstrap.servers", "group.id", "client.id"}),
            (std::vector<std::string>{"bootstrap.servers", "client.id"}));
  EXPECT_TRUE(owned_keys_in(props, {"group.id"}).empty());
}

TEST(KafkaPropertiesTest, DefaultClientIdIsServiceAndHost) {
  std::string id = default_client_id("transformer");
  EXPECT_EQ(id.rfind("transformer", 0), 0u) << id;
  EXPECT_GT(id.size(), std::string("transformer-").size()) << "no host name in " << id;
}

TEST(KafkaPropertiesTest, MissingTopicsAreNamedWithWhoCreatesThem) {
  EXPECT_EQ(missing_topics_problem({}), "");
  std::string problem = missing_topics_problem({"p.events.a", "p.events.b"});
  EXPECT_THAT(problem, HasSubstr("p.events.a, p.events.b"));
  EXPECT_THAT(problem, HasSubstr("never create topics"));
}

}  // namespace
}  // namespace analytics::kafka
