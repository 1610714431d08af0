#include "common/http/api_key_check.hpp"

#include <httplib.h>

#include <string>

#include "common/http/http_server.hpp"

namespace analytics::http {

void require_api_key(const auth::ApiKeys& keys, const httplib::Request& req,
                     std::string_view scope, std::string_view action) {
  if (keys.empty()) return;
  auto verdict = keys.check(
      auth::presented_key(req.get_header_value("X-API-Key"), req.get_header_value("Authorization")),
      scope);
  switch (verdict) {
    case auth::ApiKeys::Verdict::kAllowed:
      return;
    case auth::ApiKeys::Verdict::kMissing: {
      ApiError e(401, "unauthenticated",
                 "an API key is required: send it as X-API-Key or Authorization: Bearer");
      e.headers.emplace_back("WWW-Authenticate", "Bearer");
      throw e;
    }
    case auth::ApiKeys::Verdict::kUnknown: {
      ApiError e(401, "invalid_api_key", "the API key is not valid");
      e.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      throw e;
    }
    case auth::ApiKeys::Verdict::kNotInScope:
      throw ApiError(403, "forbidden", "this API key may not " + std::string(action));
  }
}

}  // namespace analytics::http
