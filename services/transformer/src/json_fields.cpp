#include "json_fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace analytics::transformer {
namespace {

constexpr double kMaxPrice = 1000000;

}  // namespace

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<std::string> string_field(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  const auto& raw = it->get_ref<const std::string&>();
  if (raw.find('\0') != std::string::npos) throw FieldViolation{key, "contains a NUL character"};
  std::string v = trim(raw);
  if (v.empty()) return std::nullopt;
  return v;
}

std::optional<int32_t> quantity_field(const nlohmann::json& doc) {
  auto it = doc.find("quantity");
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 100000) {
    throw FieldViolation{"quantity", "not an integer in 1..100000"};
  }
  return static_cast<int32_t>(it->get<int64_t>());
}

std::optional<int64_t> price_cents_field(const nlohmann::json& doc) {
  auto it = doc.find("price");
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= kMaxPrice)) {
    throw FieldViolation{"price", "not a number in 0..1000000"};
  }
  return std::llround(it->get<double>() * 100.0);
}

std::optional<time::UnixMicros> received_at_field(const nlohmann::json& doc) {
  auto received = string_field(doc, "received_at");
  return received ? time::parse_iso8601(*received) : std::nullopt;
}

TimestampField timestamp_field(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  TimestampField f;
  f.text = it == doc.end() ? "" : it->is_string() ? it->get<std::string>() : it->dump();
  f.value = time::parse_iso8601(trim(f.text));
  return f;
}

namespace {

void protect_recursively(nlohmann::json& node, const PiiProtector& pii) {
  if (node.is_array()) {
    for (auto& item : node) protect_recursively(item, pii);
    return;
  }
  if (!node.is_object()) return;
  struct Replacement {
    std::string field, protected_field, value;  // protected_field empty: only dropped
  };
  std::vector<Replacement> replacements;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = lower(it.key());
    if (key != "email" && key != "customer_name" && key != "user_id") {
      protect_recursively(it.value(), pii);
      continue;
    }
    std::string value = it->is_string() ? trim(it->get<std::string>()) : "";
    if (value.empty()) {
      replacements.push_back({it.key(), "", ""});
    } else if (key == "email") {
      replacements.push_back({it.key(), "email_hmac", pii.hmac_hex(lower(value))});
    } else if (key == "customer_name") {
      replacements.push_back({it.key(), "customer_name_masked", PiiProtector::mask_name(value)});
    } else {
      replacements.push_back({it.key(), "user_hmac", pii.hmac_hex(value)});
    }
  }
  for (const auto& r : replacements) {
    node.erase(r.field);
    if (!r.protected_field.empty()) node[r.protected_field] = r.value;
  }
}

}  // namespace

void protect_personal_fields(nlohmann::json& doc, const PiiProtector& pii) {
  protect_recursively(doc, pii);
  doc["_pii_key_version"] = pii.key_version();
}

std::string storable_json(const nlohmann::json& doc) {
  std::string out = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (size_t at = 0; (at = out.find("\\u0000", at)) != std::string::npos; at += 6) {
    out.replace(at, 6, "\\ufffd");
  }
  return out;
}

Quarantined schema_violation(const std::string& field, const std::string& why) {
  return {QuarantineReason::kSchemaViolation, field + ": " + why};
}

std::optional<Quarantined> refuse_event_time(const TimestampField& field,
                                             time::UnixMicros ingested_at,
                                             const EventTimeRules& rules) {
  const std::string shown = "timestamp '" + field.text.substr(0, 64) + "'";
  if (!field.value) return Quarantined{QuarantineReason::kMalformedTimestamp, shown + " is not ISO-8601"};
  if (*field.value < rules.earliest) {
    return Quarantined{QuarantineReason::kImplausibleTimestamp,
                       shown + " is before " + time::format_iso8601(rules.earliest)};
  }
  if (*field.value > ingested_at + rules.max_ahead_seconds * 1000000) {
    return Quarantined{QuarantineReason::kImplausibleTimestamp,
                       shown + " is more than " + std::to_string(rules.max_ahead_seconds) +
                           " s ahead of its ingestion"};
  }
  return std::nullopt;
}

}  // namespace analytics::transformer
