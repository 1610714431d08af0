#include "common/http/json_body.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
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

std::string media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!media.empty() && space(media.front())) media.remove_prefix(1);
  while (!media.empty() && space(media.back())) media.remove_suffix(1);
  std::string out(media);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void require_json_content_type(std::string_view content_type) {
  if (media_type(content_type) != "application/json") {
    throw ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
}

}  // namespace analytics::http
