#pragma once

#include <cstddef>

#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "event_ingestor.hpp"

namespace analytics::gateway {

struct GatewayLimits {
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_events_per_request = 5000;
};

/// Registers POST /v1/events/{type} and the schema registry endpoints (GET /v1/schemas...).
/// Every referenced object must outlive the server.
void register_gateway_routes(http::Server& server, EventIngestor& ingestor,
                             const contracts::SchemaRegistry& schemas,
                             const contracts::TopicCatalog& topics, const GatewayLimits& limits);

}  // namespace analytics::gateway
