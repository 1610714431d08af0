#pragma once

#include "common/auth/api_keys.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "mock_cluster.hpp"

namespace analytics::dev_broker {

/// Registers the broker's control endpoints (cluster info, topic creation, fault injection) on
/// `server`. Every endpoint that changes the cluster needs an API key allowed for the `control`
/// scope when `keys` holds any. `cluster`, `catalog` and `keys` must outlive the server.
void register_control_api(http::Server& server, MockCluster& cluster,
                          const contracts::TopicCatalog& catalog, const auth::ApiKeys& keys);

}  // namespace analytics::dev_broker
