#include "common/http/bounded_json.hpp"

#include <set>
#include <string>
#include <vector>

namespace analytics::http {
namespace {

struct TooDeep {};
struct RepeatedKey {
  std::string key;
};

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
  // The keys seen so far in each object being parsed, innermost last: a key given twice in one
  // object is refused, since which value counts would otherwise depend on the parser (nlohmann
  // keeps the last one silently).
  std::vector<std::set<std::string>> open_objects;
  // `depth` counts the containers around the one that starts: 0 for the outermost.
  auto check = [max_depth, &open_objects](int depth, nlohmann::json::parse_event_t event,
                                          nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    bool opens = event == Event::object_start || event == Event::array_start;
    if (opens && static_cast<size_t>(depth) >= max_depth) throw TooDeep{};
    if (event == Event::object_start) open_objects.emplace_back();
    if (event == Event::object_end) open_objects.pop_back();
    if (event == Event::key && !open_objects.back().insert(parsed.get<std::string>()).second) {
      throw RepeatedKey{parsed.get<std::string>()};
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const TooDeep&) {
    throw JsonRefused("nests arrays and objects deeper than " + std::to_string(max_depth) +
                      " levels");
  } catch (const RepeatedKey& e) {
    constexpr size_t kMaxKey = 100;
    std::string key = nlohmann::json(e.key.substr(0, kMaxKey)).dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    throw JsonRefused("repeats the key " + key + (e.key.size() > kMaxKey ? "..." : "") +
                      " in one object; a key may appear only once");
  } catch (const nlohmann::json::exception& e) {
    // parse_error (syntax, invalid UTF-8) names line and column; out_of_range is a number
    // beyond double's range, such as 1e999999.
    throw JsonRefused("is not valid JSON: " + short_message(e));
  }
}

}  // namespace analytics::http
