#include "common/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/ids/uuid.hpp"

namespace analytics::http {

void write_error(httplib::Response& res, int status, const std::string& code,
                 const std::string& message, const std::vector<std::string>& details) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}, {"details", details}}}};
  res.status = status;
  // Messages may quote client input: invalid UTF-8 must not turn an answer into a 500.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

std::string request_id(const httplib::Response& res) {
  return res.get_header_value("X-Request-Id");
}

namespace {

/// A client's request id travels into logs, Kafka headers and the warehouse: accept only
/// short, plain identifiers, and generate one otherwise.
bool acceptable_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

}  // namespace

Server::Server(std::string service, metrics::Registry& registry)
    : service_(std::move(service)), registry_(registry) {
  // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall every response on a
  // kept-alive connection by ~40-60 ms.
  server_.set_tcp_nodelay(true);
  server_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    // Only fill bodies httplib left empty (unknown routes, its own 4xx); handlers' bodies stay.
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404:
        write_error(res, 404, "not_found", "no route for " + req.method + " " + req.path);
        break;
      case 400:
        write_error(res, 400, "bad_request",
                    "the request could not be read (a POST needs a body with Content-Length)");
        break;
      case 413:
        write_error(res, 413, "payload_too_large", "the request body is larger than allowed");
        break;
      case 415:
        write_error(res, 415, "unsupported_media_type", "unsupported Content-Encoding");
        break;
      default:
        write_error(res, res.status, "http_error",
                    "request failed with status " + std::to_string(res.status));
    }
  });
  server_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        write_error(res, 500, "internal", "internal error");
      });
  get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(nlohmann::json{{"status", "alive"}, {"service", service_}}.dump(),
                    "application/json");
  });
  get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json checks = nlohmann::json::object();
    bool ready = true;
    for (const auto& [name, check] : checks_) {
      std::string problem;
      try {
        problem = check();
      } catch (const std::exception& e) {
        problem = e.what();
      }
      checks[name] = problem.empty() ? "ok" : problem;
      ready = ready && problem.empty();
    }
    res.status = ready ? 200 : 503;
    res.set_content(
        nlohmann::json{{"status", ready ? "ready" : "not_ready"}, {"checks", checks}}.dump(),
        "application/json");
  });
  get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_.render(), "text/plain; version=0.0.4");
  });
}

Server::~Server() { stop(); }

Server::Handler Server::instrument(const std::string& method, const std::string& pattern,
                                   Handler handler) {
  // Looked up once per route, not per request; the status counter depends on the answer.
  metrics::Histogram& latency =
      registry_.histogram("http_request_duration_seconds", "HTTP request latency",
                          {{"route", pattern}, {"method", method}});
  return [this, method, pattern, &latency, handler = std::move(handler)](
             const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    std::string rid = req.get_header_value("X-Request-Id");
    if (!acceptable_request_id(rid)) rid = ids::random_uuid();
    res.set_header("X-Request-Id", rid);
    try {
      handler(req, res);
    } catch (const ApiError& e) {
      for (const auto& [k, v] : e.headers) res.set_header(k, v);
      write_error(res, e.status(), e.code(), e.what(), e.details());
    } catch (const std::exception& e) {
      spdlog::error("unhandled error route={} request_id={} error={}", pattern, rid, e.what());
      write_error(res, 500, "internal", "internal error; see server log for request " + rid);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    latency.observe(seconds);
    registry_
        .counter("http_requests_total", "HTTP requests by route and status",
                 {{"route", pattern},
                  {"method", method},
                  {"status", std::to_string(res.status == -1 ? 200 : res.status)}})
        .inc();
  };
}

void Server::get(const std::string& pattern, Handler handler) {
  server_.Get(pattern, instrument("GET", pattern, std::move(handler)));
}

void Server::post(const std::string& pattern, Handler handler) {
  server_.Post(pattern, instrument("POST", pattern, std::move(handler)));
}

void Server::del(const std::string& pattern, Handler handler) {
  server_.Delete(pattern, instrument("DELETE", pattern, std::move(handler)));
}

void Server::add_readiness_check(const std::string& name, ReadinessCheck check) {
  checks_.emplace_back(name, std::move(check));
}

int Server::start(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = server_.bind_to_any_port(host);
  } else if (!server_.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port));
  }
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // 0.11 has no wait_until_ready(): poll is_running() so callers can connect at once.
  for (int i = 0; i < 500 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return bound;
}

void Server::stop() {
  if (server_.is_running()) server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace analytics::http
