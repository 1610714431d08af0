// The transformer's /readyz and lag gauge tell the truth while the consumer group has not
// assigned it partitions (at start, in a rebalance, while a dead member's session runs out):
// nothing is consumed then, so it is not ready, and the records waiting count as lag.
#include <chrono>
#include <thread>

#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

TEST_F(PipelineTest, BeforeTheGroupAssignsPartitionsItIsNotReadyAndTheWaitingRecordsAreLag) {
  constexpr int kWaiting = 30;
  // Only this test's transformer is in the group: the fixture's leaves it first.
  transformer_->stop();
  transformer_.reset();
  for (int i = 0; i < kWaiting; ++i) {
    produce_to_partition("events.commerce.transaction", i % 3, "k" + std::to_string(i),
                         R"({"not": "an order"})");
  }
  metrics::Registry registry;
  auto app = make_transformer(registry);
  const std::string lag_of = "transformer_consumer_lag_records{topic=\"" + prefix_ +
                             "events.commerce.transaction\"} ";

  // The dev broker holds a join to a group a member just left for most of a session timeout
  // (docs/architecture.md, "Restart"): long enough to look inside it.
  bool saw_lag_before_assignment = false;
  for (int i = 0; i < 100 && count("bronze.events") == "0"; ++i) {
    std::string readiness = app->readiness();
    if (registry.render().find(lag_of + std::to_string(kWaiting) + "\n") != std::string::npos &&
        count("bronze.events") == "0") {
      EXPECT_EQ(readiness, "waiting for the consumer group to assign partitions");
      saw_lag_before_assignment = true;
      break;
    }
    EXPECT_NE(readiness, "") << "ready before the group assigned anything";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(saw_lag_before_assignment) << registry.render();

  // Once assigned and caught up: ready, and no lag.
  EXPECT_EQ(wait_count("bronze.events", kWaiting), std::to_string(kWaiting));
  for (int i = 0; i < 100 && (app->readiness() != "" ||
                              registry.render().find(lag_of + "0\n") == std::string::npos);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(app->readiness(), "");
  EXPECT_NE(registry.render().find(lag_of + "0\n"), std::string::npos) << registry.render();
  app->stop();
}

}  // namespace
}  // namespace analytics::testing
