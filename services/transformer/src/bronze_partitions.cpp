#include "bronze_partitions.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace analytics::transformer {

constexpr int kDaysAhead = 3;  // today and the next two: a quiet weekend needs nothing
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

int ensure_bronze_partitions(pg::Session& session, time::UnixMicros day, int days) {
  auto created = session.exec_params("SELECT ops.ensure_bronze_partitions($1::date, $2)",
                                     {time::format_date(day), std::to_string(days)});
  return std::stoi(std::string(created.value(0, 0)));
}

BronzeMaintenance::BronzeMaintenance(std::string database_url, int retention_days,
                                     metrics::Registry& registry)
    : database_url_(std::move(database_url)),
      retention_days_(retention_days),
      dropped_(registry.counter("transformer_bronze_partitions_dropped_total",
                                "Daily bronze partitions dropped by BRONZE_RETENTION_DAYS")),
      errors_(registry.counter("transformer_bronze_maintenance_errors_total",
                               "Bronze partition maintenance steps that failed")),
      task_(std::chrono::hours(1), [this] {
        try {
          run_once(time::now_micros());
        } catch (const std::exception& e) {
          errors_.Increment();
          spdlog::warn("bronze partition maintenance failed error={}", e.what());
          session_.reset();
        }
      }) {}

void BronzeMaintenance::run_once(time::UnixMicros now) {
  if (!session_) session_ = std::make_unique<pg::Session>(database_url_);
  int created = ensure_bronze_partitions(*session_, now, kDaysAhead);
  if (created > 0) spdlog::info("bronze partitions created count={}", created);
  if (retention_days_ <= 0) return;
  auto dropped =
      session_->exec_params("SELECT ops.drop_bronze_partitions_before($1::date)",
                            {time::format_date(now - retention_days_ * kMicrosPerDay)});
  for (int i = 0; i < dropped.rows(); ++i) {
    dropped_.Increment();
    spdlog::info("bronze partition dropped name={} retention_days={}", dropped.value(i, 0),
                 retention_days_);
  }
}

void BronzeMaintenance::start() { task_.start(); }

void BronzeMaintenance::stop() { task_.stop(); }

}  // namespace analytics::transformer
