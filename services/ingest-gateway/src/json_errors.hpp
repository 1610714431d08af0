#pragma once

#include <simdjson.h>

#include <string>

namespace analytics::gateway {

/// A client-facing reason for a simdjson parse error: what is wrong with the JSON, in words a
/// client can act on (the depth limit, invalid UTF-8, a number out of range...).
std::string describe_json_error(simdjson::error_code error);

}  // namespace analytics::gateway
