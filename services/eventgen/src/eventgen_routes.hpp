#pragma once

#include "common/http/http_server.hpp"
#include "transaction_generator.hpp"

namespace analytics::eventgen {

/// Registers GET /v1/transactions. `defaults` are the dirt rates used when a request does not
/// set them. `server` and `registry` must outlive the routes.
void register_eventgen_routes(http::Server& server, metrics::Registry& registry,
                              const DirtRates& defaults);

}  // namespace analytics::eventgen
