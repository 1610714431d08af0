#pragma once

#include <cstddef>

#include "common/auth/api_keys.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "event_ingestor.hpp"

namespace analytics::gateway {

struct GatewayLimits {
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_events_per_request = 5000;
  /// Ingest requests served at once; more get 503 at once. Kept below cpp-httplib's worker
  /// count (8) so that health checks are answered even when Kafka is slow.
  size_t max_inflight_requests = 6;
};

/// Registers POST /v1/events/{type}, the schema registry endpoints (GET /v1/schemas...) and
/// the Kafka readiness check. With `keys` not empty, posting events needs a key allowed for the
/// event type (401 without a valid key, 403 for a key scoped to other types); the registry,
/// health and metrics stay open (`keys` is copied). Every other referenced object must outlive
/// the server.
void register_gateway_routes(http::Server& server, EventIngestor& ingestor,
                             const contracts::SchemaRegistry& schemas,
                             const contracts::TopicCatalog& topics, const GatewayLimits& limits,
                             const auth::ApiKeys& keys);

}  // namespace analytics::gateway
