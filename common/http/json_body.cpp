#include "common/http/json_body.hpp"

#include <httplib.h>

#include <string>

#include "common/http/bounded_json.hpp"
#include "common/http/http_server.hpp"

namespace analytics::http {

nlohmann::json parse_json_body(std::string_view body, size_t max_depth) {
  try {
    return parse_bounded_json(body, max_depth);
  } catch (const JsonRefused& e) {
    throw ApiError(400, "malformed_json", std::string("request body ") + e.what());
  }
}

}  // namespace analytics::http
