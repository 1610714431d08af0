#include "control_api.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/errors/errors.hpp"
#include "common/http/api_key_check.hpp"
#include "common/http/json_body.hpp"

namespace analytics::dev_broker {
namespace {

nlohmann::json parse_body(const httplib::Request& req) {
  http::require_json_content_type(req.get_header_value("Content-Type"));
  auto body = http::parse_json_body(req.body);
  if (!body.is_object()) {
    throw http::ApiError(400, "malformed_json", "request body must be a JSON object");
  }
  return body;
}

/// A number from the path (the route's regex allows digits only); too large is the client's.
int path_number(const std::string& digits) {
  int value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    throw errors::ClientError("invalid_argument", "'" + digits + "' is out of range");
  }
  return value;
}

void reply_json(httplib::Response& res, const nlohmann::json& body) {
  res.set_content(body.dump(), "application/json");
}

/// `handler`, run only for a request carrying an API key allowed for the `control` scope (when
/// keys are configured): what changes the cluster is an operator action.
http::Server::Handler operator_only(const auth::ApiKeys& keys, http::Server::Handler handler) {
  return [&keys, handler = std::move(handler)](const httplib::Request& req,
                                               httplib::Response& res) {
    http::require_api_key(keys, req, "control", "change the dev broker");
    handler(req, res);
  };
}

}  // namespace

void register_control_api(http::Server& server, MockCluster& cluster,
                          const contracts::TopicCatalog& catalog, const auth::ApiKeys& keys) {
  server.get("/v1/cluster", [&cluster](const httplib::Request&, httplib::Response& res) {
    nlohmann::json topics = nlohmann::json::array();
    for (const auto& [name, partitions] : cluster.topics()) {
      topics.push_back({{"name", name}, {"partitions", partitions}});
    }
    reply_json(res, {{"bootstrap_servers", cluster.bootstrap_servers()},
                     {"brokers", cluster.broker_count()},
                     {"topics", topics}});
  });

  // {"name": "t", "partitions": 3} creates one topic; {"prefix": "it42."} creates every
  // catalogue topic under that prefix (how integration tests get isolated topics).
  server.post("/v1/topics", operator_only(keys, [&cluster, &catalog](const httplib::Request& req,
                                                                  httplib::Response& res) {
                auto body = parse_body(req);
                nlohmann::json created = nlohmann::json::array();
                if (body.contains("prefix")) {
                  auto prefix = http::required_field<std::string>(body, "prefix");
                  for (const auto& t : catalog.topics()) {
                    cluster.create_topic(prefix + t.name, t.partitions);
                    created.push_back(prefix + t.name);
                  }
                } else {
                  auto name = http::required_field<std::string>(body, "name");
                  int partitions = http::field_or(body, "partitions", 1);
                  cluster.create_topic(name, partitions);
                  created.push_back(name);
                }
                res.status = 201;
                reply_json(res, {{"created", created}});
              }));

  server.post(R"(/v1/brokers/(\d+)/(up|down))",
              operator_only(keys, [&cluster](const httplib::Request& req, httplib::Response& res) {
                int id = path_number(req.matches[1]);
                bool up = req.matches[2] == "up";
                cluster.set_broker_up(id, up);
                spdlog::warn("fault injection broker_id={} state={}", id, up ? "up" : "down");
                reply_json(res, {{"broker_id", id}, {"state", up ? "up" : "down"}});
              }));

  // {"ms": 500}: every answer of the broker comes 500 ms late (0 restores it).
  server.post(R"(/v1/brokers/(\d+)/rtt)",
              operator_only(keys, [&cluster](const httplib::Request& req, httplib::Response& res) {
                int id = path_number(req.matches[1]);
                int ms = http::required_field<int>(parse_body(req), "ms", "invalid_argument");
                cluster.set_broker_rtt(id, ms);
                spdlog::warn("fault injection broker_id={} rtt_ms={}", id, ms);
                reply_json(res, {{"broker_id", id}, {"rtt_ms", ms}});
              }));

  // {"api_key": 0, "error": "NOT_ENOUGH_REPLICAS", "count": 3}: the next 3 Produce requests fail.
  server.post("/v1/faults/request-errors",
              operator_only(keys, [&cluster](const httplib::Request& req, httplib::Response& res) {
                auto body = parse_body(req);
                // Kafka API keys are int16 request types (0 Produce, 1 Fetch, ...).
                int api_key = http::required_field<int16_t>(body, "api_key");
                if (api_key < 0) {
                  throw errors::ClientError("invalid_argument", "api_key must be 0..32767");
                }
                auto error = http::required_field<std::string>(body, "error");
                int count = http::field_or(body, "count", 1);
                if (count < 1 || count > 100000) {
                  throw errors::ClientError("invalid_argument", "count must be 1..100000");
                }
                cluster.push_request_errors(api_key, error, count);
                spdlog::warn("fault injection api_key={} error={} count={}", api_key, error, count);
                reply_json(res, {{"api_key", api_key}, {"error", error}, {"count", count}});
              }));

  server.del(R"(/v1/faults/request-errors/(\d+))",
             operator_only(keys, [&cluster](const httplib::Request& req, httplib::Response& res) {
               cluster.clear_request_errors(path_number(req.matches[1]));
               res.status = 204;
             }));
}

}  // namespace analytics::dev_broker
