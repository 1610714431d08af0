#include "silver_order.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

namespace analytics::transformer {
namespace {

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

/// A field whose value PostgreSQL cannot store (text never holds NUL). Caught in
/// map_transaction and quarantined, so one such record cannot wedge the pipeline.
struct UnstorableField {
  std::string field;
};

/// A non-empty string field (trimmed), or nullopt. Throws UnstorableField for a NUL character.
std::optional<std::string> string_field(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  const auto& raw = it->get_ref<const std::string&>();
  if (raw.find('\0') != std::string::npos) throw UnstorableField{key};
  std::string v = trim(raw);
  if (v.empty()) return std::nullopt;
  return v;
}

constexpr double kMaxPrice = 1000000;

/// 8-4-4-4-12 hexadecimal digits: what the uuid column accepts.
bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

Quarantined schema_violation(const std::string& field, const std::string& why) {
  return {QuarantineReason::kSchemaViolation, field + ": " + why};
}

}  // namespace

std::string_view to_string(QuarantineReason reason) {
  switch (reason) {
    case QuarantineReason::kMalformedJson:
      return "malformed_json";
    case QuarantineReason::kSchemaViolation:
      return "schema_violation";
    case QuarantineReason::kMalformedTimestamp:
      return "malformed_timestamp";
    case QuarantineReason::kMissingPrice:
      return "missing_price";
    case QuarantineReason::kWarehouseRejected:
      return "warehouse_rejected";
  }
  return "unknown";
}

std::string format_cents(int64_t cents) {
  std::string sign = cents < 0 ? "-" : "";
  int64_t a = cents < 0 ? -cents : cents;
  std::string frac = std::to_string(a % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return sign + std::to_string(a / 100) + "." + frac;
}

namespace {

MappedOrder map_parsed(const nlohmann::json& doc, const PiiProtector& pii,
                       time::UnixMicros ingested_at, int64_t late_after_seconds) {
  SilverOrder o;
  // The gateway validated the schema, but the topic may be written by other producers:
  // check again what silver depends on.
  auto order_id = string_field(doc, "order_id");
  if (!order_id || !is_uuid(*order_id)) return schema_violation("order_id", "not a UUID");
  o.order_id = lower(*order_id);
  auto cid = doc.find("customer_id");
  if (cid == doc.end() || !cid->is_number_integer() || cid->get<int64_t>() < 1 ||
      cid->get<int64_t>() > INT32_MAX) {
    return schema_violation("customer_id", "not a positive integer");
  }
  o.customer_id = static_cast<int32_t>(cid->get<int64_t>());
  for (auto [key, target] : {std::pair{"product", &o.product}, std::pair{"category", &o.category},
                             std::pair{"region", &o.region}, std::pair{"status", &o.status}}) {
    auto v = string_field(doc, key);
    if (!v) return schema_violation(key, "missing or empty");
    *target = *v;
  }
  o.status = lower(o.status);

  auto ts_field = doc.find("timestamp");
  std::string ts_text = ts_field == doc.end()   ? ""
                        : ts_field->is_string() ? ts_field->get<std::string>()
                                                : ts_field->dump();
  auto ts = time::parse_iso8601(trim(ts_text));
  if (!ts) {
    return Quarantined{QuarantineReason::kMalformedTimestamp,
                       "timestamp '" + ts_text.substr(0, 64) + "' is not ISO-8601"};
  }
  o.order_ts = *ts;

  auto price = doc.find("price");
  if (price == doc.end() || price->is_null()) {
    return Quarantined{QuarantineReason::kMissingPrice, "price is absent"};
  }
  // The same bound as the schema: it also keeps revenue inside numeric(14,2).
  if (!price->is_number() || !(price->get<double>() >= 0 && price->get<double>() <= kMaxPrice)) {
    return schema_violation("price", "not a number in 0..1000000");
  }
  o.price_cents = std::llround(price->get<double>() * 100.0);

  auto qty = doc.find("quantity");
  if (qty == doc.end() || qty->is_null()) {
    o.quantity = 1;
    o.quantity_defaulted = true;
    o.dq_passed = false;
  } else if (!qty->is_number_integer() || qty->get<int64_t>() < 1 || qty->get<int64_t>() > 100000) {
    return schema_violation("quantity", "not an integer in 1..100000");
  } else {
    o.quantity = static_cast<int32_t>(qty->get<int64_t>());
  }
  o.revenue_cents = o.price_cents * o.quantity;

  if (auto name = string_field(doc, "customer_name")) {
    o.customer_name_masked = PiiProtector::mask_name(*name);
  }
  if (auto email = string_field(doc, "email")) o.email_hmac = pii.hmac_hex(lower(*email));
  if (auto received = string_field(doc, "received_at"))
    o.received_at = time::parse_iso8601(*received);

  o.ingestion_lag_seconds = static_cast<double>(ingested_at - o.order_ts) / 1e6;
  o.is_late_arrival = o.ingestion_lag_seconds > static_cast<double>(late_after_seconds);
  return o;
}

}  // namespace

MappedOrder map_transaction(std::string_view payload, const PiiProtector& pii,
                            time::UnixMicros ingested_at, int64_t late_after_seconds) {
  auto doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Quarantined{QuarantineReason::kMalformedJson, "payload is not a JSON object"};
  }
  try {
    return map_parsed(doc, pii, ingested_at, late_after_seconds);
  } catch (const UnstorableField& e) {
    return schema_violation(e.field, "contains a NUL character");
  }
}

}  // namespace analytics::transformer
