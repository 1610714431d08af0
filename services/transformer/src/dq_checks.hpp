#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/pg/session.hpp"

namespace analytics::transformer {

/// An allowed range for a quarantine rate (a fraction of the records read).
struct RateBand {
  double min = 0, max = 1;
};

struct DqConfig {
  /// How much recent history each run checks: the batches committed in the last this-many
  /// seconds, and the rows they wrote.
  // The default interval and half of it again: every batch is checked once, a few twice, while
  // a run's cost follows the recent traffic.
  int64_t window_seconds = 90;
  /// The newest silver row may be this old while records wait in Kafka (seed 000: 15 minutes).
  double freshness_max_seconds = 900;
  /// Per quarantine reason, plus "total" (all reasons) and "*" (any reason not named).
  std::map<std::string, RateBand> quarantine_bands = {{"total", {0, 0.25}}, {"*", {0, 0.10}}};
};

/// Parses DQ_QUARANTINE_BANDS: `reason=min-max` pairs separated by commas, e.g.
/// `total=0-0.25,*=0-0.1,missing_price=0-0.05`. Throws std::invalid_argument naming the part.
std::map<std::string, RateBand> parse_rate_bands(const std::string& text);

struct DqResult {
  std::string name;      // e.g. consistency.fact_orders_orphans
  std::string category;  // completeness, validity, freshness or consistency
  std::string severity;  // critical or warning
  bool passed = false;
  double observed = 0;
  std::string expected;  // the rule, in words
  std::string detail;
};

/// Runs every data-quality check (docs/warehouse.md lists them) in one read-only
/// REPEATABLE READ transaction, so the tables are compared at one instant even while batches
/// commit. `pending_records` is the consumer lag: freshness fails only while records wait.
std::vector<DqResult> run_dq_checks(pg::Session& session, const DqConfig& config,
                                    int64_t pending_records);

/// Stores one run's results in ops.dq_results under `run_id` and drops results older than
/// 30 days.
void store_dq_results(pg::Session& session, const std::string& run_id,
                      const std::vector<DqResult>& results);

}  // namespace analytics::transformer
