#pragma once

#include <string>

#include "common/auth/api_keys.hpp"
#include "common/http/http_server.hpp"
#include "load_jobs.hpp"

namespace analytics::eventgen {

/// Registers the load-mode endpoints: POST /v1/load starts a job (202 with its id),
/// GET /v1/load/{id} reports progress, DELETE /v1/load/{id} cancels it. Jobs always target
/// `gateway_url` (from configuration, never from the request). `defaults` fill unset options.
/// A non-empty body must be an application/json object of known fields. Load jobs are operator
/// actions: when `keys` holds any, every load endpoint needs a key allowed for the `load`
/// scope. `keys` must outlive the server.
void register_load_routes(http::Server& server, LoadJobs& jobs, const LoadOptions& defaults,
                          const auth::ApiKeys& keys);

}  // namespace analytics::eventgen
