#pragma once

#include <map>
#include <string>

#include "common/contracts/topic_catalog.hpp"
#include "common/metrics/metrics.hpp"

namespace analytics::transformer {

/// The transformer's metric handles, resolved once at construction (updating one takes no
/// lock): records polled and lost, partitions owned, batches by result and their duration,
/// rows per layer, the last commit time and the consumer lag per catalogue topic.
struct TransformerProbe {
  TransformerProbe(metrics::Registry& registry, const contracts::TopicCatalog& catalog);

  metrics::Counter& polled;
  metrics::Counter& lost_in_kafka;
  metrics::Gauge& assigned_partitions;
  metrics::Counter& batches_committed;
  metrics::Counter& batches_failed;
  metrics::Counter& batches_fenced;
  metrics::Histogram& batch_duration;
  metrics::Counter& bronze_rows;
  metrics::Counter& silver_rows;
  metrics::Counter& quarantine_rows;
  metrics::Counter& dlq_rows;
  metrics::Gauge& last_commit;
  /// From the gateway's acknowledgement (`received_at`) to the row being visible in silver/gold.
  metrics::Histogram& freshness;
  std::map<std::string, metrics::Gauge*> lag_by_topic;
};

}  // namespace analytics::transformer
