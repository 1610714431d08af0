#pragma once

#include <string>

#include "common/http/http_server.hpp"
#include "load_jobs.hpp"

namespace analytics::eventgen {

/// Registers the load-mode endpoints: POST /v1/load starts a job (202 with its id),
/// GET /v1/load/{id} reports progress, DELETE /v1/load/{id} cancels it. Jobs always target
/// `gateway_url` (from configuration, never from the request). `defaults` fill unset options.
void register_load_routes(http::Server& server, LoadJobs& jobs, const LoadOptions& defaults);

}  // namespace analytics::eventgen
