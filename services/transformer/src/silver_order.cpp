#include "silver_order.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <nlohmann/json.hpp>

#include "json_fields.hpp"

namespace analytics::transformer {
namespace {

/// 8-4-4-4-12 hexadecimal digits: what the uuid column accepts.
bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
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
    case QuarantineReason::kImplausibleTimestamp:
      return "implausible_timestamp";
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
                       time::UnixMicros ingested_at, const EventTimeRules& rules) {
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
  // The schema's bounds, checked again for producers that skip the gateway: these values end up
  // in index keys (dimensions, KPI cells), where an oversized one would fail every retry.
  for (auto [key, target, max] :
       {std::tuple{"product", &o.product, 200}, std::tuple{"category", &o.category, 100},
        std::tuple{"region", &o.region, 50}, std::tuple{"status", &o.status, 50}}) {
    auto v = string_field(doc, key);
    if (!v) return schema_violation(key, "missing or empty");
    if (v->size() > static_cast<size_t>(max)) {
      return schema_violation(key, "longer than " + std::to_string(max) + " bytes");
    }
    *target = *v;
  }
  o.status = lower(o.status);

  auto ts = timestamp_field(doc, "timestamp");
  if (auto refused = refuse_event_time(ts, ingested_at, rules)) return *refused;
  o.order_ts = *ts.value;

  auto price = price_cents_field(doc);
  if (!price) return Quarantined{QuarantineReason::kMissingPrice, "price is absent"};
  o.price_cents = *price;

  if (auto qty = quantity_field(doc)) {
    o.quantity = *qty;
  } else {
    o.quantity = 1;
    o.quantity_defaulted = true;
    o.dq_passed = false;
  }
  o.revenue_cents = o.price_cents * o.quantity;

  if (auto name = string_field(doc, "customer_name")) {
    o.customer_name_masked = PiiProtector::mask_name(*name);
  }
  if (auto email = string_field(doc, "email")) o.email_hmac = pii.hmac_hex(lower(*email));
  o.pii_key_version = pii.key_version();
  o.received_at = received_at_field(doc);

  o.ingestion_lag_seconds = static_cast<double>(ingested_at - o.order_ts) / 1e6;
  o.is_late_arrival = o.ingestion_lag_seconds > static_cast<double>(rules.late_after_seconds);
  return o;
}

}  // namespace

MappedOrder map_transaction(std::string_view payload, const PiiProtector& pii,
                            time::UnixMicros ingested_at, const EventTimeRules& rules) {
  return map_json_object<MappedOrder>(
      payload, [&](const nlohmann::json& doc) { return map_parsed(doc, pii, ingested_at, rules); },
      [&](nlohmann::json& doc) { protect_personal_fields(doc, pii); });
}

}  // namespace analytics::transformer
