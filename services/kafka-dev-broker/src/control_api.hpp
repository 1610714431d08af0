#pragma once

#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "mock_cluster.hpp"

namespace analytics::dev_broker {

/// Registers the broker's control endpoints (cluster info, topic creation, fault injection) on
/// `server`. `cluster` and `catalog` must outlive the server.
void register_control_api(http::Server& server, MockCluster& cluster,
                          const contracts::TopicCatalog& catalog);

}  // namespace analytics::dev_broker
