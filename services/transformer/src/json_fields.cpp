#include "json_fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <vector>

namespace analytics::transformer {
namespace {

constexpr double kMaxPrice = 1000000;

/// Stops the fast parse; http::parse_bounded_json then says why, in its own words.
struct Refused {};

/// Names the first key repeated in one object of a valid JSON text, as a dotted path of the
/// objects around it (array positions are skipped, as the gateway names them).
class RepeatedKeyFinder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::optional<std::string> found;

  bool key(string_t& name) override {
    Level& here = levels_.back();
    if (!here.keys.insert(name).second) {
      found = path_to(name);
      return false;  // done: stop reading
    }
    here.current = name;
    return true;
  }
  bool start_object(std::size_t) override {
    levels_.push_back({true, {}, {}});
    return true;
  }
  bool start_array(std::size_t) override {
    levels_.push_back({false, {}, {}});
    return true;
  }
  bool end_object() override { return pop(); }
  bool end_array() override { return pop(); }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct Level {
    bool object;
    std::set<std::string> keys;
    std::string current;  // the key whose value is being read
  };

  bool pop() {
    levels_.pop_back();
    return true;
  }
  std::string path_to(const std::string& name) const {
    std::string path;
    for (size_t i = 0; i + 1 < levels_.size(); ++i) {
      if (levels_[i].object) path += levels_[i].current + ".";
    }
    return path + name;
  }

  std::vector<Level> levels_;
};

}  // namespace

ParsedRecord parse_record_json(std::string_view payload) {
  std::vector<size_t> keys_read;  // per open object
  bool repeated = false;
  auto watch = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
        keys_read.push_back(0);
        [[fallthrough]];
      case Event::array_start:
        // `depth` counts the containers around the one that starts (http::parse_bounded_json).
        if (static_cast<size_t>(depth) >= http::kDefaultMaxJsonDepth) throw Refused{};
        break;
      case Event::key:
        ++keys_read.back();
        break;
      case Event::object_end:
        // nlohmann stores a repeated key once (its last value): fewer members than keys read.
        if (parsed.size() != keys_read.back()) repeated = true;
        keys_read.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  ParsedRecord out;
  try {
    out.doc = nlohmann::json::parse(payload, watch);
  } catch (const Refused&) {
    http::parse_bounded_json(payload);  // throws JsonRefused, worded in one place
    throw http::JsonRefused("is not valid JSON");
  } catch (const nlohmann::json::exception&) {
    http::parse_bounded_json(payload);
    throw http::JsonRefused("is not valid JSON");
  }
  if (repeated) {
    RepeatedKeyFinder finder;
    nlohmann::json::sax_parse(payload, &finder);
    out.repeated_key = finder.found.value_or("(a key)");
  }
  return out;
}

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
