#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/time/iso8601.hpp"
#include "pii.hpp"

namespace analytics::transformer {

/// Why silver refused a record. The string form is stored in silver.quarantine.
enum class QuarantineReason {
  kMalformedJson,       // payload is not a JSON object
  kSchemaViolation,     // a required field is missing or has the wrong type
  kMalformedTimestamp,  // timestamp is not ISO-8601
  kImplausibleTimestamp,  // timestamp outside EventTimeRules' window (year 0001, next year...)
  kMissingPrice,        // price absent: revenue cannot be computed
  kWarehouseRejected,   // PostgreSQL refused the typed row (a value silver's checks missed)
};

std::string_view to_string(QuarantineReason reason);

struct Quarantined {
  QuarantineReason reason;
  std::string detail;
  /// The record as JSON with its personal fields replaced by their protected forms (as silver
  /// stores them), when it was a JSON object. The raw record stays in bronze only; the
  /// quarantine row points at it by topic, partition and offset.
  std::optional<std::string> safe_payload = std::nullopt;
};

/// A typed, normalised, PII-safe order as stored in silver.orders.
struct SilverOrder {
  std::string order_id;
  int32_t customer_id = 0;
  std::optional<std::string> customer_name_masked;
  std::optional<std::string> email_hmac;
  std::string product, category, region, status;
  int32_t quantity = 1;
  bool quantity_defaulted = false;  // quantity was absent; documented default is 1
  int64_t price_cents = 0;
  int64_t revenue_cents = 0;
  time::UnixMicros order_ts = 0;
  std::optional<time::UnixMicros> received_at;  // set by the gateway
  double ingestion_lag_seconds = 0;
  bool is_late_arrival = false;
  bool dq_passed = true;  // false when a value had to be repaired (defaulted)
  int32_t pii_key_version = 1;  // the HMAC key version of email_hmac
};

using MappedOrder = std::variant<SilverOrder, Quarantined>;

/// What silver accepts as an event time, relative to when the transformer read the record, and
/// when an accepted one is late.
struct EventTimeRules {
  int64_t late_after_seconds = 86400;  // ingestion lag above which an event is late
  time::UnixMicros earliest = 946684800LL * 1000000;  // 2000-01-01T00:00:00Z
  int64_t max_ahead_seconds = 86400;  // clocks run ahead; a day more is not a clock
};

/// Silver rules for one commerce.transaction record (see docs/architecture.md):
/// unparseable timestamp -> quarantine malformed_timestamp, one outside `rules`' window ->
/// implausible_timestamp; absent price -> missing_price;
/// absent quantity -> 1 (quantity_defaulted); strings trimmed, status lower-cased; e-mail
/// lower-cased then HMAC'd; name masked to its initial. `ingested_at` is when the transformer
/// read it; lag above `rules.late_after_seconds` marks a late arrival.
MappedOrder map_transaction(std::string_view payload, const PiiProtector& pii,
                            time::UnixMicros ingested_at, const EventTimeRules& rules);

/// Cents as a decimal string: 12345 -> "123.45", -5 -> "-0.05".
std::string format_cents(int64_t cents);

}  // namespace analytics::transformer
