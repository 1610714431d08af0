#pragma once

#include <cstdint>
#include <string_view>

#include "batch.hpp"
#include "pii.hpp"

namespace analytics::transformer {

/// What every silver mapping needs besides the record.
struct MappingContext {
  const PiiProtector& pii;
  time::UnixMicros ingested_at;  // when the transformer read the batch
  const EventTimeRules& time_rules;
};

using RecordMapper = MappedRecord (*)(const SourceRecord& record, const MappingContext& context);

/// The silver mapping of an event type (commerce.transaction -> silver.orders, ...), or
/// nullptr when silver does not map that type (its records stay in bronze only). A new entity
/// is one entry in the table in record_mappers.cpp and a writer per layer.
RecordMapper mapper_for(std::string_view event_type);

/// `source` (of catalogue type `event_type`) with what silver makes of it: nothing for a type
/// silver does not map (the DLQ), else its mapper's row or quarantine entry.
BatchRecord map_record(SourceRecord source, std::string event_type, const MappingContext& context);

}  // namespace analytics::transformer
