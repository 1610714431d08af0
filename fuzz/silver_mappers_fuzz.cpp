// The silver mappers (services/transformer/src/silver_order.*, silver_interaction.*), reached
// through map_record as the transformer's consume loop and replay reach them: every input is
// one raw Kafka record, mapped as a commerce.transaction and as a user.interaction. A typed row
// must hold what the warehouse columns take (bounds, storable UTF-8, revenue = price x quantity,
// an event time inside the plausibility window); a quarantine entry's PII-safe payload must be
// storable JSON with no personal field left at any depth.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "common/text/encoding.hpp"
#include "common/time/iso8601.hpp"
#include "fuzz/fuzz_check.hpp"
#include "record_mappers.hpp"

namespace {

using namespace analytics::transformer;

using analytics::fuzz::require;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// A value for a text column: valid UTF-8 without NUL, 1..max bytes, trimmed.
void check_text(const std::string& v, size_t max, const std::string& field) {
  require(!v.empty() && v.size() <= max, field + " within its length");
  require(analytics::text::is_storable_utf8(v), field + " is storable UTF-8");
  require(!is_space(v.front()) && !is_space(v.back()), field + " is trimmed");
}

void check_digest(const std::string& hex, const std::string& field) {
  require(
      hex.size() == 64 && std::all_of(hex.begin(), hex.end(),
                                      [](char c) { return std::isxdigit(c) && !std::isupper(c); }),
      field + " is a lower-case HMAC-SHA-256");
}

bool has_personal_field(const nlohmann::json& node) {
  if (node.is_array()) return std::any_of(node.begin(), node.end(), has_personal_field);
  if (!node.is_object()) return false;
  for (const auto& [key, value] : node.items()) {
    std::string k = key;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    if (k == "email" || k == "customer_name" || k == "user_id") return true;
    if (has_personal_field(value)) return true;
  }
  return false;
}

void check(const Quarantined& q) {
  require(!q.detail.empty(), "a quarantine entry says why");
  if (!q.safe_payload) {
    require(q.reason == QuarantineReason::kMalformedJson, "only a non-object has no safe payload");
    return;
  }
  require(analytics::text::is_storable_utf8(*q.safe_payload), "the safe payload is storable");
  auto safe = nlohmann::json::parse(*q.safe_payload, nullptr, false);
  require(safe.is_object(), "the safe payload is a JSON object");
  require(safe.contains("_pii_key_version"), "the safe payload names its key version");
  require(!has_personal_field(safe), "no personal field is left in the safe payload");
}

void check_time(analytics::time::UnixMicros t, analytics::time::UnixMicros ingested_at,
                const EventTimeRules& rules, double lag, bool late) {
  require(t >= rules.earliest && t <= ingested_at + rules.max_ahead_seconds * 1000000,
          "the event time is inside the plausibility window");
  require(lag == static_cast<double>(ingested_at - t) / 1e6, "lag from the event time");
  require(late == (lag > static_cast<double>(rules.late_after_seconds)), "late after the limit");
}

void check(const SilverOrder& o, analytics::time::UnixMicros ingested_at,
           const EventTimeRules& rules) {
  require(o.order_id.size() == 36 && std::none_of(o.order_id.begin(), o.order_id.end(),
                                                  [](char c) { return std::isupper(c); }),
          "order_id is a lower-case UUID");
  require(o.customer_id >= 1, "customer_id is positive");
  check_text(o.product, 200, "product");
  check_text(o.category, 100, "category");
  check_text(o.region, 50, "region");
  check_text(o.status, 50, "status");
  require(std::none_of(o.status.begin(), o.status.end(), [](char c) { return std::isupper(c); }),
          "status is lower-case");
  require(o.quantity >= 1 && o.quantity <= 100000, "quantity in 1..100000");
  require(!o.quantity_defaulted || (o.quantity == 1 && !o.dq_passed), "a default is 1, flagged");
  require(o.price_cents >= 0 && o.price_cents <= 100000000, "price in 0..1,000,000");
  require(o.revenue_cents == o.price_cents * o.quantity, "revenue = price x quantity");
  if (o.email_hmac) check_digest(*o.email_hmac, "email_hmac");
  if (o.customer_name_masked) {
    require(analytics::text::is_storable_utf8(*o.customer_name_masked), "the mask is storable");
  }
  check_time(o.order_ts, ingested_at, rules, o.ingestion_lag_seconds, o.is_late_arrival);
}

void check(const SilverInteraction& e, analytics::time::UnixMicros ingested_at,
           const EventTimeRules& rules) {
  check_text(e.event_id, 64, "event_id");
  check_text(e.session_id, 64, "session_id");
  check_digest(e.user_hmac, "user_hmac");
  if (e.product) check_text(*e.product, 200, "product");
  if (e.category) check_text(*e.category, 100, "category");
  if (e.search_query) check_text(*e.search_query, 500, "search_query");
  if (e.quantity) require(*e.quantity >= 1 && *e.quantity <= 100000, "quantity in 1..100000");
  if (e.price_cents) {
    require(*e.price_cents >= 0 && *e.price_cents <= 100000000, "price in 0..1,000,000");
  }
  bool purchase = e.event_type == "purchase";
  require(e.revenue_cents.has_value() == purchase, "revenue for purchases only");
  if (purchase) {
    require(e.price_cents && e.quantity && *e.revenue_cents == *e.price_cents * *e.quantity,
            "revenue = price x quantity");
  }
  if (e.properties_json) {
    require(analytics::text::is_storable_utf8(*e.properties_json), "properties are storable");
    require(e.properties_json->find("\\u0000") == std::string::npos, "jsonb takes no NUL");
    require(nlohmann::json::parse(*e.properties_json, nullptr, false).is_object(),
            "properties are a JSON object");
  }
  check_time(e.occurred_at, ingested_at, rules, e.ingestion_lag_seconds, e.is_late_arrival);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const PiiProtector pii("fuzzing-key-0123456789abcdef", 3);
  static const EventTimeRules rules;
  static const analytics::time::UnixMicros ingested_at =
      *analytics::time::parse_iso8601("2026-04-18T12:00:00Z");
  const MappingContext context{pii, ingested_at, rules};

  for (const char* type : {"commerce.transaction", "user.interaction"}) {
    SourceRecord source;
    source.topic = std::string("events.") + type;
    source.payload.assign(reinterpret_cast<const char*>(data), size);
    BatchRecord record = map_record(std::move(source), type, context);
    require(!std::holds_alternative<std::monostate>(record.mapped), "silver maps both types");
    if (auto* q = std::get_if<Quarantined>(&record.mapped)) {
      check(*q);
    } else if (auto* o = std::get_if<SilverOrder>(&record.mapped)) {
      require(record.event_type == "commerce.transaction", "orders from transactions");
      require(o->pii_key_version == 3, "the key version is stored");
      check(*o, ingested_at, rules);
    } else if (auto* e = std::get_if<SilverInteraction>(&record.mapped)) {
      require(record.event_type == "user.interaction", "interactions from interactions");
      require(e->pii_key_version == 3, "the key version is stored");
      check(*e, ingested_at, rules);
    }
  }
  return 0;
}
