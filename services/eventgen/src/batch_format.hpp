#pragma once

#include <string>
#include <string_view>

namespace analytics::eventgen {

/// How a batch is laid out on the wire: `[{...},{...}]` or one object per line.
enum class BatchFormat { kJsonArray, kNdjson };

/// Appends records produced by `append_one(out)` `count` times, with the format's framing.
template <typename AppendOne>
void write_batch(size_t count, BatchFormat format, std::string& out, AppendOne&& append_one) {
  if (format == BatchFormat::kJsonArray) out += '[';
  for (size_t i = 0; i < count; ++i) {
    if (i > 0 && format == BatchFormat::kJsonArray) out += ',';
    append_one(out);
    if (format == BatchFormat::kNdjson) out += '\n';
  }
  if (format == BatchFormat::kJsonArray) out += ']';
}

inline std::string_view content_type_of(BatchFormat format) {
  return format == BatchFormat::kNdjson ? "application/x-ndjson" : "application/json";
}

}  // namespace analytics::eventgen
