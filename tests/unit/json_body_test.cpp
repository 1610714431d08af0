#include "common/http/json_body.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "control_api.hpp"
#include "load_jobs.hpp"
#include "load_routes.hpp"
#include "mock_cluster.hpp"

namespace analytics::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(size_t depth) {
  std::string out;
  for (size_t i = 0; i < depth; ++i) out += R"({"a":)";
  return out + "1" + std::string(depth, '}');
}

/// The ApiError parse_json_body throws for `body`, or a failure when it throws none.
ApiError rejection(const std::string& body, size_t max_depth = kDefaultMaxJsonDepth) {
  try {
    parse_json_body(body, max_depth);
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << body.substr(0, 80);
  return ApiError(0, "", "");
}

TEST(HttpJsonBodyTest, ParsesAnObject) {
  auto body = parse_json_body(R"({"name":"orders","partitions":3,"tags":[1,[2,[3]]]})");
  EXPECT_EQ(body.at("name"), "orders");
  EXPECT_EQ(body.at("tags")[1][1][0], 3);
}

TEST(HttpJsonBodyTest, NestingUpToTheLimitIsAccepted) {
  EXPECT_NO_THROW(parse_json_body(nested_arrays(64)));
  EXPECT_NO_THROW(parse_json_body(nested_objects(64)));
  EXPECT_NO_THROW(parse_json_body(nested_arrays(3), 3));
}

TEST(HttpJsonBodyTest, NestingBeyondTheLimitIs400NamingTheLimit) {
  for (const std::string& body : {nested_arrays(65), nested_objects(65), nested_arrays(100000),
                                  nested_objects(100000), R"({"a":)" + nested_arrays(200) + "}"}) {
    auto e = rejection(body);
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "malformed_json");
    EXPECT_THAT(e.what(), HasSubstr("deeper than 64 levels"));
  }
  EXPECT_THAT(rejection(nested_arrays(4), 3).what(), HasSubstr("deeper than 3 levels"));
}

TEST(HttpJsonBodyTest, SyntaxErrorNamesLineAndColumn) {
  auto e = rejection("{\n  \"a\": 1,\n  \"b\": ?\n}");
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "malformed_json");
  EXPECT_THAT(e.what(), HasSubstr("line 3, column"));
  EXPECT_THAT(e.what(), Not(HasSubstr("[json.exception")));
}

TEST(HttpJsonBodyTest, InvalidUtf8Is400) {
  auto e = rejection("{\"name\":\"caf\xc3\x28\"}");
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "malformed_json");
  EXPECT_THAT(e.what(), HasSubstr("UTF-8"));
  EXPECT_THAT(e.what(), HasSubstr("line 1, column"));
}

TEST(HttpJsonBodyTest, NumberBeyondDoubleRangeIs400) {
  // nlohmann throws out_of_range, not parse_error, for this one.
  auto e = rejection(R"({"rate": 1e999999})");
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "malformed_json");
  EXPECT_THAT(e.what(), HasSubstr("1e999999"));
}

// Which of two values would count depends on the parser: a repeated key is refused, at any
// depth, and named; the same key in two different objects is fine.
TEST(HttpJsonBodyTest, AKeyRepeatedInOneObjectIs400NamingIt) {
  for (const char* body : {R"({"count":2,"rate":1,"count":1})", R"({"a":{"count":1,"count":1}})",
                           R"([{"x":1},{"y":{"count":1,"z":[1,{"count":2}],"count":3}}])"}) {
    auto e = rejection(body);
    EXPECT_EQ(e.status(), 400) << body;
    EXPECT_EQ(e.code(), "malformed_json") << body;
    EXPECT_THAT(e.what(), HasSubstr(R"(repeats the key "count")")) << body;
  }
  EXPECT_NO_THROW(parse_json_body(R"({"a":{"count":1},"b":{"count":1},"count":[{"count":1}]})"));
  auto long_key = rejection("{\"" + std::string(5000, 'k') + "\":1,\"" + std::string(5000, 'k') +
                            "\":2}");
  EXPECT_LT(std::string(long_key.what()).size(), 300u);
}

TEST(HttpJsonBodyTest, EmptyAndTruncatedBodiesAre400) {
  EXPECT_EQ(rejection("").code(), "malformed_json");
  EXPECT_EQ(rejection(R"({"a":[1,2)").code(), "malformed_json");
}

TEST(HttpJsonBodyTest, LongInvalidTokensAreNotEchoedInFull) {
  auto e = rejection("[\"" + std::string(100000, 'x') + "\x01\"]");
  EXPECT_LT(std::string(e.what()).size(), 500u);
}

/// The two services that parse client JSON with nlohmann, on a real server.
class HttpJsonRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    eventgen::register_load_routes(server_, jobs_, eventgen::LoadOptions{}, no_keys_);
    dev_broker::register_control_api(server_, cluster_, catalog_, no_keys_);
    port_ = server_.start("127.0.0.1", 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(5);
  }
  void TearDown() override { server_.stop(); }

  void expect_malformed(const std::string& path, const std::string& body,
                        const std::string& message_part) {
    auto res = client_->Post(path.c_str(), body, "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 400) << path << ": " << res->body;
    auto error = nlohmann::json::parse(res->body).at("error");
    EXPECT_EQ(error.at("code"), "malformed_json") << path;
    EXPECT_THAT(error.at("message").get<std::string>(), HasSubstr(message_part)) << path;
  }

  const auth::ApiKeys no_keys_{};
  metrics::Registry registry_;
  Server server_{"json-routes", registry_};
  eventgen::LoadJobs jobs_;
  dev_broker::MockCluster cluster_{1};
  contracts::TopicCatalog catalog_ =
      contracts::TopicCatalog::load(ANALYTICS_SOURCE_DIR "/proto/topics.json", "json-test.");
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpJsonRoutesTest, DeeplyNestedBodiesAre400) {
  std::string deep = R"({"event_type":)" + nested_arrays(100000) + "}";
  expect_malformed("/v1/load", deep, "deeper than 64 levels");
  expect_malformed("/v1/topics", R"({"name":)" + nested_arrays(100000) + "}",
                   "deeper than 64 levels");
  expect_malformed("/v1/faults/request-errors", nested_objects(100000), "deeper than 64 levels");
}

TEST_F(HttpJsonRoutesTest, HugeNumbersAndInvalidUtf8Are400) {
  expect_malformed("/v1/load", R"({"rate":1e999999})", "1e999999");
  expect_malformed("/v1/topics", R"({"name":"t","partitions":1e999999})", "1e999999");
  expect_malformed("/v1/topics", "{\"name\":\"\xff\"}", "UTF-8");
}

TEST_F(HttpJsonRoutesTest, NonObjectBodiesAreStill400) {
  expect_malformed("/v1/load", "[1,2]", "must be a JSON object");
  expect_malformed("/v1/topics", "\"orders\"", "must be a JSON object");
}

// Fields of the wrong type or out of range are the client's mistake, named, never a 500 (or,
// for a negative count, a job of 2^64-1 events).
TEST_F(HttpJsonRoutesTest, FieldsOfTheWrongTypeOrRangeAre400NamingTheField) {
  struct Case {
    const char* path;
    const char* body;
    const char* code;
    const char* field;
  };
  for (const Case& c :
       {Case{"/v1/load", R"({"count":-1})", "invalid_parameter", "count"},
        Case{"/v1/load", R"({"rate":"fast"})", "invalid_parameter", "rate"},
        Case{"/v1/load", R"({"batch_size":1.5})", "invalid_parameter", "batch_size"},
        Case{"/v1/topics", R"({"name":42})", "invalid_argument", "name"},
        Case{"/v1/topics", R"({"name":"t","partitions":99999999999})", "invalid_argument",
             "partitions"},
        Case{"/v1/faults/request-errors", R"({"error":"X"})", "invalid_argument", "api_key"},
        Case{"/v1/faults/request-errors", R"({"api_key":-1,"error":"X"})", "invalid_argument",
             "api_key"},
        Case{"/v1/faults/request-errors", R"({"api_key":70000,"error":"X"})", "invalid_argument",
             "api_key"},
        // Names Kafka refuses, and more partitions than the mock should hold.
        Case{"/v1/topics", R"({"name":"a\u0000b"})", "invalid_argument", "topic name"},
        Case{"/v1/topics", R"({"prefix":"../"})", "invalid_argument", "topic name"},
        Case{"/v1/topics", R"({"name":"t","partitions":100000})", "invalid_argument",
             "partitions"}}) {
    auto res = client_->Post(c.path, c.body, "application/json");
    ASSERT_TRUE(res) << c.body;
    EXPECT_EQ(res->status, 400) << c.body << " " << res->body;
    auto error = nlohmann::json::parse(res->body).at("error");
    EXPECT_EQ(error.at("code"), c.code) << c.body;
    EXPECT_THAT(error.at("message").get<std::string>(), HasSubstr(c.field)) << c.body;
  }
  auto res = client_->Post("/v1/brokers/99999999999/down", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
}

TEST_F(HttpJsonRoutesTest, WellFormedBodiesStillWork) {
  auto res = client_->Post("/v1/topics", R"({"name":"json-test.extra","partitions":2})",
                           "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
}

}  // namespace
}  // namespace analytics::http
