#include "record_mappers.hpp"

#include <utility>

namespace analytics::transformer {
namespace {

MappedRecord map_order(const SourceRecord& record, const MappingContext& context) {
  auto order = map_transaction(record.payload, context.pii, context.ingested_at,
                               context.late_after_seconds);
  if (auto* o = std::get_if<SilverOrder>(&order)) return std::move(*o);
  return std::get<Quarantined>(std::move(order));
}

constexpr std::pair<std::string_view, RecordMapper> kMappers[] = {
    {"commerce.transaction", map_order},
};

}  // namespace

RecordMapper mapper_for(std::string_view event_type) {
  for (const auto& [type, mapper] : kMappers) {
    if (type == event_type) return mapper;
  }
  return nullptr;
}

}  // namespace analytics::transformer
