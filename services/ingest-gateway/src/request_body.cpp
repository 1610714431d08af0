#include "request_body.hpp"

#include <algorithm>
#include <cctype>

namespace analytics::gateway {
namespace {

std::string lower_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && std::isspace(static_cast<unsigned char>(media.back()))) {
    media.remove_suffix(1);
  }
  std::string out(media);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

/// nlohmann's message without its "[json.exception.parse_error.101] " tag; it already says
/// "parse error at line L, column C: ...".
std::string describe(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  size_t tag_end = what.find("] ");
  return tag_end == std::string::npos ? what : what.substr(tag_end + 2);
}

}  // namespace

std::optional<BodyFormat> format_of(std::string_view content_type) {
  std::string media = lower_media_type(content_type);
  if (media == "application/json") return BodyFormat::kJson;
  if (media == "application/x-ndjson" || media == "application/ndjson" ||
      media == "application/jsonlines") {
    return BodyFormat::kNdjson;
  }
  return std::nullopt;
}

std::vector<RawRecord> split_records(std::string_view body, BodyFormat format, size_t max_events) {
  if (blank(body)) throw BodyError{"empty_body", "request body is empty"};
  std::vector<RawRecord> records;
  auto add = [&](RawRecord r) {
    if (records.size() >= max_events) {
      throw BodyError{"too_many_events",
                      "at most " + std::to_string(max_events) + " events per request"};
    }
    r.index = records.size();
    records.push_back(std::move(r));
  };

  if (format == BodyFormat::kJson) {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
      throw BodyError{"malformed_json", "body is not valid JSON: " + describe(e)};
    }
    if (doc.is_array()) {
      for (auto& element : doc) add(RawRecord{0, 0, element.dump(), std::move(element), ""});
    } else {
      add(RawRecord{0, 0, std::string(body), std::move(doc), ""});
    }
    return records;
  }

  size_t line_no = 0;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!blank(line)) {
      RawRecord r;
      r.line = line_no;
      r.raw = std::string(line);
      auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded()) {
        r.parse_error = "line " + std::to_string(line_no) + " is not valid JSON";
      } else {
        r.doc = std::move(doc);
      }
      add(std::move(r));
    }
    start = end + 1;
  }
  return records;
}

}  // namespace analytics::gateway
