#include "ingest_response.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace analytics::gateway {
namespace {

template <typename Int>
void append_int(std::string& out, Int value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

/// Client-influenced text (field paths can hold a client's key names) goes through nlohmann's
/// escaping; the fixed words of this answer do not need it.
void append_string(std::string& out, const std::string& s) {
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_result(std::string& out, const RecordOutcome& r) {
  out += "{\"index\":";
  append_int(out, r.index);
  if (!r.delivered) {
    out += ",\"status\":\"failed\",\"error\":";
    append_string(out, r.kafka_error);
    out += '}';
    return;
  }
  out += r.accepted ? ",\"status\":\"accepted\"" : ",\"status\":\"rejected\"";
  out += ",\"schema_version\":";
  append_int(out, r.version);
  if (r.accepted) {
    out += ",\"partition\":";
    append_int(out, r.partition);
    out += ",\"offset\":";
    append_int(out, r.offset);
  } else {
    out += ",\"reason\":";
    append_string(out, r.reason);
    out += ",\"errors\":[";
    for (size_t i = 0; i < r.errors.size(); ++i) {
      if (i) out += ',';
      out += "{\"field\":";
      append_string(out, r.errors[i].field);
      out += ",\"message\":";
      append_string(out, r.errors[i].message);
      out += '}';
    }
    out += ']';
  }
  out += '}';
}

}  // namespace

std::string ingest_response_body(const std::string& request_id, const std::string& event_type,
                                 int version, const IngestOutcome& outcome,
                                 const std::string& error_object) {
  size_t failed = 0;
  for (const auto& r : outcome.records) failed += !r.delivered;
  std::string out;
  out.reserve(160 + outcome.records.size() * 80);
  out += '{';
  if (!error_object.empty()) {
    out += "\"error\":";
    out += error_object;
    out += ',';
  }
  out += "\"request_id\":";
  append_string(out, request_id);
  out += ",\"event_type\":";
  append_string(out, event_type);
  out += ",\"schema_version\":";
  append_int(out, version);
  out += ",\"accepted\":";
  append_int(out, outcome.accepted);
  out += ",\"rejected\":";
  append_int(out, outcome.rejected);
  out += ",\"failed\":";
  append_int(out, failed);
  out += ",\"results\":[";
  for (size_t i = 0; i < outcome.records.size(); ++i) {
    if (i) out += ',';
    append_result(out, outcome.records[i]);
  }
  out += "]}";
  return out;
}

}  // namespace analytics::gateway
