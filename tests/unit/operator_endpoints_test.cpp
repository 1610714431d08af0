// eventgen's load API and the dev broker's control API are operator actions: optional API keys
// (the gateway's mechanism), JSON bodies only, every load job bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/auth/api_keys.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "control_api.hpp"
#include "load_jobs.hpp"
#include "load_routes.hpp"
#include "mock_cluster.hpp"

namespace analytics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kOperator = "operator-key-0123456789abcdef";
const std::string kLoadOnly = "load-only-key-0123456789abcde";

class OperatorEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Jobs target a gateway nobody listens on: they start, fail their requests and end.
    defaults_.gateway_url = "http://127.0.0.1:9";
    defaults_.request_timeout_seconds = 1;
    eventgen::register_load_routes(server_, jobs_, defaults_, keys_);
    dev_broker::register_control_api(server_, cluster_, catalog_, keys_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.start("127.0.0.1", 0));
    client_->set_read_timeout(10);
  }
  void TearDown() override { server_.stop(); }

  httplib::Result post(const std::string& path, const std::string& body, const std::string& key,
                       const std::string& type = "application/json") {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("X-API-Key", key);
    return client_->Post(path, headers, body, type);
  }

  static std::string code_of(const httplib::Result& res) {
    return nlohmann::json::parse(res->body).at("error").at("code");
  }

  const auth::ApiKeys keys_ = auth::ApiKeys::parse(kOperator + "," + kLoadOnly + "@load");
  eventgen::LoadOptions defaults_;
  metrics::Registry registry_;
  http::Server server_{"operator-endpoints", registry_};
  eventgen::LoadJobs jobs_;
  dev_broker::MockCluster cluster_{1};
  contracts::TopicCatalog catalog_ =
      contracts::TopicCatalog::load(ANALYTICS_SOURCE_DIR "/proto/topics.json", "op-test.");
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(OperatorEndpointsTest, LoadJobsNeedAKeyAllowedForLoad) {
  const std::string job = R"({"count":10,"batch_size":10})";
  auto missing = post("/v1/load", job, "");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401) << missing->body;
  EXPECT_EQ(code_of(missing), "unauthenticated");
  EXPECT_EQ(missing->get_header_value("WWW-Authenticate"), "Bearer");

  auto wrong = post("/v1/load", job, "not-a-key");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(code_of(wrong), "invalid_api_key");
  EXPECT_THAT(wrong->body, Not(HasSubstr("not-a-key")));

  auto started = post("/v1/load", job, kLoadOnly);
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202) << started->body;
  std::string status_url = nlohmann::json::parse(started->body).at("status_url");

  auto anonymous_status = client_->Get(status_url);
  ASSERT_TRUE(anonymous_status);
  EXPECT_EQ(anonymous_status->status, 401);
  auto anonymous_cancel = client_->Delete(status_url);
  ASSERT_TRUE(anonymous_cancel);
  EXPECT_EQ(anonymous_cancel->status, 401);
  auto status = client_->Get(status_url, {{"Authorization", "Bearer " + kOperator}});
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200) << status->body;
}

TEST_F(OperatorEndpointsTest, BrokerChangesNeedAKeyAllowedForControl) {
  auto missing = post("/v1/brokers/1/down", "", "");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  // A key scoped to load jobs may not take brokers down.
  auto out_of_scope = post("/v1/brokers/1/down", "", kLoadOnly);
  ASSERT_TRUE(out_of_scope);
  EXPECT_EQ(out_of_scope->status, 403) << out_of_scope->body;
  EXPECT_EQ(code_of(out_of_scope), "forbidden");
  EXPECT_THAT(out_of_scope->body, HasSubstr("may not change the dev broker"));
  auto topic = post("/v1/topics", R"({"name":"op-test.x"})", kLoadOnly);
  ASSERT_TRUE(topic);
  EXPECT_EQ(topic->status, 403);
  auto fault_cleared = client_->Delete("/v1/faults/request-errors/0");
  ASSERT_TRUE(fault_cleared);
  EXPECT_EQ(fault_cleared->status, 401);

  auto allowed = post("/v1/brokers/1/up", "", kOperator);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;
  // Reading the cluster changes nothing and stays open (tests and scripts find brokers there).
  auto cluster = client_->Get("/v1/cluster");
  ASSERT_TRUE(cluster);
  EXPECT_EQ(cluster->status, 200);
}

TEST_F(OperatorEndpointsTest, BodiesMustBeJson) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
    auto load = post("/v1/load", R"({"count":10})", kOperator, type);
    ASSERT_TRUE(load);
    EXPECT_EQ(load->status, 415) << type << ": " << load->body;
    EXPECT_EQ(code_of(load), "unsupported_media_type");
    auto topic = post("/v1/topics", R"({"name":"op-test.y"})", kOperator, type);
    ASSERT_TRUE(topic);
    EXPECT_EQ(topic->status, 415) << type;
  }
  auto charset = post("/v1/load", R"({"count":10})", kOperator, "Application/JSON; charset=utf-8");
  ASSERT_TRUE(charset);
  EXPECT_EQ(charset->status, 202) << charset->body;
}

TEST_F(OperatorEndpointsTest, EveryLoadJobIsBounded) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const Case& c : {Case{R"({"count":-1})", "count"},
                        Case{R"({"count":18446744073709551615})", "count"},
                        Case{R"({"count":1000000001})", "count"},
                        Case{R"({"duration_seconds":86401})", "duration_seconds"},
                        Case{R"({"count":5,"duration_seconds":-1})", "duration_seconds"},
                        Case{R"({"rate":1e300,"count":5})", "rate"},
                        Case{R"({})", "bounded"}}) {
    auto res = post("/v1/load", c.body, kOperator);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << c.body << ": " << res->body;
    EXPECT_THAT(res->body, HasSubstr(c.field)) << c.body;
  }
  // A body larger than the server takes is refused while it is read.
  auto huge = post("/v1/load", "{\"seed\":1" + std::string(50 * 1024 * 1024, ' ') + "}", kOperator);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
}

}  // namespace
}  // namespace analytics
