#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/contracts/topic_catalog.hpp"
#include "common/kafka/consumer.hpp"
#include "commit_policy.hpp"
#include "commit_worker.hpp"
#include "common/metrics/metrics.hpp"
#include "common/pg/session.hpp"
#include "partition_positions.hpp"
#include "pii.hpp"
#include "transformer_probe.hpp"
#include "warehouse_writer.hpp"

namespace analytics::transformer {

struct TransformerConfig {
  std::string kafka_brokers;
  std::string consumer_group = "transformer";
  std::string database_url;
  std::string pii_hmac_key;
  int pii_key_version = 1;  // stored beside every digest: which key made it
  size_t batch_max_events = 5000;
  int batch_max_wait_ms = 200;  // bounds freshness when traffic is light
  EventTimeRules event_time;  // plausible event times, and when one is late
  /// Whether each batch's COMMIT waits for its WAL flush; off is safe (docs/architecture.md).
  bool synchronous_commit = false;
  /// Operator's librdkafka consumer properties (KAFKA_CONSUMER_CONFIG, group.instance.id); they
  /// override the app's tuning, not the settings it owns (brokers, group, offsets, session).
  kafka::Properties consumer_properties;
  /// How long the group waits for a silent member before moving its partitions.
  int session_timeout_ms = 10000;
  /// Longest time between two polls before the member leaves the group (librdkafka's
  /// max.poll.interval.ms). The loop polls between batches, so it must exceed the longest
  /// batch commit, including the commit of the batch before it.
  int max_poll_interval_ms = 300000;
};

/// The consume -> transform -> commit loop. Each batch of records is written with its offsets
/// in one PostgreSQL transaction (WarehouseWriter), under CommitPolicy (retry, fence, isolate a
/// refused record). Two stages overlap: while batch N commits on a second thread, the loop
/// polls and maps batch N+1, then waits for N before handing N+1 over — still one transaction
/// per batch, committed in order. Positions are taken from PostgreSQL on every assignment and
/// after every fence; a rebalance waits for the batch in flight first.
/// start()/stop() from one controlling thread; readiness() and fatal() from any thread.
class TransformerApp {
 public:
  TransformerApp(TransformerConfig config, contracts::TopicCatalog catalog,
                 metrics::Registry& registry);
  ~TransformerApp();

  void start();
  /// Finishes the batch in hand (commit or give up), leaves the group, joins the thread.
  void stop();
  /// Empty when every catalogue topic exists, the group has assigned this member its
  /// partitions, the last database operation succeeded and no partition is refused; else why
  /// not.
  std::string readiness() const;
  /// True after an error the process cannot recover from (a fatal consumer error): the loop
  /// has ended and the process should exit so that it is restarted.
  bool fatal() const { return fatal_; }
  /// Records in Kafka not yet in the warehouse, over every topic (refreshed every 2 s).
  int64_t consumer_lag() const;

 private:
  void run();
  void on_assign(std::vector<kafka::TopicPartition>& partitions);
  void on_revoke(const std::vector<kafka::TopicPartition>& partitions);
  std::map<PartitionId, int64_t> load_offsets_with_retry();
  std::vector<BatchRecord> map_records(std::vector<SourceRecord> selected,
                                       time::UnixMicros ingested_at);
  CommitPolicy::Hooks commit_hooks();
  void on_committed(const Batch& batch, const BatchStats& stats, double seconds);
  /// Waits for the batch being committed, if any; a fence there makes positions stale.
  void wait_in_flight();
  void resync_positions();
  void report_lag();
  /// Looks for catalogue topics missing on the cluster (every 30 s; every 2 s while some are).
  void check_topics(bool now);
  void set_problem(const std::string& problem);

  TransformerConfig config_;
  contracts::TopicCatalog catalog_;
  TransformerProbe probe_;
  PiiProtector pii_;
  WarehouseWriter writer_;
  CommitPolicy policy_;
  CommitWorker committer_;  // commits batch N while the loop prepares N+1
  std::unique_ptr<kafka::Consumer> consumer_;
  PartitionPositions positions_;
  std::atomic<bool> needs_resync_{false};  // positions may be stale: reassign from PostgreSQL
  std::chrono::steady_clock::time_point last_lag_report_{};
  std::chrono::steady_clock::time_point last_topic_check_{};
  std::map<std::string, std::string> event_type_by_topic_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> fatal_{false};
  // Whether the group has ever given this member its (maybe empty) share, and since when it has
  // had none (steady-clock ticks; 0 while it has one). A rebalance is short; a group that
  // assigns nothing for longer (a dead member's session not yet expired) is not ready.
  std::atomic<bool> ever_assigned_{false};
  std::atomic<int64_t> unassigned_since_{0};
  std::unique_ptr<pg::Session> lag_session_;  // reads stored offsets for lag; loop thread only
  mutable std::mutex problem_mu_;
  std::string problem_;
  std::string refused_;  // partitions not consumed because the warehouse is ahead of the log
  // Catalogue topics the cluster does not have (readiness), from check_topics().
  std::string missing_topics_;
  std::thread thread_;
};

}  // namespace analytics::transformer
