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

/// A value PostgreSQL refuses (SQLSTATE class 22, data exception; 23, integrity constraint,
/// except unique violations, which mean the offsets and the rows disagree): retrying the same
/// rows can never succeed, so the offending record must be found and quarantined.
bool is_data_error(const pg::DbError& e) {
  const std::string& s = e.sqlstate();
  return !e.retryable() && s.size() == 5 &&
         (s.rfind("22", 0) == 0 || (s.rfind("23", 0) == 0 && s != "23505"));
}

}  // namespace

TransformerApp::TransformerApp(TransformerConfig config, contracts::TopicCatalog catalog,
                               metrics::Registry& registry)
    : config_(std::move(config)),
      catalog_(std::move(catalog)),
      probe_(registry, catalog_),
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
  callbacks.on_error = [this](const std::string& e) { set_problem(e); };
  consumer_ = std::make_unique<kafka::Consumer>(
      kafka::Properties{{"bootstrap.servers", config_.kafka_brokers},
                        {"group.id", config_.consumer_group},
                        // Never jump silently: an out-of-range position is an operator's call.
                        {"auto.offset.reset", "error"},
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
  if (!refused_.empty()) return refused_;
  return problem_;
}

void TransformerApp::set_problem(const std::string& problem) {
  std::lock_guard lock(problem_mu_);
  problem_ = problem;
}

void TransformerApp::run() {
  while (!stop_) {
    try {
      if (needs_resync_) resync_positions();
      auto messages = consumer_->poll_batch(config_.batch_max_events, config_.batch_max_wait_ms);
      probe_.polled.Increment(static_cast<double>(messages.size()));
      report_lag();
      // While positions are stale, drop what was fetched: the reassignment re-fetches it.
      if (needs_resync_ || messages.empty()) continue;
      auto selected = positions_.select(messages);
      if (selected.empty()) continue;
      auto records = map_records(selected, time::now_micros());
      commit_range(records, 0, records.size());
    } catch (const kafka::FatalKafkaError& e) {
      spdlog::critical("consumer failed fatally, exiting loop error={}", e.what());
      set_problem(e.what());
      fatal_ = true;
      return;
    } catch (const kafka::KafkaError& e) {
      spdlog::error("consumer error error={}", e.what());
      set_problem(e.what());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    } catch (const std::exception& e) {
      // Nothing was committed for what is in hand; re-read positions and carry on.
      spdlog::error("unexpected error in consume loop error={}", e.what());
      set_problem(e.what());
      needs_resync_ = true;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

std::map<PartitionId, int64_t> TransformerApp::load_offsets_with_retry() {
  for (int attempt = 0;; ++attempt) {
    try {
      auto stored = writer_.load_offsets();
      set_problem("");
      return stored;
    } catch (const pg::DbError& e) {
      set_problem(std::string("cannot read stored offsets: ") + e.what());
      spdlog::warn("loading offsets failed attempt={} error={}", attempt, e.what());
      writer_.reset();
      if (stop_) throw;
      sleep_backoff(attempt);
    }
  }
}

void TransformerApp::on_assign(std::vector<kafka::TopicPartition>& partitions) {
  // Positions come from PostgreSQL, where they were written with the data. Without them we
  // cannot consume correctly, so keep trying (this runs inside poll, on the loop thread).
  auto stored = load_offsets_with_retry();
  std::string refused;
  for (auto& p : partitions) {
    auto it = stored.find({p.topic, p.partition});
    int64_t at = it == stored.end() ? -1 : it->second;
    auto wm = at < 0 ? std::nullopt : consumer_->watermarks(p.topic, p.partition, 5000);
    StartDecision d = decide_start(at, wm);
    if (d.kind == StartDecision::Kind::kGap) {
      int64_t lost = wm->first - at;
      spdlog::error(
          "Kafka deleted records before the warehouse read them topic={} partition={} "
          "from={} to={} records={}",
          p.topic, p.partition, at, wm->first, lost);
      probe_.lost_in_kafka.Increment(static_cast<double>(lost));
    } else if (d.kind == StartDecision::Kind::kAhead) {
      // The log restarted below what the warehouse has (topic recreated, broker data lost).
      // Reading it would either skip or mislabel events: refuse, loudly.
      refused += p.topic + "/" + std::to_string(p.partition) + " ";
      spdlog::error(
          "warehouse is ahead of the Kafka log, not consuming topic={} partition={} "
          "stored={} log_end={}",
          p.topic, p.partition, at, wm->second);
    }
    p.offset = d.fetch_from;
    positions_.assign({p.topic, p.partition}, d.position);
  }
  {
    std::lock_guard lock(problem_mu_);
    refused_ = refused.empty() ? ""
                               : "warehouse is ahead of the Kafka log (topic recreated or broker "
                                 "data lost) for: " +
                                     refused;
  }
  needs_resync_ = false;  // the assignment just set every position from PostgreSQL
  probe_.assigned_partitions.Set(static_cast<double>(positions_.size()));
}

void TransformerApp::on_revoke(const std::vector<kafka::TopicPartition>& partitions) {
  // Batches are committed synchronously before the next poll, so nothing is in flight here;
  // records of these partitions already fetched are dropped by PartitionPositions::select().
  for (const auto& p : partitions) positions_.revoke({p.topic, p.partition});
  probe_.assigned_partitions.Set(static_cast<double>(positions_.size()));
}

std::vector<BatchRecord> TransformerApp::map_records(
    const std::vector<const kafka::Message*>& selected, time::UnixMicros ingested_at) {
  std::vector<BatchRecord> records;
  records.reserve(selected.size());
  for (const auto* m : selected) {
    BatchRecord rec{m, event_type_by_topic_[m->topic], std::nullopt};
    if (rec.event_type == "commerce.transaction") {
      rec.order = map_transaction(m->payload, pii_, ingested_at, config_.late_after_seconds);
    }
    records.push_back(std::move(rec));
  }
  return records;
}

TransformerApp::CommitOutcome TransformerApp::commit_range(std::vector<BatchRecord>& records,
                                                           size_t begin, size_t end) {
  Batch batch;
  batch.batch_id = ids::random_uuid();
  batch.started_at = time::now_micros();
  batch.records.assign(records.begin() + static_cast<std::ptrdiff_t>(begin),
                       records.begin() + static_cast<std::ptrdiff_t>(end));
  std::vector<const kafka::Message*> messages;
  for (const auto& r : batch.records) messages.push_back(r.message);
  batch.advances = positions_.advances(messages);
  try {
    return commit_with_retry(batch);
  } catch (const pg::DbError& e) {
    // A prefix of a partition's records is still contiguous, so halves can be committed in
    // order with their own offsets. Narrow down to the record PostgreSQL refuses.
    if (end - begin > 1) {
      size_t mid = begin + (end - begin) / 2;
      spdlog::warn("batch refused by the warehouse, splitting records={} error={}", end - begin,
                   e.what());
      CommitOutcome first = commit_range(records, begin, mid);
      if (first != CommitOutcome::kCommitted) return first;
      return commit_range(records, mid, end);
    }
    BatchRecord& rec = records[begin];
    if (rec.order && !std::holds_alternative<Quarantined>(*rec.order)) {
      spdlog::error(
          "record refused by the warehouse, quarantining topic={} partition={} "
          "offset={} error={}",
          rec.message->topic, rec.message->partition, rec.message->offset, e.what());
      rec.order = Quarantined{QuarantineReason::kWarehouseRejected,
                              "[" + e.sqlstate() + "] " + std::string(e.what()).substr(0, 500)};
      return commit_range(records, begin, end);
    }
    // Even bronze refused it: a defect to fix, not data to drop. Keep trying, loudly.
    spdlog::critical(
        "record cannot be stored even in bronze topic={} partition={} offset={} "
        "error={}",
        rec.message->topic, rec.message->partition, rec.message->offset, e.what());
    set_problem(std::string("record cannot be stored: ") + e.what());
    for (int attempt = 0; !stop_; ++attempt) {
      sleep_backoff(attempt);
      try {
        return commit_with_retry(batch);
      } catch (const pg::DbError&) {
      }
    }
    return CommitOutcome::kStopped;
  }
}

TransformerApp::CommitOutcome TransformerApp::commit_with_retry(Batch& batch) {
  for (int attempt = 0;; ++attempt) {
    auto started = std::chrono::steady_clock::now();
    try {
      BatchStats stats = writer_.commit(batch);
      positions_.committed(batch.advances);
      probe_.batches_committed.Increment();
      probe_.batch_duration.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      probe_.bronze_rows.Increment(static_cast<double>(stats.bronze_rows));
      probe_.silver_rows.Increment(static_cast<double>(stats.silver_rows));
      probe_.quarantine_rows.Increment(static_cast<double>(stats.quarantined_rows));
      probe_.dlq_rows.Increment(static_cast<double>(stats.dlq_rows));
      probe_.last_commit.Set(static_cast<double>(time::now_micros()) / 1e6);
      set_problem("");
      spdlog::info("batch committed batch_id={} bronze={} silver={} quarantined={} dlq={}",
                   batch.batch_id, stats.bronze_rows, stats.silver_rows, stats.quarantined_rows,
                   stats.dlq_rows);
      return CommitOutcome::kCommitted;
    } catch (const OffsetFenceError& e) {
      probe_.batches_fenced.Increment();
      spdlog::warn("batch fenced batch_id={} error={}", batch.batch_id, e.what());
      needs_resync_ = true;
      return CommitOutcome::kFenced;
    } catch (const pg::DbError& e) {
      probe_.batches_failed.Increment();
      writer_.reset();
      if (is_data_error(e)) throw;  // the caller isolates the record
      if (e.sqlstate() == "23505") {
        // Rows already present for offsets we think are new: our positions are wrong.
        spdlog::error("rows already in the warehouse, re-reading positions batch_id={} error={}",
                      batch.batch_id, e.what());
        needs_resync_ = true;
        return CommitOutcome::kFenced;
      }
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
      if (stop_) return CommitOutcome::kStopped;
      sleep_backoff(attempt);
    }
  }
}

void TransformerApp::report_lag() {
  // Records in Kafka not yet in the warehouse, per topic, from cached watermarks (no network).
  auto now = std::chrono::steady_clock::now();
  if (now - last_lag_report_ < std::chrono::seconds(1)) return;
  last_lag_report_ = now;
  std::map<std::string, int64_t> lag;
  for (const auto& t : catalog_.topics()) lag[t.name] = 0;
  for (const auto& [id, pos] : positions_.all()) {
    auto high = consumer_->cached_high_watermark(id.first, id.second);
    int64_t done = std::max<int64_t>(pos.accept_from, 0);
    if (high && *high > done) lag[id.first] += *high - done;
  }
  for (const auto& [topic, records] : lag) {
    auto gauge = probe_.lag_by_topic.find(topic);
    if (gauge != probe_.lag_by_topic.end()) gauge->second->Set(static_cast<double>(records));
  }
}

void TransformerApp::resync_positions() {
  // Re-read every owned partition's position and reassign them all at once, so fetch
  // positions and bookkeeping agree again (seek is not valid in every partition state).
  auto stored = load_offsets_with_retry();
  std::vector<kafka::TopicPartition> assignment;
  PartitionPositions fresh;
  for (const auto& [id, old] : positions_.all()) {
    auto it = stored.find(id);
    StartDecision d = decide_start(it == stored.end() ? -1 : it->second, std::nullopt);
    assignment.push_back({id.first, id.second, d.fetch_from});
    fresh.assign(id, d.position);
  }
  consumer_->assign(assignment);  // throws: needs_resync_ stays set and the loop retries
  positions_ = std::move(fresh);
  needs_resync_ = false;
  spdlog::info("positions re-read from the warehouse partitions={}", assignment.size());
}

}  // namespace analytics::transformer
