#pragma once

#include <string_view>

#include "common/auth/api_keys.hpp"

namespace httplib {
struct Request;
}

namespace analytics::http {

/// Throws ApiError unless `req` carries a key that `keys` allows for `scope`: 401
/// `unauthenticated` (no key) or `invalid_api_key` (unknown key), both with
/// `WWW-Authenticate: Bearer`; 403 `forbidden` (key not allowed for `scope`), whose message
/// says "this API key may not <action>". No keys configured: every request passes. The key
/// itself is never logged or echoed.
void require_api_key(const auth::ApiKeys& keys, const httplib::Request& req,
                     std::string_view scope, std::string_view action);

}  // namespace analytics::http
