// The gateway's request-body splitter (services/ingest-gateway/src/request_body.*): every input
// is split both as a JSON body and as NDJSON. Beyond "does not crash", it checks that the
// records are trimmed, ordered views into the body that concatenate back to it: for JSON, the
// body minus the records is only `[`, `,`, `]` and whitespace and re-joining them gives the
// same document; for NDJSON, one record per non-blank line with its line number. The only
// exception allowed out is a ClientError with one of the documented codes.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors/errors.hpp"
#include "common/text/entries.hpp"
#include "fuzz/fuzz_check.hpp"
#include "request_body.hpp"

namespace {

using analytics::gateway::BodyFormat;
using analytics::gateway::RawRecord;

constexpr size_t kMaxEvents = 64;

using analytics::fuzz::require;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// Offsets of each record in `body`, checked to be an ordered, non-overlapping, trimmed view.
std::vector<size_t> offsets_in(std::string_view body, const std::vector<RawRecord>& records) {
  std::vector<size_t> offsets;
  size_t end_of_previous = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const RawRecord& r = records[i];
    require(r.index == i, "indexes count from 0");
    require(!r.raw.empty(), "no empty record");
    require(r.raw.data() >= body.data() && r.raw.data() + r.raw.size() <= body.data() + body.size(),
            "a record is a view into the body");
    size_t at = static_cast<size_t>(r.raw.data() - body.data());
    require(at >= end_of_previous, "records are in order and do not overlap");
    require(!is_space(r.raw.front()) && !is_space(r.raw.back()), "records are trimmed");
    offsets.push_back(at);
    end_of_previous = at + r.raw.size();
  }
  return offsets;
}

std::string minified(std::string_view json) {
  std::string out(json.size(), '\0');
  size_t length = 0;
  require(simdjson::minify(json.data(), json.size(), out.data(), length) == simdjson::SUCCESS,
          "valid JSON minifies");
  out.resize(length);
  return out;
}

void check_json(std::string_view body, const std::vector<RawRecord>& records) {
  std::vector<size_t> offsets = offsets_in(body, records);
  std::string_view text = analytics::text::trim(body);
  require(records.size() <= kMaxEvents, "at most max_events records");
  simdjson::dom::parser parser;
  for (const RawRecord& r : records) {
    require(r.line == 0, "JSON records have no line");
    simdjson::padded_string copy(r.raw);
    simdjson::dom::element element;
    require(parser.parse(copy).get(element) == simdjson::SUCCESS, "each record is valid JSON");
  }
  if (text.front() != '[') {
    require(records.size() == 1 && records[0].raw == text, "a non-array body is one record");
    return;
  }
  // Between and around the records: the array's brackets, one comma between two records, and
  // whitespace.
  size_t pos = static_cast<size_t>(text.data() - body.data());
  std::string joined = "[";
  for (size_t i = 0; i < records.size(); ++i) {
    std::string_view gap = body.substr(pos, offsets[i] - pos);
    size_t commas = 0, brackets = 0;
    for (char c : gap) {
      commas += c == ',';
      brackets += c == '[';
      require(c == ',' || c == '[' || is_space(c), "only separators between records");
    }
    require(i == 0 ? (brackets == 1 && commas == 0) : (brackets == 0 && commas == 1),
            "one separator between records");
    joined += (i == 0 ? "" : ",");
    joined += records[i].raw;
    pos = offsets[i] + records[i].raw.size();
  }
  joined += "]";
  require(minified(joined) == minified(text), "the records join back into the body");
}

void check_ndjson(std::string_view body, const std::vector<RawRecord>& records) {
  std::vector<size_t> offsets = offsets_in(body, records);
  size_t non_blank_lines = 0;
  for (std::string_view rest = body;;) {
    size_t end = rest.find('\n');
    if (!analytics::text::trim(rest.substr(0, end)).empty()) ++non_blank_lines;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  require(records.size() == non_blank_lines, "one record per non-blank line");
  size_t pos = 0, line = 1, previous_line = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    for (; pos < offsets[i]; ++pos) {
      require(is_space(body[pos]), "only whitespace between NDJSON records");
      line += body[pos] == '\n';
    }
    require(records[i].line == line, "line numbers count newlines");
    require(i == 0 || records[i].line > previous_line, "one record per line");
    require(records[i].raw.find('\n') == std::string_view::npos, "a record is within one line");
    previous_line = records[i].line;
    pos += records[i].raw.size();
  }
  for (; pos < body.size(); ++pos) require(is_space(body[pos]), "only whitespace after the last");
}

void split(std::string_view body, BodyFormat format) {
  std::vector<RawRecord> records;
  try {
    records = analytics::gateway::split_records(body, format, kMaxEvents);
  } catch (const analytics::errors::ClientError& e) {
    std::string_view code = e.code();
    require(code == "empty_body" || code == "too_many_events" ||
                (code == "malformed_json" && format == BodyFormat::kJson),
            "only the documented errors");
    require(code != "empty_body" || analytics::text::trim(body).empty(), "empty means blank");
    return;
  }
  require(!analytics::text::trim(body).empty(), "a blank body is refused");
  if (format == BodyFormat::kJson) {
    check_json(body, records);
  } else {
    check_ndjson(body, records);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  split(body, BodyFormat::kJson);
  split(body, BodyFormat::kNdjson);
  return 0;
}
