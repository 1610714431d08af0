#include "load_routes.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/http/api_key_check.hpp"
#include "common/http/json_body.hpp"

namespace analytics::eventgen {
namespace {

constexpr const char* kJobPath = "/v1/load/([0-9a-f-]{36})";

LoadOptions options_from(const httplib::Request& req, const LoadOptions& defaults) {
  if (!req.body.empty()) http::require_json_content_type(req.get_header_value("Content-Type"));
  auto body = req.body.empty() ? nlohmann::json::object() : http::parse_json_body(req.body);
  if (!body.is_object()) {
    throw http::ApiError(400, "malformed_json", "request body must be a JSON object");
  }
  static const std::set<std::string> kKnown = {
      "event_type",     "rate",     "duration_seconds",         "count",
      "batch_size",     "seed",     "malformed_timestamp_rate", "missing_field_rate",
      "duplicate_rate", "late_rate"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.count(key)) {
      throw http::ApiError(400, "invalid_parameter", "field '" + key + "' is not supported", {key});
    }
  }
  LoadOptions o = defaults;
  const std::string bad = "invalid_parameter";
  o.event_type = http::field_or(body, "event_type", o.event_type, bad);
  o.rate = http::field_or(body, "rate", o.rate, bad);
  o.duration_seconds = http::field_or(body, "duration_seconds", o.duration_seconds, bad);
  o.count = http::field_or(body, "count", o.count, bad);
  o.batch_size = http::field_or(body, "batch_size", o.batch_size, bad);
  if (body.contains("seed")) o.seed = http::required_field<uint64_t>(body, "seed", bad);
  o.rates.malformed_timestamp =
      http::field_or(body, "malformed_timestamp_rate", o.rates.malformed_timestamp, bad);
  o.rates.missing_field = http::field_or(body, "missing_field_rate", o.rates.missing_field, bad);
  o.rates.duplicate_id = http::field_or(body, "duplicate_rate", o.rates.duplicate_id, bad);
  o.late_rate = http::field_or(body, "late_rate", o.late_rate, bad);
  for (double r :
       {o.rates.malformed_timestamp, o.rates.missing_field, o.rates.duplicate_id, o.late_rate}) {
    if (!(r >= 0 && r <= 1)) throw errors::ClientError(bad, "rates must be in 0..1");
  }
  validate(o);
  return o;
}

}  // namespace

void register_load_routes(http::Server& server, LoadJobs& jobs, const LoadOptions& defaults,
                          const auth::ApiKeys& keys) {
  auto require_key = [&keys](const httplib::Request& req, const char* action) {
    http::require_api_key(keys, req, "load", action);
  };
  server.post("/v1/load", [&jobs, defaults, require_key](const httplib::Request& req,
                                                         httplib::Response& res) {
    require_key(req, "start load jobs");
    LoadOptions options = options_from(req, defaults);
    std::string id = jobs.start(options);
    res.status = 202;
    res.set_header("Location", "/v1/load/" + id);
    res.set_content(nlohmann::json{{"job_id", id},
                                   {"status_url", "/v1/load/" + id},
                                   {"gateway_url", options.gateway_url},
                                   {"event_type", canonical_event_type(options.event_type)}}
                        .dump(),
                    "application/json");
  });

  server.get(kJobPath, [&jobs, require_key](const httplib::Request& req, httplib::Response& res) {
    require_key(req, "read load jobs");
    auto status = jobs.status(req.matches[1]);
    if (!status) throw http::ApiError(404, "unknown_job", "no load job " + req.matches[1].str());
    res.set_content(*status, "application/json");
  });

  server.del(kJobPath, [&jobs, require_key](const httplib::Request& req, httplib::Response& res) {
    require_key(req, "cancel load jobs");
    if (!jobs.cancel(req.matches[1])) {
      throw http::ApiError(404, "unknown_job", "no load job " + req.matches[1].str());
    }
    res.status = 202;
    res.set_content(nlohmann::json{{"job_id", req.matches[1].str()}, {"cancelling", true}}.dump(),
                    "application/json");
  });
}

}  // namespace analytics::eventgen
