#pragma once

#include <string_view>

#include "common/kafka/kafka_error.hpp"

namespace analytics::kafka {

/// librdkafka properties from text such as `linger.ms=10,compression.type=zstd` (comma- or
/// newline-separated `key=value` pairs; blank entries ignored) — how an operator passes any
/// client setting (security, tuning) through one environment variable. Throws
/// std::invalid_argument naming the malformed entry.
Properties parse_properties(std::string_view text);

}  // namespace analytics::kafka
