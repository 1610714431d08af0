#include "request_body.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <new>
#include <nlohmann/json.hpp>

#include "common/errors/errors.hpp"
#include "common/http/json_body.hpp"
#include "common/text/entries.hpp"
#include "json_errors.hpp"

namespace analytics::gateway {
namespace {

/// Why `body` is not JSON, with the line and column where nlohmann's parser (iterative, and
/// told to keep nothing) stops; simdjson's reason when nlohmann accepts it (too deep, a number
/// simdjson cannot hold).
std::string why_not_json(std::string_view body, simdjson::error_code error) {
  try {
    auto nothing = nlohmann::json::parse(
        body, [](int, nlohmann::json::parse_event_t, nlohmann::json&) { return false; });
    (void)nothing;
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    size_t tag_end = what.find("] ");
    return tag_end == std::string::npos ? what : what.substr(tag_end + 2);
  }
  return describe_json_error(error);
}

/// The elements of a top-level array already known to be valid JSON: only strings (with their
/// escapes) and brackets matter for where one element ends.
template <typename OnElement>
void for_each_element(std::string_view array, OnElement on_element) {
  size_t depth = 0;
  size_t start = 1;
  bool in_string = false;
  for (size_t i = 1; i + 1 < array.size(); ++i) {
    char c = array[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      on_element(text::trim(array.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string_view last = text::trim(array.substr(start, array.size() - 1 - start));
  if (!last.empty()) on_element(last);
}

}  // namespace

std::optional<BodyFormat> format_of(std::string_view content_type) {
  std::string media = http::media_type(content_type);
  if (media == "application/json") return BodyFormat::kJson;
  if (media == "application/x-ndjson" || media == "application/ndjson" ||
      media == "application/jsonlines") {
    return BodyFormat::kNdjson;
  }
  return std::nullopt;
}

std::vector<RawRecord> split_records(std::string_view body, BodyFormat format, size_t max_events) {
  if (text::trim(body).empty()) throw errors::ClientError("empty_body", "request body is empty");
  std::vector<RawRecord> records;
  auto add = [&](std::string_view raw, size_t line) {
    if (records.size() >= max_events) {
      throw errors::ClientError(
          "too_many_events", "at most " + std::to_string(max_events) + " events per request", 413);
    }
    records.push_back(RawRecord{records.size(), line, raw});
  };

  if (format == BodyFormat::kJson) {
    // Checked whole, once, so a broken array is one clear 400 rather than odd records. A
    // parser per request: a thread-local one would keep the largest body's buffers forever.
    simdjson::dom::parser parser;
    if (parser.allocate(body.size(), kMaxJsonDepth + 1)) throw std::bad_alloc();  // + 1: the array
    simdjson::dom::element doc;
    if (auto error = parser.parse(body.data(), body.size()).get(doc)) {
      throw errors::ClientError("malformed_json",
                                "body is not valid JSON: " + why_not_json(body, error));
    }
    std::string_view text = text::trim(body);
    if (doc.is_array()) {
      for_each_element(text, [&](std::string_view element) { add(element, 0); });
    } else {
      add(text, 0);
    }
    return records;
  }

  size_t line_no = 0;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    ++line_no;
    std::string_view line = text::trim(body.substr(start, end - start));
    if (!line.empty()) add(line, line_no);
    start = end + 1;
  }
  return records;
}

}  // namespace analytics::gateway
