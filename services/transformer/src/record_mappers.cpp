#include "record_mappers.hpp"

#include <utility>

namespace analytics::transformer {
namespace {

/// A mapper's own variant as the batch's.
template <typename Mapped>
MappedRecord widen(Mapped&& mapped) {
  return std::visit([](auto&& v) -> MappedRecord { return std::move(v); }, std::move(mapped));
}

MappedRecord map_order(const SourceRecord& record, const MappingContext& context) {
  return widen(
      map_transaction(record.payload, context.pii, context.ingested_at, context.time_rules));
}

MappedRecord map_click(const SourceRecord& record, const MappingContext& context) {
  return widen(
      map_interaction(record.payload, context.pii, context.ingested_at, context.time_rules));
}

constexpr std::pair<std::string_view, RecordMapper> kMappers[] = {
    {"commerce.transaction", map_order},
    {"user.interaction", map_click},
};

}  // namespace

BatchRecord map_record(SourceRecord source, std::string event_type,
                       const MappingContext& context) {
  RecordMapper mapper = mapper_for(event_type);
  MappedRecord mapped = mapper ? mapper(source, context) : MappedRecord{};
  return {std::move(source), std::move(event_type), std::move(mapped)};
}

RecordMapper mapper_for(std::string_view event_type) {
  for (const auto& [type, mapper] : kMappers) {
    if (type == event_type) return mapper;
  }
  return nullptr;
}

}  // namespace analytics::transformer
