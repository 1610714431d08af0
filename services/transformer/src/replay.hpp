#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "layer_writer.hpp"
#include "pii.hpp"
#include "silver_order.hpp"
#include "warehouse_writer.hpp"

namespace analytics::transformer {

struct ReplaySummary {
  size_t batches = 0;
  size_t records = 0;
  size_t silver_rows = 0;
  size_t quarantined_rows = 0;
  std::map<std::string, size_t> quarantine_by_reason;
  double seconds = 0;
};

/// `transformer replay`: rebuilds silver, quarantine and gold from bronze for the records
/// ingested in `range` (all of bronze by default), e.g. after a fix to a silver rule. The range
/// is first narrowed to what bronze holds (from its oldest to its newest record in the range):
/// rows of days that retention dropped from bronze are kept, not deleted.
/// First `writer.forget(range)` removes what those records produced, in one transaction; then
/// bronze is read in ingestion order and each original batch is mapped again — with its own
/// batch id and ingestion time, so lateness, lag and lineage come out as they did — and
/// written with `writer.rewrite`, one transaction per batch; `writer.settle` ends it (SCD1
/// dimensions as the latest batch left them). On the same rules the result
/// equals what streaming produced. Stop the streaming transformers first: a replay and a
/// stream writing the same entities would interleave. `progress(done, total)` is called after
/// each batch. Throws pg::DbError.
ReplaySummary replay_from_bronze(WarehouseWriter& writer, const std::string& database_url,
                                 const PiiProtector& pii, const EventTimeRules& rules,
                                 const IngestionRange& range,
                                 const std::function<void(size_t, size_t)>& progress);

}  // namespace analytics::transformer
