#include "dq_monitor.hpp"

#include <spdlog/spdlog.h>

#include "common/ids/uuid.hpp"
#include "common/time/iso8601.hpp"

namespace analytics::transformer {
namespace {

metrics::Counter& failures(metrics::Registry& r, const char* severity) {
  return r.counter("transformer_dq_failures_total", "Failed data-quality check results",
                   {{"severity", severity}});
}

}  // namespace

DqMonitor::DqMonitor(std::string database_url, DqConfig config, int interval_seconds,
                     std::function<int64_t()> pending_records, metrics::Registry& registry)
    : database_url_(std::move(database_url)),
      config_(std::move(config)),
      pending_records_(std::move(pending_records)),
      registry_(registry),
      failures_critical_(failures(registry, "critical")),
      failures_warning_(failures(registry, "warning")),
      run_errors_(registry.counter("transformer_dq_run_errors_total",
                                   "Data-quality runs that could not complete (database errors)")),
      last_run_(registry.gauge("transformer_dq_last_run_timestamp_seconds",
                               "Unix time of the last completed data-quality run")),
      task_(std::chrono::seconds(interval_seconds), [this] { run_logged(); }) {}

DqMonitor::~DqMonitor() { stop(); }

void DqMonitor::start() { task_.start(); }

void DqMonitor::stop() { task_.stop(); }

std::vector<DqResult> DqMonitor::run_once() {
  try {
    if (!session_) {
      session_ = std::make_unique<pg::Session>(database_url_);
      // Hash the window's rows in memory; never let a run hold the warehouse for long.
      session_->exec("SET work_mem = '64MB'");
      session_->exec("SET statement_timeout = '60s'");
      session_->exec("SET client_min_messages = warning");  // "already exists, skipping"
    }
    auto started = time::now_micros();
    auto results = run_dq_checks(*session_, config_, pending_records_());
    store_dq_results(*session_, ids::random_uuid(), results);
    report(results);
    spdlog::info("data-quality run done checks={} duration_ms={}", results.size(),
                 (time::now_micros() - started) / 1000);
    return results;
  } catch (...) {
    session_.reset();  // a broken connection or transaction: start clean next time
    throw;
  }
}

void DqMonitor::report(const std::vector<DqResult>& results) {
  std::string failed_critical;
  for (const auto& r : results) {
    auto& gauge = passed_by_check_[r.name];
    if (!gauge) {
      gauge = &registry_.gauge("transformer_dq_check_passed",
                               "1 when the check's latest result passed, 0 when it failed",
                               {{"check", r.name}});
    }
    gauge->Set(r.passed ? 1 : 0);
    if (r.passed) continue;
    if (r.severity == "critical") {
      failures_critical_.Increment();
      spdlog::error("data-quality check failed check={} severity=critical observed={} detail={}",
                    r.name, r.observed, r.detail);
      failed_critical += (failed_critical.empty() ? "" : "; ") + r.name + ": " + r.detail;
    } else {
      failures_warning_.Increment();
      spdlog::warn("data-quality check failed check={} severity=warning observed={} detail={}",
                   r.name, r.observed, r.detail);
    }
  }
  last_run_.Set(static_cast<double>(time::now_micros()) / 1e6);
  std::lock_guard lock(mu_);
  failed_critical_ = std::move(failed_critical);
}

std::string DqMonitor::readiness() const {
  std::lock_guard lock(mu_);
  return failed_critical_.empty() ? "" : "critical data-quality checks failed: " + failed_critical_;
}

void DqMonitor::run_logged() {
  try {
    run_once();
  } catch (const std::exception& e) {
    // The warehouse being down is the pipeline's readiness problem, not a data-quality one.
    run_errors_.Increment();
    spdlog::warn("data-quality run failed error={}", e.what());
  }
}

}  // namespace analytics::transformer
