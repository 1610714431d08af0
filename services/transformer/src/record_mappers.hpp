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

}  // namespace analytics::transformer
