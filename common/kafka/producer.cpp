#include "common/kafka/producer.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/kafka/detail.hpp"

namespace analytics::kafka {

/// The latest delivery outcomes, for readiness. Recorded for every message on the poll
/// thread, so a success is two relaxed atomic stores; only a failure takes the lock (for its
/// text).
struct Producer::DeliveryHealth {
  using Clock = std::chrono::steady_clock;
  std::atomic<Clock::rep> last_success{0};
  std::atomic<Clock::rep> last_failure{0};
  mutable std::mutex mu;
  std::string last_error;  // guarded by mu

  void record(bool ok, const std::string& error) {
    Clock::rep now = Clock::now().time_since_epoch().count();
    if (ok) {
      last_success.store(now, std::memory_order_relaxed);
      return;
    }
    std::lock_guard lock(mu);
    last_error = error;
    last_failure.store(now, std::memory_order_relaxed);
  }
};

namespace {

class DeliveryReports : public RdKafka::DeliveryReportCb {
 public:
  DeliveryReports(std::atomic<bool>& brokers_down, Producer::DeliveryHealth& health)
      : brokers_down_(brokers_down), health_(health) {}

  void dr_cb(RdKafka::Message& msg) override {
    DeliveryResult result;
    result.ok = msg.err() == RdKafka::ERR_NO_ERROR;
    if (!result.ok) {
      result.error = msg.errstr();
      result.retryable = detail::is_retryable(msg.err());
    }
    if (result.ok) brokers_down_ = false;
    health_.record(result.ok, result.error);
    result.partition = msg.partition();
    result.offset = msg.offset();
    if (msg.msg_opaque()) DeliveryGroup::report(msg.msg_opaque(), std::move(result));
  }

 private:
  std::atomic<bool>& brokers_down_;
  Producer::DeliveryHealth& health_;
};

/// Watches client-level errors; all brokers down is the one callers need to know about.
class ClientEvents : public RdKafka::EventCb {
 public:
  explicit ClientEvents(std::atomic<bool>& brokers_down) : brokers_down_(brokers_down) {}

  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) brokers_down_ = true;
    spdlog::warn("kafka client error: {}", event.str());
  }

 private:
  std::atomic<bool>& brokers_down_;
};

}  // namespace

Producer::Producer(const Properties& props)
    : health_(std::make_unique<DeliveryHealth>()),
      dr_cb_(std::make_unique<DeliveryReports>(brokers_down_, *health_)),
      event_cb_(std::make_unique<ClientEvents>(brokers_down_)) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  Properties effective = {
      {"linger.ms", "5"}, {"compression.type", "lz4"}, {"socket.nagle.disable", "true"}};
  for (const auto& [k, v] : props) effective[k] = v;
  // Durability is not negotiable: no acknowledged event may be lost or duplicated.
  effective["enable.idempotence"] = "true";
  effective["acks"] = "all";
  // librdkafka's producer asks brokers to create a topic it does not find (the consumer does
  // not): a typo'd prefix would make topics with the broker's default partitions and retention.
  effective["allow.auto.create.topics"] = "false";
  detail::apply(*conf, effective);
  std::string err;
  if (conf->set("dr_cb", dr_cb_.get(), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", event_cb_.get(), err) != RdKafka::Conf::CONF_OK) {
    throw KafkaError("cannot set producer callbacks: " + err, false);
  }
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) throw KafkaError("cannot create producer: " + err, false);
  poller_ = std::thread([this] {
    while (!stop_.load()) producer_->poll(100);
  });
}

Producer::~Producer() {
  if (!flush(10000)) {
    spdlog::error("producer closed with {} undelivered messages", producer_->outq_len());
  }
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  producer_->poll(0);
}

void Producer::produce(const std::string& topic, std::string_view key, std::string_view value,
                       const std::vector<Header>& headers, DeliveryGroup& group, size_t index) {
  RdKafka::Headers* hdrs = RdKafka::Headers::create();
  for (const auto& h : headers) hdrs->add(h.key, h.value);
  DeliveryGroup::Slot* opaque = group.begin_send(index);
  RdKafka::ErrorCode err =
      producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         const_cast<char*>(value.data()), value.size(),
                         key.empty() ? nullptr : key.data(), key.size(), 0, hdrs, opaque);
  if (err != RdKafka::ERR_NO_ERROR) {
    // On failure librdkafka keeps ownership of nothing: free what we handed over.
    delete hdrs;
    group.cancel_send();
    throw KafkaError("produce to " + topic + " failed: " + RdKafka::err2str(err),
                     detail::is_retryable(err));
  }
}

bool Producer::flush(int timeout_ms) {
  return producer_->flush(timeout_ms) == RdKafka::ERR_NO_ERROR;
}

std::string Producer::failing_deliveries(int window_ms) const {
  using Clock = DeliveryHealth::Clock;
  Clock::rep failure = health_->last_failure.load(std::memory_order_relaxed);
  Clock::rep success = health_->last_success.load(std::memory_order_relaxed);
  Clock::duration since_failure = Clock::now().time_since_epoch() - Clock::duration(failure);
  if (failure == 0 || failure <= success || since_failure > std::chrono::milliseconds(window_ms)) {
    return "";
  }
  std::lock_guard lock(health_->mu);
  return "deliveries failing: " + health_->last_error;
}

std::vector<std::string> Producer::missing_topics(const std::vector<std::string>& topics,
                                                  int timeout_ms) {
  auto missing = detail::missing_topics(*producer_, topics, timeout_ms);
  brokers_down_ = false;
  return missing;
}

std::string Producer::check_connectivity(int timeout_ms) {
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode err = producer_->metadata(true, nullptr, &md, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (err != RdKafka::ERR_NO_ERROR) return RdKafka::err2str(err);
  brokers_down_ = false;
  return "";
}

DeliveryGroup::DeliveryGroup(size_t size)
    : results_(size, DeliveryResult{false, "no acknowledgement yet", true, -1, -1}),
      slots_(size),
      pending_(size) {
  for (size_t i = 0; i < size; ++i) slots_[i] = Slot{this, i};
}

std::shared_ptr<DeliveryGroup> DeliveryGroup::create(size_t size) {
  return std::shared_ptr<DeliveryGroup>(new DeliveryGroup(size));
}

DeliveryGroup::Slot* DeliveryGroup::begin_send(size_t index) {
  std::lock_guard lock(mu_);
  if (awaiting_reports_++ == 0) pinned_ = shared_from_this();
  return &slots_[index];
}

void DeliveryGroup::cancel_send() {
  std::shared_ptr<DeliveryGroup> unpin;
  std::lock_guard lock(mu_);
  if (--awaiting_reports_ == 0) unpin = std::move(pinned_);
}

void DeliveryGroup::report(void* opaque, DeliveryResult result) {
  auto* slot = static_cast<Slot*>(opaque);
  slot->group->complete(slot->index, std::move(result), /*reported=*/true);
}

void DeliveryGroup::fail(size_t index, const std::string& error, bool retryable) {
  DeliveryResult r;
  r.error = error;
  r.retryable = retryable;
  complete(index, std::move(r), /*reported=*/false);
}

void DeliveryGroup::complete(size_t index, DeliveryResult result, bool reported) {
  // The last report may drop the last reference: destroy only after the lock is released.
  std::shared_ptr<DeliveryGroup> unpin;
  {
    std::lock_guard lock(mu_);
    results_[index] = std::move(result);
    if (--pending_ == 0) cv_.notify_all();
    if (reported && --awaiting_reports_ == 0) unpin = std::move(pinned_);
  }
}

bool DeliveryGroup::wait(int timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [this] { return pending_ == 0; });
}

std::vector<DeliveryResult> DeliveryGroup::results() const {
  std::lock_guard lock(mu_);
  return results_;
}

}  // namespace analytics::kafka
