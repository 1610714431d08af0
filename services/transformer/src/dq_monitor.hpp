#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/metrics/metrics.hpp"
#include "common/pg/session.hpp"
#include "dq_checks.hpp"
#include "periodic_task.hpp"

namespace analytics::transformer {

/// Runs the data-quality checks every `interval_seconds` on its own connection and thread,
/// stores each run in ops.dq_results and makes a failure loud: a failed check sets its
/// `transformer_dq_check_passed` gauge to 0 and counts in `transformer_dq_failures_total`; a
/// failed critical check is also an error log line and a /readyz failure naming it, until a
/// run passes it again.
class DqMonitor {
 public:
  DqMonitor(std::string database_url, DqConfig config, int interval_seconds,
            std::function<int64_t()> pending_records, metrics::Registry& registry);
  ~DqMonitor();

  void start();
  void stop();
  /// Runs, stores and reports the checks once (the thread's step; tests call it directly).
  std::vector<DqResult> run_once();
  /// Empty when the latest run failed no critical check; else which failed and why.
  std::string readiness() const;

 private:
  /// The periodic step: a run whose database work fails is counted and retried next time.
  void run_logged();
  void report(const std::vector<DqResult>& results);

  std::string database_url_;
  DqConfig config_;
  std::function<int64_t()> pending_records_;
  metrics::Registry& registry_;
  metrics::Counter& failures_critical_;
  metrics::Counter& failures_warning_;
  metrics::Counter& run_errors_;
  metrics::Gauge& last_run_;
  std::map<std::string, metrics::Gauge*> passed_by_check_;
  std::unique_ptr<pg::Session> session_;

  mutable std::mutex mu_;
  std::string failed_critical_;
  PeriodicTask task_;  // last: stopped first, while everything it uses still exists
};

}  // namespace analytics::transformer
