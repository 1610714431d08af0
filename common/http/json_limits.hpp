#pragma once

#include <cstddef>

namespace analytics::http {

/// Deepest nesting a client's JSON may have, in every service (bodies and the gateway's
/// events): parsers stop there, so no later walk over client JSON (nlohmann's dump(),
/// comparison and copy recurse once per level) can overflow a thread's stack.
inline constexpr size_t kDefaultMaxJsonDepth = 64;

}  // namespace analytics::http
