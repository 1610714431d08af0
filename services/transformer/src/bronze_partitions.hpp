#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/metrics/metrics.hpp"
#include "common/pg/session.hpp"
#include "common/time/iso8601.hpp"
#include "periodic_task.hpp"

namespace analytics::transformer {

/// Creates bronze.events' daily partitions for `day` (UTC) and the `days - 1` after it when
/// missing (migration 008); returns how many it created.
int ensure_bronze_partitions(pg::Session& session, time::UnixMicros day, int days);

/// Keeps bronze.events' daily partitions: every hour (and once at start(), before any batch)
/// creates today's and the next two days' ahead, and with a retention drops the partitions of
/// days older than it — whole tables, no row deletes. Replay can only rebuild what bronze still
/// holds.
class BronzeMaintenance {
 public:
  /// `retention_days` 0 keeps every day.
  BronzeMaintenance(std::string database_url, int retention_days, metrics::Registry& registry);

  /// Runs one step now; throws pg::DbError.
  void run_once(time::UnixMicros now);
  void start();
  void stop();

 private:
  std::string database_url_;
  int retention_days_;
  metrics::Counter& dropped_;
  metrics::Counter& errors_;
  std::unique_ptr<pg::Session> session_;
  PeriodicTask task_;
};

}  // namespace analytics::transformer
