#include "common/http/bounded_json.hpp"

#include <string>

namespace analytics::http {
namespace {

struct TooDeep {};

/// nlohmann's messages start with "[json.exception.parse_error.101] " and may quote a long
/// token: keep what a reader can act on.
std::string short_message(const nlohmann::json::exception& e) {
  std::string text = e.what();
  if (auto bracket = text.find("] ");
      text.rfind("[json.exception.", 0) == 0 && bracket != text.npos) {
    text.erase(0, bracket + 2);
  }
  constexpr size_t kMaxLength = 300;
  if (text.size() > kMaxLength) text = text.substr(0, kMaxLength) + "...";
  return text;
}

}  // namespace

nlohmann::json parse_bounded_json(std::string_view text, size_t max_depth) {
  // `depth` counts the containers around the one that starts: 0 for the outermost.
  auto limit_depth = [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    bool opens = event == nlohmann::json::parse_event_t::object_start ||
                 event == nlohmann::json::parse_event_t::array_start;
    if (opens && static_cast<size_t>(depth) >= max_depth) throw TooDeep{};
    return true;
  };
  try {
    return nlohmann::json::parse(text, limit_depth);
  } catch (const TooDeep&) {
    throw JsonRefused("nests arrays and objects deeper than " + std::to_string(max_depth) +
                      " levels");
  } catch (const nlohmann::json::exception& e) {
    // parse_error (syntax, invalid UTF-8) names line and column; out_of_range is a number
    // beyond double's range, such as 1e999999.
    throw JsonRefused("is not valid JSON: " + short_message(e));
  }
}

}  // namespace analytics::http
