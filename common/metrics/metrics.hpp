#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>

#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace analytics::metrics {

// The metric types are prometheus-cpp's own (thread-safe, lock-free to update):
// Counter::Increment, Gauge::Set/Increment/Decrement, Histogram::Observe, Value() on each.
using Counter = prometheus::Counter;
using Gauge = prometheus::Gauge;
using Histogram = prometheus::Histogram;
using Labels = prometheus::Labels;

/// Default latency buckets in seconds, 1 ms .. 10 s.
const std::vector<double>& latency_buckets();

/// The service's metrics, on a prometheus-cpp registry (core library only; /metrics serves
/// render()). Getters find or create a series and return a reference that stays valid for the
/// registry's lifetime: a component resolves its handles once, at construction, and keeps
/// them — a getter takes locks, updating a handle does not.
/// Thread-safe. One name registered as two kinds, or with two help texts, throws
/// std::invalid_argument.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       const std::vector<double>& bounds = latency_buckets());

  /// Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace analytics::metrics
