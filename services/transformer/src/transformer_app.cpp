#include "transformer_app.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/config/build_info.hpp"
#include "common/ids/uuid.hpp"
#include "common/kafka/kafka_error.hpp"
#include "common/pg/db_error.hpp"

namespace analytics::transformer {
namespace {

/// 100 ms doubling to 5 s: quick recovery from a blip, no hammering during an outage.
void sleep_backoff(int attempt) {
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::min(5000, 100 << std::min(attempt, 6))));
}

}  // namespace

TransformerApp::TransformerApp(TransformerConfig config, contracts::TopicCatalog catalog,
                               metrics::Registry& registry)
    : config_(std::move(config)),
      catalog_(std::move(catalog)),
      registry_(registry),
      pii_(config_.pii_hmac_key),
      writer_(config_.database_url, config_.consumer_group, config::pipeline_version()) {
  for (const auto& t : catalog_.topics()) event_type_by_topic_[t.name] = t.event_type;
}

TransformerApp::~TransformerApp() { stop(); }

void TransformerApp::start() {
  // Probe the warehouse before the loop thread owns the writer, so /readyz is truthful at once.
  try {
    writer_.load_offsets();
    set_problem("");
  } catch (const pg::DbError& e) {
    set_problem(std::string("database: ") + e.what());
    writer_.reset();
  }
  std::vector<std::string> topics;
  for (const auto& t : catalog_.topics()) topics.push_back(t.name);
  kafka::Consumer::Callbacks callbacks;
  callbacks.on_assign = [this](std::vector<kafka::TopicPartition>& p) { on_assign(p); };
  callbacks.on_revoke = [this](const std::vector<kafka::TopicPartition>& p) { on_revoke(p); };
  consumer_ = std::make_unique<kafka::Consumer>(
      kafka::Properties{{"bootstrap.servers", config_.kafka_brokers},
                        {"group.id", config_.consumer_group},
                        {"auto.offset.reset", "earliest"},
                        {"session.timeout.ms", std::to_string(config_.session_timeout_ms)}},
      topics, std::move(callbacks));
  thread_ = std::thread([this] { run(); });
}

void TransformerApp::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) {
    consumer_->close();
    consumer_.reset();
  }
}

std::string TransformerApp::readiness() const {
  // Owning no partition is fine: a group may have more members than partitions.
  std::lock_guard lock(problem_mu_);
  return problem_;
}

void TransformerApp::set_problem(const std::string& problem) {
  std::lock_guard lock(problem_mu_);
  problem_ = problem;
}

void TransformerApp::run() {
  auto& polled = registry_.counter("transformer_records_polled_total", "Records read from Kafka");
  while (!stop_) {
    std::vector<kafka::Message> messages;
    try {
      messages = consumer_->poll_batch(config_.batch_max_events, config_.batch_max_wait_ms);
    } catch (const kafka::KafkaError& e) {
      spdlog::error("consumer failed error={}", e.what());
      set_problem(e.what());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    polled.inc(messages.size());
    Batch batch = build_batch(messages);
    if (!batch.records.empty()) commit_with_retry(batch);
  }
}

void TransformerApp::on_assign(std::vector<kafka::TopicPartition>& partitions) {
  // Positions come from PostgreSQL, where they were written with the data. Without them we
  // cannot consume correctly, so keep trying (this runs inside poll, on the loop thread).
  std::map<PartitionId, int64_t> stored;
  for (int attempt = 0;; ++attempt) {
    try {
      stored = writer_.load_offsets();
      set_problem("");
      break;
    } catch (const pg::DbError& e) {
      set_problem(std::string("cannot read stored offsets: ") + e.what());
      spdlog::warn("loading offsets failed attempt={} error={}", attempt, e.what());
      writer_.reset();
      if (stop_) break;
      sleep_backoff(attempt);
    }
  }
  for (auto& p : partitions) {
    auto it = stored.find({p.topic, p.partition});
    int64_t next = it == stored.end() ? -1 : it->second;
    p.offset = next < 0 ? kafka::TopicPartition::kOffsetBeginning : next;
    positions_[{p.topic, p.partition}] = next;
  }
  registry_.gauge("transformer_assigned_partitions", "Partitions owned by this instance")
      .set(static_cast<double>(positions_.size()));
}

void TransformerApp::on_revoke(const std::vector<kafka::TopicPartition>& partitions) {
  // Batches are committed synchronously before the next poll, so nothing is in flight here;
  // records of these partitions already fetched are dropped by build_batch().
  for (const auto& p : partitions) positions_.erase({p.topic, p.partition});
  registry_.gauge("transformer_assigned_partitions", "Partitions owned by this instance")
      .set(static_cast<double>(positions_.size()));
}

Batch TransformerApp::build_batch(const std::vector<kafka::Message>& messages) {
  Batch batch;
  batch.batch_id = ids::random_uuid();
  batch.started_at = time::now_micros();
  for (const auto& m : messages) {
    auto pos = positions_.find({m.topic, m.partition});
    if (pos == positions_.end()) continue;                     // partition no longer ours
    if (pos->second >= 0 && m.offset < pos->second) continue;  // already in the warehouse
    auto [adv, inserted] = batch.advances.try_emplace(pos->first);
    if (inserted) adv->second.expected_next = pos->second;
    adv->second.new_next = std::max(adv->second.new_next, m.offset + 1);

    BatchRecord rec{&m, event_type_by_topic_[m.topic], std::nullopt};
    if (rec.event_type == "commerce.transaction") {
      rec.order = map_transaction(m.payload, pii_, batch.started_at, config_.late_after_seconds);
    }
    batch.records.push_back(std::move(rec));
  }
  return batch;
}

void TransformerApp::commit_with_retry(Batch& batch) {
  auto& batches = registry_.counter("transformer_batches_total", "Committed batches",
                                    {{"result", "committed"}});
  auto& failures =
      registry_.counter("transformer_batches_total", "Committed batches", {{"result", "failed"}});
  auto& duration = registry_.histogram("transformer_batch_duration_seconds",
                                       "Time to write one batch with its offsets");
  for (int attempt = 0;; ++attempt) {
    auto started = std::chrono::steady_clock::now();
    try {
      BatchStats stats = writer_.commit(batch);
      for (const auto& [p, adv] : batch.advances) positions_[p] = adv.new_next;
      batches.inc();
      duration.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      for (auto [layer, n] :
           {std::pair{"bronze", stats.bronze_rows}, std::pair{"silver", stats.silver_rows},
            std::pair{"quarantine", stats.quarantined_rows}, std::pair{"dlq", stats.dlq_rows}}) {
        registry_
            .counter("transformer_rows_total", "Rows written per warehouse layer",
                     {{"layer", layer}})
            .inc(n);
      }
      registry_.gauge("transformer_last_commit_timestamp_seconds", "Unix time of last commit")
          .set(static_cast<double>(time::now_micros()) / 1e6);
      set_problem("");
      spdlog::info("batch committed batch_id={} bronze={} silver={} quarantined={} dlq={}",
                   batch.batch_id, stats.bronze_rows, stats.silver_rows, stats.quarantined_rows,
                   stats.dlq_rows);
      return;
    } catch (const OffsetFenceError& e) {
      registry_.counter("transformer_batches_total", "Committed batches", {{"result", "fenced"}})
          .inc();
      spdlog::warn("batch fenced batch_id={} error={}", batch.batch_id, e.what());
      resync_positions();
      return;
    } catch (const pg::DbError& e) {
      failures.inc();
      set_problem(std::string("database: ") + e.what());
      // Never skip a batch: that would lose events. Retry until it commits or we stop; when we
      // stop, the offsets were not stored, so the next owner re-reads these records.
      if (e.retryable()) {
        spdlog::warn("batch failed, retrying batch_id={} attempt={} error={}", batch.batch_id,
                     attempt, e.what());
      } else {
        spdlog::error("batch failed (not retryable), retrying batch_id={} attempt={} error={}",
                      batch.batch_id, attempt, e.what());
      }
      writer_.reset();
      if (stop_) return;
      sleep_backoff(attempt);
    }
  }
}

void TransformerApp::resync_positions() {
  try {
    auto stored = writer_.load_offsets();
    for (auto& [p, next] : positions_) {
      auto it = stored.find(p);
      next = it == stored.end() ? -1 : it->second;
      consumer_->seek(p.first, p.second, next < 0 ? kafka::TopicPartition::kOffsetBeginning : next);
    }
  } catch (const std::exception& e) {
    spdlog::error("resync failed error={}", e.what());
    writer_.reset();
  }
}

}  // namespace analytics::transformer
