#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/time/iso8601.hpp"
#include "pii.hpp"
#include "silver_order.hpp"

namespace analytics::transformer {

/// A typed, PII-safe clickstream event as stored in silver.interactions.
struct SilverInteraction {
  std::string event_id, event_type;
  std::string user_hmac;  // HMAC-SHA-256 of user_id
  std::string session_id, platform;
  time::UnixMicros occurred_at = 0;
  std::optional<std::string> product, category, search_query;
  std::optional<int32_t> quantity;
  std::optional<int64_t> price_cents;
  std::optional<int64_t> revenue_cents;  // purchases: price x quantity
  std::optional<std::string> properties_json;  // the `properties` object, as sent
  std::optional<time::UnixMicros> received_at;  // set by the gateway
  double ingestion_lag_seconds = 0;
  bool is_late_arrival = false;
  bool dq_passed = true;  // false when a value had to be defaulted or is missing
  int32_t pii_key_version = 1;  // the HMAC key version of user_hmac
};

using MappedInteraction = std::variant<SilverInteraction, Quarantined>;

/// Silver rules for one user.interaction record (docs/architecture.md): required fields and
/// their types checked again (schema_violation); occurred_at not ISO-8601 -> quarantine
/// malformed_timestamp, outside `rules`' window -> implausible_timestamp; a purchase without a price -> missing_price (its revenue cannot be
/// known); an event carrying a product without quantity gets 1, without price keeps none
/// (dq_passed false either way); user_id becomes a keyed HMAC. Lag is measured from the
/// event time, so an offline app's events arriving hours later are late arrivals.
MappedInteraction map_interaction(std::string_view payload, const PiiProtector& pii,
                                  time::UnixMicros ingested_at, const EventTimeRules& rules);

}  // namespace analytics::transformer
