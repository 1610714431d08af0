#include "transformer_app.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/config/build_info.hpp"
#include "common/kafka/kafka_error.hpp"
#include "common/kafka/properties.hpp"
#include "common/pg/db_error.hpp"
#include "record_mappers.hpp"

namespace analytics::transformer {
namespace {

/// How long a member may be without partitions (a rebalance) before /readyz says so.
constexpr auto kRebalanceGrace = std::chrono::seconds(5);

int64_t steady_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

}  // namespace

TransformerApp::TransformerApp(TransformerConfig config, contracts::TopicCatalog catalog,
                               metrics::Registry& registry)
    : config_(std::move(config)),
      catalog_(std::move(catalog)),
      probe_(registry, catalog_),
      pii_(config_.pii_hmac_key, config_.pii_key_version),
      writer_(config_.database_url, config_.consumer_group, config::pipeline_version(),
              config_.synchronous_commit),
      policy_(writer_, commit_hooks()) {
  for (const auto& t : catalog_.topics()) event_type_by_topic_[t.name] = t.event_type;
}

TransformerApp::~TransformerApp() { stop(); }

void TransformerApp::start() {
  unassigned_since_ = steady_ticks();
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
  // Tuning first, then the operator's properties, then what the app owns.
  kafka::Properties props = {
      // librdkafka prefetches up to 64 MB by default; a few batches ahead is enough to keep
      // the pipeline fed, and memory stays flat.
      {"queued.max.messages.kbytes", "16384"},
      // How long a fetch may wait for data. With the default (500 ms) the dev broker held
      // records back and freshness at 10k/s was about twice as slow (compare: bench/run.sh
      // transformer with KAFKA_CONSUMER_CONFIG=fetch.wait.max.ms=500). An idle consumer sends a
      // few more empty fetches.
      {"fetch.wait.max.ms", "50"}};
  for (const auto& [key, value] : config_.consumer_properties) props[key] = value;
  props["bootstrap.servers"] = config_.kafka_brokers;
  props["group.id"] = config_.consumer_group;
  // Never jump silently: an out-of-range position is an operator's call.
  props["auto.offset.reset"] = "error";
  props["session.timeout.ms"] = std::to_string(config_.session_timeout_ms);
  props["max.poll.interval.ms"] = std::to_string(config_.max_poll_interval_ms);
  consumer_ = std::make_unique<kafka::Consumer>(props, topics, std::move(callbacks));
  check_topics(true);
  thread_ = std::thread([this] { run(); });
}

CommitPolicy::Hooks TransformerApp::commit_hooks() {
  CommitPolicy::Hooks h;
  h.stopping = [this] { return stop_.load(); };
  h.problem = [this](const std::string& p) { set_problem(p); };
  h.committed = [this](const Batch& b, const BatchStats& s, double seconds) {
    on_committed(b, s, seconds);
  };
  h.failed = [this] { probe_.batches_failed.Increment(); };
  h.fenced = [this] { probe_.batches_fenced.Increment(); };
  return h;
}

void TransformerApp::on_committed(const Batch& batch, const BatchStats& stats, double seconds) {
  auto now = time::now_micros();
  probe_.batches_committed.Increment();
  probe_.batch_duration.Observe(seconds);
  probe_.bronze_rows.Increment(static_cast<double>(stats.bronze_rows));
  probe_.silver_rows.Increment(static_cast<double>(stats.silver_rows));
  probe_.quarantine_rows.Increment(static_cast<double>(stats.quarantined_rows));
  probe_.dlq_rows.Increment(static_cast<double>(stats.dlq_rows));
  probe_.last_commit.Set(static_cast<double>(now) / 1e6);
  for (const auto& rec : batch.records) {
    std::optional<time::UnixMicros> received;
    if (const auto* o = std::get_if<SilverOrder>(&rec.mapped)) received = o->received_at;
    if (const auto* i = std::get_if<SilverInteraction>(&rec.mapped)) received = i->received_at;
    if (received) probe_.freshness.Observe(static_cast<double>(now - *received) / 1e6);
  }
  spdlog::info("batch committed batch_id={} bronze={} silver={} quarantined={} dlq={}",
               batch.batch_id, stats.bronze_rows, stats.silver_rows, stats.quarantined_rows,
               stats.dlq_rows);
}

void TransformerApp::wait_in_flight() {
  if (!committer_.busy()) return;
  CommitPolicy::Outcome outcome;
  try {
    outcome = *committer_.wait();
  } catch (const std::exception& e) {
    // Nothing of that batch is known to be committed; re-read positions and carry on.
    spdlog::error("committing a batch failed unexpectedly error={}", e.what());
    set_problem(e.what());
    outcome = CommitPolicy::Outcome::kFenced;
  }
  if (outcome != CommitPolicy::Outcome::kCommitted) needs_resync_ = true;
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
  std::lock_guard lock(problem_mu_);
  if (!missing_topics_.empty()) return missing_topics_;
  if (!refused_.empty()) return refused_;
  if (!problem_.empty()) return problem_;
  // Until the group assigns partitions nothing is consumed, whatever the lag gauge says. An
  // assignment with no partitions is fine: a group may have more members than partitions.
  if (!ever_assigned_) return "waiting for the consumer group to assign partitions";
  if (int64_t since = unassigned_since_; since != 0) {
    auto waited = std::chrono::steady_clock::duration(steady_ticks() - since);
    if (waited > kRebalanceGrace) {
      return "no partitions assigned by consumer group " + config_.consumer_group + " for " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
             " s (a previous member's session may not have expired yet)";
    }
  }
  return "";
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
      check_topics(false);
      report_lag();
      // While positions are stale, drop what was fetched: the reassignment re-fetches it.
      if (needs_resync_ || messages.empty()) continue;
      std::vector<SourceRecord> polled;
      polled.reserve(messages.size());
      for (auto& m : messages) polled.push_back(from_kafka(std::move(m)));
      Selection selected = positions_.take(std::move(polled));
      if (selected.records.empty()) continue;
      time::UnixMicros ingested_at = time::now_micros();
      auto records = map_records(std::move(selected.records), ingested_at);
      wait_in_flight();
      // The batch before was fenced: these records were selected from stale positions.
      if (needs_resync_) continue;
      committer_.submit(
          [this, r = std::move(records), e = std::move(selected.expected_next), ingested_at]() mutable {
            return policy_.commit(std::move(r), std::move(e), ingested_at);
          });
    } catch (const kafka::FatalKafkaError& e) {
      spdlog::critical("consumer failed fatally, exiting loop error={}", e.what());
      set_problem(e.what());
      fatal_ = true;
      break;
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
  wait_in_flight();  // finish (or give up on) the batch in hand before the consumer closes
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
  wait_in_flight();
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
  ever_assigned_ = true;
  unassigned_since_ = 0;
  probe_.assigned_partitions.Set(static_cast<double>(positions_.size()));
}

void TransformerApp::on_revoke(const std::vector<kafka::TopicPartition>& partitions) {
  // Let the batch in flight finish first (its offsets are fenced if they are no longer ours);
  // records of these partitions already fetched are dropped by PartitionPositions::take().
  wait_in_flight();
  for (const auto& p : partitions) positions_.revoke({p.topic, p.partition});
  unassigned_since_ = steady_ticks();
  probe_.assigned_partitions.Set(static_cast<double>(positions_.size()));
}

std::vector<BatchRecord> TransformerApp::map_records(std::vector<SourceRecord> selected,
                                                     time::UnixMicros ingested_at) {
  MappingContext context{pii_, ingested_at, config_.event_time};
  std::vector<BatchRecord> records;
  records.reserve(selected.size());
  for (auto& source : selected) {
    std::string event_type = event_type_by_topic_[source.topic];
    records.push_back(map_record(std::move(source), std::move(event_type), context));
  }
  return records;
}

int64_t TransformerApp::consumer_lag() const {
  double total = 0;
  for (const auto& [topic, gauge] : probe_.lag_by_topic) total += gauge->Value();
  return static_cast<int64_t>(total);
}

void TransformerApp::report_lag() {
  // Records in Kafka not yet in the warehouse for this consumer group, per topic, over every
  // partition — owned by this member, by another, or by none (a rebalance, a dead member):
  // log-end offsets against the stored positions. The same on every member (use max(), not
  // sum(), across instances). Every 2 s: two small requests.
  auto now = std::chrono::steady_clock::now();
  if (now - last_lag_report_ < std::chrono::seconds(2)) return;
  last_lag_report_ = now;
  std::vector<kafka::TopicPartition> all;
  for (const auto& t : catalog_.topics()) {
    for (int32_t p = 0; p < t.partitions; ++p) all.push_back({t.name, p});
  }
  std::map<std::string, int64_t> lag;
  for (const auto& t : catalog_.topics()) lag[t.name] = 0;
  try {
    auto ends = consumer_->end_offsets(all, 2000);
    if (!lag_session_) lag_session_ = std::make_unique<pg::Session>(config_.database_url);
    auto stored = load_stored_offsets(*lag_session_, config_.consumer_group);
    for (const auto& e : ends) {
      if (e.offset < 0) continue;
      PartitionId id{e.topic, e.partition};
      // An owned partition's position includes the batch being committed.
      auto owned = positions_.all().find(id);
      auto kept = stored.find(id);
      int64_t done = owned != positions_.all().end() ? owned->second.accept_from
                     : kept != stored.end()          ? kept->second
                                                     : 0;
      if (e.offset > done) lag[e.topic] += e.offset - std::max<int64_t>(done, 0);
    }
  } catch (const kafka::KafkaError& e) {
    spdlog::warn("consumer lag not refreshed error={}", e.what());
    return;  // keep the last values rather than report 0
  } catch (const pg::DbError& e) {
    lag_session_.reset();
    spdlog::warn("consumer lag not refreshed error={}", e.what());
    return;
  }
  for (const auto& [topic, records] : lag) {
    auto gauge = probe_.lag_by_topic.find(topic);
    if (gauge != probe_.lag_by_topic.end()) gauge->second->Set(static_cast<double>(records));
  }
}

void TransformerApp::check_topics(bool now) {
  auto at = std::chrono::steady_clock::now();
  bool missing_before;
  {
    std::lock_guard lock(problem_mu_);
    missing_before = !missing_topics_.empty();
  }
  if (!now && at - last_topic_check_ <
                  (missing_before ? std::chrono::seconds(2) : std::chrono::seconds(30))) {
    return;
  }
  last_topic_check_ = at;
  std::vector<std::string> topics;
  for (const auto& t : catalog_.topics()) topics.push_back(t.name);
  std::vector<std::string> missing;
  try {
    missing = consumer_->missing_topics(topics, 2000);
  } catch (const kafka::KafkaError& e) {
    spdlog::warn("cannot check the catalogue topics exist error={}", e.what());
    return;  // unknown: keep what the last check found
  }
  std::string problem = kafka::missing_topics_problem(missing);
  if (!problem.empty() && !missing_before) spdlog::error("{}", problem);
  if (problem.empty() && missing_before) {
    spdlog::info("every catalogue topic exists now");
    // The group would see the new topics only at the next periodic metadata refresh
    // (topic.metadata.refresh.interval.ms, 5 min): subscribing again fetches it now.
    consumer_->resubscribe();
  }
  std::lock_guard lock(problem_mu_);
  missing_topics_ = problem;
}

void TransformerApp::resync_positions() {
  wait_in_flight();
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
