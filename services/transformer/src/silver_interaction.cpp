#include "silver_interaction.hpp"

#include <nlohmann/json.hpp>

#include "json_fields.hpp"

namespace analytics::transformer {
namespace {

constexpr std::string_view kEventTypes[] = {"page_view",        "product_view", "search",
                                            "add_to_cart",      "remove_from_cart",
                                            "checkout_started", "purchase"};
constexpr std::string_view kPlatforms[] = {"WEB", "IOS", "ANDROID", "BACKEND"};
constexpr size_t kMaxIdLength = 64;

template <size_t N>
bool one_of(const std::string& v, const std::string_view (&allowed)[N]) {
  for (auto a : allowed) {
    if (v == a) return true;
  }
  return false;
}

MappedInteraction map_parsed(const nlohmann::json& doc, const PiiProtector& pii,
                             time::UnixMicros ingested_at, const EventTimeRules& rules) {
  SilverInteraction e;
  std::optional<std::string> user_id;
  for (auto [key, target] : {std::pair{"event_id", &e.event_id}, std::pair{"session_id", &e.session_id}}) {
    auto v = string_field(doc, key);
    if (!v || v->size() > kMaxIdLength) return schema_violation(key, "missing, empty or too long");
    *target = *v;
  }
  user_id = string_field(doc, "user_id");
  if (!user_id || user_id->size() > kMaxIdLength) {
    return schema_violation("user_id", "missing, empty or too long");
  }
  auto type = string_field(doc, "event_type");
  if (!type || !one_of(*type, kEventTypes)) return schema_violation("event_type", "not a known type");
  e.event_type = *type;
  auto platform = string_field(doc, "platform");
  if (!platform || !one_of(*platform, kPlatforms)) {
    return schema_violation("platform", "not WEB, IOS, ANDROID or BACKEND");
  }
  e.platform = *platform;

  auto occurred = timestamp_field(doc, "occurred_at");
  if (auto refused = refuse_event_time(occurred, ingested_at, rules)) return *refused;
  e.occurred_at = *occurred.value;

  e.product = string_field(doc, "product");
  e.category = string_field(doc, "category");
  // The schema's bounds, for producers that skip the gateway: product and category are keys of
  // the hourly cells, where an oversized value would fail every retry of its batch.
  if (e.product && e.product->size() > 200) return schema_violation("product", "longer than 200 bytes");
  if (e.category && e.category->size() > 100) {
    return schema_violation("category", "longer than 100 bytes");
  }
  e.search_query = string_field(doc, "search_query");
  if (e.search_query && e.search_query->size() > 500) {
    return schema_violation("search_query", "longer than 500 bytes");
  }
  e.quantity = quantity_field(doc);
  e.price_cents = price_cents_field(doc);
  bool purchase = e.event_type == "purchase";
  if (purchase && !e.price_cents) {
    return Quarantined{QuarantineReason::kMissingPrice, "purchase without a price"};
  }
  if (e.product || purchase) {
    // An event about a product (and a purchase) should say how many and at what price; the
    // documented default for a missing quantity is 1, as for orders.
    if (!e.quantity) {
      e.quantity = 1;
      e.dq_passed = false;
    }
    if (!e.price_cents) e.dq_passed = false;
  }
  if (purchase) e.revenue_cents = *e.price_cents * e.quantity.value_or(1);

  auto props = doc.find("properties");
  if (props != doc.end() && !props->is_null()) {
    if (!props->is_object()) return schema_violation("properties", "not an object");
    std::string json = props->dump();
    // jsonb cannot hold a NUL character (\u0000).
    if (json.find("\\u0000") != std::string::npos) {
      return schema_violation("properties", "contains a NUL character");
    }
    e.properties_json = std::move(json);
  }
  e.received_at = received_at_field(doc);
  e.user_hmac = pii.hmac_hex(*user_id);
  e.pii_key_version = pii.key_version();
  e.ingestion_lag_seconds = static_cast<double>(ingested_at - e.occurred_at) / 1e6;
  e.is_late_arrival = e.ingestion_lag_seconds > static_cast<double>(rules.late_after_seconds);
  return e;
}

}  // namespace

MappedInteraction map_interaction(std::string_view payload, const PiiProtector& pii,
                                  time::UnixMicros ingested_at, const EventTimeRules& rules) {
  return map_json_object<MappedInteraction>(
      payload, [&](const nlohmann::json& doc) { return map_parsed(doc, pii, ingested_at, rules); },
      [&](nlohmann::json& doc) { protect_personal_fields(doc, pii); });
}

}  // namespace analytics::transformer
