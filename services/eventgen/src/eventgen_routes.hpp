#pragma once

#include <cstdint>
#include <string>

#include "batch_format.hpp"
#include "common/http/http_server.hpp"
#include "transaction_generator.hpp"

namespace analytics::eventgen {

/// A batch request's parameters after validation.
struct BatchRequest {
  size_t count = 100;
  uint64_t seed = 0;  // random when the request has no seed=
  BatchFormat format = BatchFormat::kJsonArray;
  time::UnixMicros anchor = 0;
  DirtRates rates;
  double late_rate = 0;
};

/// Reads count (1..5000, default 100), seed, format (json|ndjson), as_of and the dirt rates
/// (and late_rate for interactions). Throws http::ApiError 400 naming the parameter for a bad
/// or unknown one — never clamps silently.
BatchRequest parse_batch_request(const httplib::Request& req, const DirtRates& defaults,
                                 double default_late_rate, bool interactions);

/// gzip (RFC 1952) of `data`.
std::string gzip(const std::string& data);

/// Registers GET /v1/transactions and GET /v1/interactions. `defaults` and
/// `default_late_rate` apply when a request does not set them; `registry` must outlive the
/// server.
void register_eventgen_routes(http::Server& server, metrics::Registry& registry,
                              const DirtRates& defaults, double default_late_rate = 0.03);

}  // namespace analytics::eventgen
