#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
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

using DeliveryCallback = std::function<void(const DeliveryResult&)>;

struct Header {
  std::string key;
  std::string value;
};

/// Idempotent producer (`enable.idempotence=true`, `acks=all` are forced on). A background
/// thread polls for delivery reports and runs the callbacks, so callbacks must be quick and
/// must not call back into this producer's flush(). Thread-safe.
/// The destructor flushes (up to 10 s) so no enqueued message is silently dropped.
class Producer {
 public:
  explicit Producer(const Properties& props);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Enqueues a copy of key/value. `on_delivery` runs exactly once, on the poll thread.
  /// Throws KafkaError (retryable for a full local queue) when the message cannot be enqueued;
  /// in that case `on_delivery` is not called.
  void produce(const std::string& topic, std::string_view key, std::string_view value,
               const std::vector<Header>& headers, DeliveryCallback on_delivery);

  /// Waits until all enqueued messages are delivered or failed; false on timeout.
  bool flush(int timeout_ms);

  /// Cheap reachability check: fetches cluster metadata within `timeout_ms`.
  /// Returns an empty string when a broker answered, else the error.
  std::string check_connectivity(int timeout_ms);

  /// True once librdkafka reported that every broker is down, until a delivery succeeds or
  /// check_connectivity() reaches a broker. Lets callers fail fast instead of waiting for
  /// message timeouts.
  bool brokers_down() const { return brokers_down_.load(); }

 private:
  std::atomic<bool> brokers_down_{false};
  std::unique_ptr<RdKafka::DeliveryReportCb> dr_cb_;
  std::unique_ptr<RdKafka::EventCb> event_cb_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

/// Collects the delivery results of a group of messages (one HTTP request's worth) and lets
/// the producing thread wait for all of them. Shared ownership keeps it alive for callbacks
/// that arrive after a waiter gave up. Thread-safe.
class DeliveryGroup : public std::enable_shared_from_this<DeliveryGroup> {
 public:
  static std::shared_ptr<DeliveryGroup> create(size_t size);
  /// Callback that stores the result of message `index`.
  DeliveryCallback slot(size_t index);
  /// Marks message `index` as never enqueued, with `error`.
  void fail(size_t index, const std::string& error, bool retryable);
  /// Waits until every slot has a result; false on timeout.
  bool wait(int timeout_ms);
  /// Results by index; complete only after wait() returned true.
  std::vector<DeliveryResult> results() const;

 private:
  // A message whose result never arrives (the waiter gave up) counts as a transient failure.
  explicit DeliveryGroup(size_t size)
      : results_(size, DeliveryResult{false, "no acknowledgement yet", true, -1, -1}),
        pending_(size) {}
  void complete(size_t index, DeliveryResult result);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DeliveryResult> results_;
  size_t pending_;
};

}  // namespace analytics::kafka
