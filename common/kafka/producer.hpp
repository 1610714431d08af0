#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/kafka/kafka_error.hpp"

namespace RdKafka {
class Producer;
class DeliveryReportCb;
class EventCb;
}  // namespace RdKafka

namespace analytics::kafka {

/// Outcome of one produced message, known once the broker acknowledged it (or gave up).
struct DeliveryResult {
  bool ok = false;
  std::string error;  // empty when ok
  bool retryable = false;
  int32_t partition = -1;
  int64_t offset = -1;
};

class DeliveryGroup;

struct Header {
  std::string key;
  std::string value;
};

/// Idempotent producer (`enable.idempotence=true`, `acks=all` are forced on) that never asks
/// a broker to create a topic (`allow.auto.create.topics=false`, forced). A background
/// thread polls for delivery reports and records each in its DeliveryGroup. Thread-safe.
/// The destructor flushes (up to 10 s) so no enqueued message is silently dropped.
class Producer {
 public:
  explicit Producer(const Properties& props);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Enqueues a copy of key/value; its delivery report becomes result `index` of `group`
  /// (which stays alive until the report arrives). Throws KafkaError (retryable for a full
  /// local queue) when the message cannot be enqueued; `group` then gets no result for it.
  void produce(const std::string& topic, std::string_view key, std::string_view value,
               const std::vector<Header>& headers, DeliveryGroup& group, size_t index);

  /// Waits until all enqueued messages are delivered or failed; false on timeout.
  bool flush(int timeout_ms);

  /// Cheap reachability check: fetches cluster metadata within `timeout_ms`.
  /// Returns an empty string when a broker answered, else the error.
  std::string check_connectivity(int timeout_ms);

  /// Which of `topics` the cluster does not have (one metadata request, which creates none).
  /// Throws KafkaError (retryable) when no broker answers within `timeout_ms`.
  std::vector<std::string> missing_topics(const std::vector<std::string>& topics, int timeout_ms);

  /// True once librdkafka reported that every broker is down, until a delivery succeeds or
  /// check_connectivity() reaches a broker. Lets callers fail fast instead of waiting for
  /// message timeouts.
  bool brokers_down() const { return brokers_down_.load(); }

  /// The error of the latest delivery report when it failed within the last `window_ms` and
  /// none succeeded since; else empty. For readiness: produces are failing right now.
  std::string failing_deliveries(int window_ms) const;

  struct DeliveryHealth;

 private:
  std::atomic<bool> brokers_down_{false};
  std::unique_ptr<DeliveryHealth> health_;
  std::unique_ptr<RdKafka::DeliveryReportCb> dr_cb_;
  std::unique_ptr<RdKafka::EventCb> event_cb_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

/// Collects the delivery results of a group of messages (one HTTP request's worth) and lets
/// the producing thread wait for all of them. Kept alive by the producer until the last report
/// of an enqueued message arrived, even when its waiter gave up. Thread-safe.
class DeliveryGroup : public std::enable_shared_from_this<DeliveryGroup> {
 public:
  static std::shared_ptr<DeliveryGroup> create(size_t size);
  /// Marks message `index` as never enqueued, with `error`.
  void fail(size_t index, const std::string& error, bool retryable);
  /// Waits until every message has a result; false on timeout.
  bool wait(int timeout_ms);
  /// Results by index; complete only after wait() returned true.
  std::vector<DeliveryResult> results() const;

  /// The producer's delivery report for the message sent with `opaque` (from begin_send()).
  static void report(void* opaque, DeliveryResult result);

 private:
  friend class Producer;
  struct Slot {
    DeliveryGroup* group;
    size_t index;
  };
  // A message whose result never arrives (the waiter gave up) counts as a transient failure.
  explicit DeliveryGroup(size_t size);
  /// Before enqueueing message `index`: its report's opaque pointer; pins the group.
  Slot* begin_send(size_t index);
  /// The enqueue of a begin_send() failed: no report will come for it.
  void cancel_send();
  /// A delivery report for message `index` (or a failure before sending).
  void complete(size_t index, DeliveryResult result, bool reported);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DeliveryResult> results_;
  std::vector<Slot> slots_;
  size_t pending_;
  size_t awaiting_reports_ = 0;
  std::shared_ptr<DeliveryGroup> pinned_;  // self, while reports are awaited
};

}  // namespace analytics::kafka
