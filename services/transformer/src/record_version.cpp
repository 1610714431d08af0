#include "record_version.hpp"

#include <limits>
#include <tuple>

namespace analytics::transformer {

bool is_later(const RecordVersion& a, const RecordVersion& b) {
  if (a.topic == b.topic && a.partition == b.partition) return a.offset > b.offset;
  constexpr auto kNever = std::numeric_limits<time::UnixMicros>::min();
  return std::tuple(a.received_at.value_or(kNever), a.topic, a.partition, a.offset) >
         std::tuple(b.received_at.value_or(kNever), b.topic, b.partition, b.offset);
}

std::string later_version_sql(std::string_view newer, std::string_view older) {
  auto cols = [](std::string_view t) {
    std::string p(t);
    return "(coalesce(" + p + ".received_at, '-infinity'), " + p + ".source_topic COLLATE \"C\", " +
           p + ".source_partition, " + p + ".source_offset)";
  };
  std::string n(newer), o(older);
  // Topic names compare byte-wise (COLLATE "C"), as std::string does.
  return "CASE WHEN (" + n + ".source_topic, " + n + ".source_partition) = (" + o +
         ".source_topic, " + o + ".source_partition) THEN " + n + ".source_offset > " + o +
         ".source_offset ELSE " + cols(newer) + " > " + cols(older) + " END";
}

std::string latest_first_sql() {
  return "received_at DESC NULLS LAST, source_topic COLLATE \"C\" DESC, source_partition DESC, "
         "source_offset DESC";
}

}  // namespace analytics::transformer
