// Component test: the load runner and background load jobs against a fake gateway on a
// loopback ephemeral port. Every run is bounded by count or duration, and by a watchdog.
#include "load_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/contracts/schema_registry.hpp"
#include "common/errors/errors.hpp"
#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "load_jobs.hpp"
#include "load_routes.hpp"

namespace analytics::eventgen {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// How the fake gateway answers.
enum class GatewayMode {
  kPerRecord,     // like the real gateway: 200 / 207 / 422 with one result per record
  kUnavailable,   // 503, as when Kafka did not acknowledge
  kInconsistent,  // claims every record accepted but lists one result fewer than it received
};

/// Answers POST /v1/events/<type> like the ingest gateway: each NDJSON record is judged by the
/// real schemas in proto/schemas (version 1), so what the fake accepts and rejects is what the
/// gateway would. `also_required` makes it stricter, as a deployment whose schema requires
/// more fields would be: how tests get records rejected (eventgen's dirt passes the schemas).
class FakeGateway {
 public:
  explicit FakeGateway(GatewayMode mode = GatewayMode::kPerRecord,
                       std::vector<std::string> also_required = {})
      : mode_(mode), also_required_(std::move(also_required)) {
    server_.post("/v1/events/([a-z.]+)",
                 [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.start("127.0.0.1", 0);
  }
  ~FakeGateway() { server_.stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  uint64_t received() const { return received_; }
  uint64_t rejected() const { return rejected_; }
  uint64_t requests() const { return requests_; }
  std::set<std::string> types() const {
    std::lock_guard lock(mu_);
    return types_;
  }
  /// Every distinct X-API-Key value received; "" stands for a request without the header.
  std::set<std::string> api_keys() const {
    std::lock_guard lock(mu_);
    return api_keys_;
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    {
      std::lock_guard lock(mu_);
      types_.insert(req.matches[1]);
      api_keys_.insert(req.get_header_value("X-API-Key"));
    }
    if (mode_ == GatewayMode::kUnavailable) {
      res.status = 503;
      res.set_header("Retry-After", "1");
      res.set_content(
          R"({"error":{"code":"unavailable","message":"kafka did not acknowledge","details":[]}})",
          "application/json");
      return;
    }
    uint64_t accepted = 0, rejected = 0;
    nlohmann::json results = nlohmann::json::array();
    std::istringstream in(req.body);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      bool ok = accepts(req.matches[1], nlohmann::json::parse(line, nullptr, false));
      results.push_back({{"index", results.size()}, {"status", ok ? "accepted" : "rejected"}});
      (ok ? accepted : rejected) += 1;
    }
    received_ += accepted + rejected;
    rejected_ += rejected;
    nlohmann::json body = {{"accepted", accepted}, {"rejected", rejected}, {"results", results}};
    if (mode_ == GatewayMode::kInconsistent) {
      body["accepted"] = accepted + rejected;
      body["rejected"] = 0;
      if (!results.empty()) body["results"].erase(results.size() - 1);
    }
    res.status = rejected == 0 ? 200 : accepted == 0 ? 422 : 207;
    res.set_content(body.dump(), "application/json");
  }

  bool accepts(const std::string& type, const nlohmann::json& record) const {
    if (!record.is_object() || !schemas_.validate(type, 1, record).empty()) return false;
    for (const auto& field : also_required_) {
      if (!record.contains(field)) return false;
    }
    return true;
  }

  GatewayMode mode_;
  std::vector<std::string> also_required_;
  const contracts::SchemaRegistry schemas_ =
      contracts::SchemaRegistry::load(ANALYTICS_SOURCE_DIR "/proto/schemas");
  metrics::Registry registry_;
  http::Server server_{"fake-gateway", registry_};
  int port_ = 0;
  std::atomic<uint64_t> received_{0}, rejected_{0}, requests_{0};
  mutable std::mutex mu_;
  std::set<std::string> types_;
  std::set<std::string> api_keys_;
};

/// A port nothing listens on: one a server had and gave back.
int closed_port() {
  metrics::Registry registry;
  http::Server server("closed", registry);
  int port = server.start("127.0.0.1", 0);
  server.stop();
  return port;
}

/// Runs run_load with a watchdog that cancels it after `limit`, so a broken stop condition
/// fails the test (cancelled == true) instead of hanging it.
LoadProgress run_bounded(const LoadOptions& options, std::vector<LoadProgress>* reports = nullptr,
                         std::chrono::seconds limit = 30s) {
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, limit, [&] { return finished; })) cancel = true;
  });
  auto stop_watchdog = [&] {
    {
      std::lock_guard lock(mu);
      finished = true;
    }
    cv.notify_one();
    watchdog.join();
  };
  try {
    LoadProgress p = run_load(
        options,
        [reports](const LoadProgress& r) {
          if (reports) reports->push_back(r);
        },
        &cancel);
    stop_watchdog();
    return p;
  } catch (...) {
    stop_watchdog();
    throw;
  }
}

LoadOptions options_for(const FakeGateway& gateway) {
  LoadOptions o;
  o.gateway_url = gateway.url();
  o.rate = 1e6;  // pacing is tested on its own
  o.seed = 20260418;
  o.request_timeout_seconds = 10;
  return o;
}

void expect_totals_add_up(const LoadProgress& p) {
  EXPECT_EQ(p.sent, p.accepted + p.rejected + p.failed)
      << "sent " << p.sent << " accepted " << p.accepted << " rejected " << p.rejected << " failed "
      << p.failed;
}

TEST(LoadRunnerTest, CountBoundSendsExactlyThatManyEvents) {
  // Stricter than our schemas: eventgen's records with quantity or price left out are refused.
  FakeGateway gateway(GatewayMode::kPerRecord, {"quantity", "price"});
  LoadOptions o = options_for(gateway);
  o.count = 1234;
  o.batch_size = 100;
  std::vector<LoadProgress> reports;
  LoadProgress p = run_bounded(o, &reports);

  EXPECT_TRUE(p.done);
  EXPECT_FALSE(p.cancelled);
  EXPECT_EQ(p.sent, 1234u);
  EXPECT_EQ(p.requests, 13u);  // ceil(1234 / 100)
  expect_totals_add_up(p);
  EXPECT_EQ(p.failed, 0u);
  EXPECT_TRUE(p.reconciled) << p.last_error;
  EXPECT_EQ(gateway.received(), 1234u);
  EXPECT_EQ(gateway.requests(), 13u);
  EXPECT_EQ(gateway.types(), std::set<std::string>{"commerce.transaction"});
  // The runner counts what the gateway decided, record by record.
  EXPECT_EQ(p.rejected, gateway.rejected());
  EXPECT_GT(p.rejected, 0u) << "default dirt should leave out some quantities and prices";
  EXPECT_EQ(p.accepted, gateway.received() - gateway.rejected());

  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(reports.back().done);
  EXPECT_EQ(reports.back().sent, p.sent);
  auto json = nlohmann::json::parse(p.to_json());
  EXPECT_EQ(json.at("sent"), 1234);
  EXPECT_EQ(json.at("requests"), 13);
  EXPECT_EQ(json.at("reconciled"), true);
  EXPECT_EQ(json.at("done"), true);
}

// Several gateways behind one client (issue 11's scale-out): requests go to each in turn.
TEST(LoadRunnerTest, SeveralGatewaysTakeRequestsInTurn) {
  EXPECT_EQ(gateway_urls(" http://a:1 ,https://b:2"),
            (std::vector<std::string>{"http://a:1", "https://b:2"}));
  FakeGateway first, second;
  LoadOptions o = options_for(first);
  o.gateway_url = first.url() + "," + second.url();
  o.count = 500;
  o.batch_size = 100;
  LoadProgress p = run_bounded(o, nullptr);
  EXPECT_EQ(p.sent, 500u);
  EXPECT_EQ(p.failed, 0u) << p.last_error;
  EXPECT_EQ(first.requests(), 3u);  // requests 0, 2, 4
  EXPECT_EQ(second.requests(), 2u);
  EXPECT_EQ(first.received() + second.received(), 500u);
}

TEST(LoadRunnerTest, TheLedgerListsEveryAnsweredRecordWithItsId) {
  FakeGateway gateway(GatewayMode::kPerRecord, {"quantity", "price"});
  LoadOptions o = options_for(gateway);
  o.count = 250;
  o.batch_size = 100;
  o.ledger_path = ::testing::TempDir() + "/load-ledger.tsv";
  std::remove(o.ledger_path.c_str());
  LoadProgress p = run_bounded(o);
  ASSERT_EQ(p.sent, 250u);

  std::ifstream in(o.ledger_path);
  uint64_t lines = 0, accepted = 0, rejected = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    std::istringstream fields(line);
    std::string status, id;
    std::getline(fields, status, '\t');
    std::getline(fields, id, '\t');
    EXPECT_EQ(id.size(), 36u) << line;  // the record's order_id
    (status == "accepted" ? accepted : rejected) += 1;
  }
  EXPECT_EQ(lines, 250u);
  EXPECT_EQ(accepted, p.accepted);
  EXPECT_EQ(rejected, p.rejected);
  EXPECT_GT(rejected, 0u);
  std::remove(o.ledger_path.c_str());
}

// The gateway takes malformed timestamps and absent quantities (silver quarantines or defaults
// them, so nothing is lost): a load run with heavy dirt is accepted record for record.
TEST(LoadRunnerTest, EventgenDirtPassesTheGatewaysSchemas) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.count = 1000;
  o.rates.malformed_timestamp = 0.5;
  o.rates.missing_field = 0.5;
  LoadProgress p = run_bounded(o);
  EXPECT_EQ(p.accepted, 1000u);
  EXPECT_EQ(p.rejected, 0u);
  EXPECT_EQ(gateway.rejected(), 0u);
}

TEST(LoadRunnerTest, InteractionsGoToTheirEventTypeAndABatchNeverExceedsTheCount) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.event_type = "interactions";
  o.count = 7;
  o.batch_size = 500;
  LoadProgress p = run_bounded(o);
  EXPECT_EQ(p.sent, 7u);
  EXPECT_EQ(p.requests, 1u);
  EXPECT_EQ(gateway.received(), 7u);
  EXPECT_EQ(gateway.types(), std::set<std::string>{"user.interaction"});
  expect_totals_add_up(p);
  EXPECT_TRUE(p.reconciled) << p.last_error;
}

TEST(LoadRunnerTest, EveryRequestCarriesTheApiKey) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.api_key = "k3y-for-the-gateway";
  o.count = 250;
  o.batch_size = 100;
  LoadProgress p = run_bounded(o);
  EXPECT_EQ(gateway.requests(), 3u);
  EXPECT_EQ(gateway.api_keys(), std::set<std::string>{"k3y-for-the-gateway"});
  // A secret stays out of what the runner reports.
  EXPECT_THAT(p.to_json(), Not(HasSubstr("k3y")));
}

TEST(LoadRunnerTest, NoApiKeyHeaderWithoutAKey) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.count = 10;
  run_bounded(o);
  EXPECT_EQ(gateway.requests(), 1u);
  EXPECT_EQ(gateway.api_keys(), std::set<std::string>{""});
}

TEST(LoadRunnerTest, UnavailableGatewayCountsEveryEventAsFailed) {
  FakeGateway gateway(GatewayMode::kUnavailable);
  LoadOptions o = options_for(gateway);
  o.count = 300;
  o.batch_size = 100;
  LoadProgress p = run_bounded(o);
  EXPECT_FALSE(p.cancelled);
  EXPECT_EQ(p.sent, 300u);
  EXPECT_EQ(p.requests, 3u);
  EXPECT_EQ(p.failed, p.sent);
  EXPECT_EQ(p.accepted, 0u);
  EXPECT_EQ(p.rejected, 0u);
  expect_totals_add_up(p);
  EXPECT_TRUE(p.reconciled);
  EXPECT_THAT(p.last_error, HasSubstr("503"));
  EXPECT_EQ(nlohmann::json::parse(p.to_json()).at("reconciled"), true);
}

TEST(LoadRunnerTest, InconsistentGatewayAnswersAreNotReconciled) {
  FakeGateway gateway(GatewayMode::kInconsistent);
  LoadOptions o = options_for(gateway);
  o.count = 200;
  o.batch_size = 50;
  LoadProgress p = run_bounded(o);
  EXPECT_EQ(p.sent, 200u);
  expect_totals_add_up(p);
  EXPECT_FALSE(p.reconciled);
  EXPECT_FALSE(p.last_error.empty());
  EXPECT_EQ(nlohmann::json::parse(p.to_json()).at("reconciled"), false);
}

TEST(LoadRunnerTest, UnreachableGatewayCountsEveryEventAsFailed) {
  LoadOptions o;
  o.gateway_url = "http://127.0.0.1:" + std::to_string(closed_port());
  o.rate = 1e6;
  o.count = 300;
  o.batch_size = 100;
  o.request_timeout_seconds = 5;
  LoadProgress p = run_bounded(o);
  EXPECT_FALSE(p.cancelled);
  EXPECT_EQ(p.sent, 300u);
  EXPECT_EQ(p.requests, 3u);
  EXPECT_EQ(p.failed, 300u);
  expect_totals_add_up(p);
  EXPECT_THAT(p.last_error, HasSubstr("unreachable"));
}

TEST(LoadRunnerTest, RateLimitsHowFastEventsAreSent) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.rate = 2000;
  o.count = 1000;
  o.batch_size = 100;
  auto start = Clock::now();
  LoadProgress p = run_bounded(o);
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(p.sent, 1000u);
  EXPECT_FALSE(p.cancelled);
  // 1000 events at 2000/s cannot take less than half a second. Lower bounds only: a loaded
  // machine may take longer.
  EXPECT_GE(wall, 0.45);
  EXPECT_GE(p.elapsed_seconds, 0.45);
  EXPECT_LE(p.rate(), 2000 * 1.1);
}

TEST(LoadRunnerTest, DurationBoundStopsTheRun) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.rate = 1000;
  o.duration_seconds = 0.5;
  o.count = 0;
  o.batch_size = 100;
  LoadProgress p = run_bounded(o);
  EXPECT_TRUE(p.done);
  EXPECT_FALSE(p.cancelled) << "stopped by the watchdog, not by the duration";
  EXPECT_GT(p.sent, 0u);
  // A batch starts only while the run is on schedule and inside the duration.
  EXPECT_LE(p.sent, 600u);
  EXPECT_GE(p.elapsed_seconds, 0.5);
  expect_totals_add_up(p);
  EXPECT_EQ(gateway.received(), p.sent);
}

TEST(LoadRunnerTest, CancelStopsEarly) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.rate = 200;
  o.duration_seconds = 20;
  o.batch_size = 20;
  std::atomic<bool> cancel{false};
  std::thread canceller([&cancel] {
    std::this_thread::sleep_for(300ms);
    cancel = true;
  });
  LoadProgress p = run_load(
      o, [](const LoadProgress&) {}, &cancel);
  canceller.join();
  EXPECT_TRUE(p.cancelled);
  EXPECT_TRUE(p.done);
  EXPECT_LT(p.sent, 4000u);  // what 20 s at 200/s would have sent
  expect_totals_add_up(p);
}

TEST(LoadRunnerTest, AlreadyCancelledRunSendsNothing) {
  FakeGateway gateway;
  LoadOptions o = options_for(gateway);
  o.count = 100;
  std::atomic<bool> cancel{true};
  LoadProgress p = run_load(
      o, [](const LoadProgress&) {}, &cancel);
  EXPECT_TRUE(p.cancelled);
  EXPECT_TRUE(p.done);
  EXPECT_EQ(p.sent, 0u);
  EXPECT_EQ(p.requests, 0u);
  EXPECT_EQ(gateway.requests(), 0u);
}

TEST(LoadRunnerTest, ValidateRejectsBadOptions) {
  LoadOptions ok;
  ok.count = 10;
  EXPECT_NO_THROW(validate(ok));
  LoadOptions by_duration;
  by_duration.duration_seconds = 1;
  EXPECT_NO_THROW(validate(by_duration));

  auto expect_invalid = [](LoadOptions o, const std::string& what) {
    EXPECT_THROW(validate(o), std::invalid_argument) << what;
    EXPECT_THROW(run_load(o, [](const LoadProgress&) {}), std::invalid_argument) << what;
  };
  LoadOptions o = ok;
  o.count = 0;
  o.duration_seconds = 0;
  expect_invalid(o, "unbounded");
  o = ok;
  o.rate = 0;
  expect_invalid(o, "rate 0");
  o = ok;
  o.rate = -5;
  expect_invalid(o, "negative rate");
  o = ok;
  o.batch_size = 0;
  expect_invalid(o, "batch 0");
  o = ok;
  o.batch_size = 5001;
  expect_invalid(o, "batch 5001");
  o = ok;
  o.gateway_url = "ftp://127.0.0.1:8080";
  expect_invalid(o, "ftp url");
  o = ok;
  o.gateway_url = "127.0.0.1:8080";
  expect_invalid(o, "url without scheme");
  for (const char* list :
       {"http://127.0.0.1:1,", ",http://127.0.0.1:1", "http://127.0.0.1:1,,http://127.0.0.1:2",
        "http://127.0.0.1:1,127.0.0.1:2", ""}) {
    o = ok;
    o.gateway_url = list;
    expect_invalid(o, std::string("gateway list '") + list + "'");
  }
  o = ok;
  o.event_type = "orders";
  expect_invalid(o, "unknown type");
  o = ok;
  o.duration_seconds = -1;
  expect_invalid(o, "negative duration");
  o = ok;
  o.duration_seconds = kMaxLoadSeconds + 1;
  expect_invalid(o, "longer than a day");
  o = ok;
  o.count = kMaxLoadCount + 1;
  expect_invalid(o, "more than the largest count");
}

TEST(LoadRunnerTest, CanonicalEventTypes) {
  EXPECT_EQ(canonical_event_type("transactions"), "commerce.transaction");
  EXPECT_EQ(canonical_event_type("commerce.transaction"), "commerce.transaction");
  EXPECT_EQ(canonical_event_type("interactions"), "user.interaction");
  EXPECT_EQ(canonical_event_type("user.interaction"), "user.interaction");
  EXPECT_THROW(canonical_event_type("orders"), std::invalid_argument);
  EXPECT_THROW(canonical_event_type(""), std::invalid_argument);
  EXPECT_THROW(canonical_event_type("Transactions"), std::invalid_argument);
}

/// Polls a job until it is done or `limit` passes; returns its last status.
nlohmann::json wait_until_done(const LoadJobs& jobs, const std::string& id,
                               std::chrono::seconds limit = 30s) {
  const auto deadline = Clock::now() + limit;
  nlohmann::json status;
  do {
    auto text = jobs.status(id);
    if (!text) return nullptr;
    status = nlohmann::json::parse(*text);
    if (status.value("done", false)) break;
    std::this_thread::sleep_for(20ms);
  } while (Clock::now() < deadline);
  return status;
}

LoadOptions long_run(const FakeGateway& gateway) {
  LoadOptions o = options_for(gateway);
  o.rate = 50;
  o.duration_seconds = 30;
  o.batch_size = 5;
  return o;
}

TEST(LoadJobsTest, AJobRunsToCompletion) {
  FakeGateway gateway;
  LoadJobs jobs;
  LoadOptions o = options_for(gateway);
  o.count = 1000;
  o.batch_size = 100;
  std::string id = jobs.start(o);
  EXPECT_FALSE(id.empty());
  auto status = wait_until_done(jobs, id);
  ASSERT_TRUE(status.is_object());
  ASSERT_TRUE(status.value("done", false)) << status.dump();
  EXPECT_EQ(status.at("sent"), 1000);
  EXPECT_EQ(status.at("failed"), 0);
  EXPECT_EQ(status.at("accepted").get<uint64_t>() + status.at("rejected").get<uint64_t>(), 1000u);
  EXPECT_EQ(status.at("rejected").get<uint64_t>(), gateway.rejected());
  EXPECT_EQ(status.at("requests"), 10);
  EXPECT_EQ(status.at("reconciled"), true);
  EXPECT_EQ(status.at("cancelled"), false);
}

TEST(LoadJobsTest, JobsStartedOverHttpSendTheConfiguredApiKey) {
  FakeGateway gateway;
  LoadJobs jobs;
  LoadOptions defaults = options_for(gateway);
  defaults.api_key = "key-from-the-environment";
  metrics::Registry registry;
  http::Server eventgen("eventgen", registry);
  const auth::ApiKeys open;  // no operator keys: outlives the server, as the routes require
  register_load_routes(eventgen, jobs, defaults, open);
  httplib::Client client("127.0.0.1", eventgen.start("127.0.0.1", 0));
  auto res =
      client.Post("/v1/load", R"({"event_type":"interactions","count":300,"batch_size":100})",
                  "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  EXPECT_THAT(res->body, Not(HasSubstr("key-from")));
  auto status =
      wait_until_done(jobs, nlohmann::json::parse(res->body).at("job_id").get<std::string>());
  ASSERT_TRUE(status.value("done", false)) << status.dump();
  EXPECT_EQ(status.at("sent"), 300);
  EXPECT_THAT(status.dump(), Not(HasSubstr("key-from")));
  EXPECT_EQ(gateway.requests(), 3u);
  EXPECT_EQ(gateway.api_keys(), std::set<std::string>{"key-from-the-environment"});
  eventgen.stop();
}

TEST(LoadJobsTest, CancelStopsAJob) {
  FakeGateway gateway;
  LoadJobs jobs;
  std::string id = jobs.start(long_run(gateway));
  EXPECT_TRUE(jobs.cancel(id));
  auto status = wait_until_done(jobs, id);
  ASSERT_TRUE(status.is_object());
  ASSERT_TRUE(status.value("done", false)) << status.dump();
  EXPECT_EQ(status.at("cancelled"), true);
  EXPECT_LT(status.at("sent").get<uint64_t>(), 1500u);  // 30 s at 50/s
  EXPECT_EQ(status.at("reconciled"), true);
}

TEST(LoadJobsTest, UnknownIdsAreReported) {
  LoadJobs jobs;
  EXPECT_EQ(jobs.status("no-such-job"), std::nullopt);
  EXPECT_FALSE(jobs.cancel("no-such-job"));
}

TEST(LoadJobsTest, BadOptionsAreRefusedAtStart) {
  LoadJobs jobs;
  LoadOptions unbounded;
  EXPECT_THROW(jobs.start(unbounded), std::invalid_argument);
}

TEST(LoadJobsTest, NoMoreThanMaxRunningJobsAtOnce) {
  FakeGateway gateway;
  LoadJobs jobs(2);
  std::string a = jobs.start(long_run(gateway));
  std::string b = jobs.start(long_run(gateway));
  EXPECT_NE(a, b);
  try {
    jobs.start(long_run(gateway));
    ADD_FAILURE() << "a third job started";
  } catch (const errors::ClientError& e) {
    EXPECT_EQ(e.code(), "too_many_jobs");
    EXPECT_EQ(e.status(), 429);
    EXPECT_EQ(e.retry_after_seconds(), 10);
  }

  // A finished job frees its slot.
  ASSERT_TRUE(jobs.cancel(a));
  ASSERT_TRUE(wait_until_done(jobs, a).value("done", false));
  LoadOptions short_run = options_for(gateway);
  short_run.count = 10;
  std::string c;
  EXPECT_NO_THROW(c = jobs.start(short_run));
  EXPECT_FALSE(c.empty());
  EXPECT_TRUE(jobs.cancel(b));
  // The destructor cancels and joins whatever is still running.
}

}  // namespace
}  // namespace analytics::eventgen
