#include "transformer_probe.hpp"

namespace analytics::transformer {
namespace {

metrics::Counter& batches(metrics::Registry& r, const char* result) {
  return r.counter("transformer_batches_total", "Committed batches", {{"result", result}});
}

metrics::Counter& rows(metrics::Registry& r, const char* layer) {
  return r.counter("transformer_rows_total", "Rows written per warehouse layer",
                   {{"layer", layer}});
}

}  // namespace

TransformerProbe::TransformerProbe(metrics::Registry& r, const contracts::TopicCatalog& catalog)
    : polled(r.counter("transformer_records_polled_total", "Records read from Kafka")),
      lost_in_kafka(r.counter("transformer_records_lost_in_kafka_total",
                              "Records Kafka deleted (retention) before they were read")),
      assigned_partitions(
          r.gauge("transformer_assigned_partitions", "Partitions owned by this instance")),
      batches_committed(batches(r, "committed")),
      batches_failed(batches(r, "failed")),
      batches_fenced(batches(r, "fenced")),
      batch_duration(r.histogram("transformer_batch_duration_seconds",
                                 "Time to write one batch with its offsets")),
      bronze_rows(rows(r, "bronze")),
      silver_rows(rows(r, "silver")),
      quarantine_rows(rows(r, "quarantine")),
      dlq_rows(rows(r, "dlq")),
      last_commit(
          r.gauge("transformer_last_commit_timestamp_seconds", "Unix time of last commit")),
      freshness(r.histogram("transformer_freshness_seconds",
                            "Time from the gateway's acknowledgement of an order or interaction "
                            "(received_at) to its commit in silver and gold",
                            {}, {0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300})) {
  for (const auto& t : catalog.topics()) {
    lag_by_topic[t.name] =
        &r.gauge("transformer_consumer_lag_records",
                 "Records in Kafka not yet in the warehouse for this consumer group, over every "
                 "partition of the topic (the same on every instance: use max())",
                 {{"topic", t.name}});
  }
}

}  // namespace analytics::transformer
