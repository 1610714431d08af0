#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/contracts/topic_catalog.hpp"
#include "common/kafka/consumer.hpp"
#include "common/metrics/metrics.hpp"
#include "pii.hpp"
#include "warehouse_writer.hpp"

namespace analytics::transformer {

struct TransformerConfig {
  std::string kafka_brokers;
  std::string consumer_group = "transformer";
  std::string database_url;
  std::string pii_hmac_key;
  size_t batch_max_events = 5000;
  int batch_max_wait_ms = 500;
  int64_t late_after_seconds = 86400;
  /// How long the group waits for a silent member before moving its partitions.
  int session_timeout_ms = 45000;
};

/// The consume -> transform -> commit loop. Runs on its own thread; each batch of records is
/// written with its offsets in one PostgreSQL transaction (see WarehouseWriter), positions are
/// taken from PostgreSQL on every assignment, and a failed commit is retried with backoff, never
/// skipped. start()/stop() from one controlling thread; readiness() from any thread.
class TransformerApp {
 public:
  TransformerApp(TransformerConfig config, contracts::TopicCatalog catalog,
                 metrics::Registry& registry);
  ~TransformerApp();

  void start();
  /// Finishes the batch in hand (commit or give up), leaves the group, joins the thread.
  void stop();
  /// Empty when the last database operation succeeded, else what failed.
  std::string readiness() const;

 private:
  void run();
  void on_assign(std::vector<kafka::TopicPartition>& partitions);
  void on_revoke(const std::vector<kafka::TopicPartition>& partitions);
  Batch build_batch(const std::vector<kafka::Message>& messages);
  void commit_with_retry(Batch& batch);
  void resync_positions();
  void set_problem(const std::string& problem);

  TransformerConfig config_;
  contracts::TopicCatalog catalog_;
  metrics::Registry& registry_;
  PiiProtector pii_;
  WarehouseWriter writer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::map<PartitionId, int64_t> positions_;  // owned partitions: stored next offset or -1
  std::map<std::string, std::string> event_type_by_topic_;

  std::atomic<bool> stop_{false};
  mutable std::mutex problem_mu_;
  std::string problem_ = "starting";
  std::thread thread_;
};

}  // namespace analytics::transformer
