#include "common/http/http_server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>

#include "common/errors/errors.hpp"
#include "common/http/body_decoder.hpp"
#include "common/http/body_limit.hpp"
#include "common/http/guarded_server.hpp"
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

void reply_error(std::exception_ptr error, const std::string& route, const std::string& rid,
                 httplib::Response& res) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    for (const auto& [k, v] : e.headers) res.set_header(k, v);
    write_error(res, e.status(), e.code(), e.what(), e.details());
  } catch (const errors::ClientError& e) {
    if (e.retry_after_seconds() > 0) {
      res.set_header("Retry-After", std::to_string(e.retry_after_seconds()));
    }
    write_error(res, e.status(), e.code(), e.what());
  } catch (const errors::DependencyError& e) {
    // Its text names hosts, ports and roles: the log gets it, the client gets the fact.
    if (e.retryable()) {
      spdlog::warn("dependency unavailable route={} request_id={} dependency={} error={}", route,
                   rid, e.dependency(), e.what());
      res.set_header("Retry-After", "5");
      write_error(res, 503, e.dependency() + "_unavailable",
                  "the " + e.dependency() + " is unavailable; retry shortly");
    } else {
      spdlog::error("dependency failed route={} request_id={} dependency={} error={}", route, rid,
                    e.dependency(), e.what());
      write_error(res, 500, "internal", "internal error; see server log for request " + rid);
    }
  } catch (const std::exception& e) {
    spdlog::error("unhandled error route={} request_id={} error={}", route, rid, e.what());
    write_error(res, 500, "internal", "internal error; see server log for request " + rid);
  } catch (...) {
    spdlog::error("unhandled non-standard exception route={} request_id={}", route, rid);
    write_error(res, 500, "internal", "internal error; see server log for request " + rid);
  }
}

std::string request_id(const httplib::Response& res) {
  return res.get_header_value("X-Request-Id");
}

namespace {

/// httplib 0.11 listens with a backlog of 5: a burst of connects would wait for SYN retries.
constexpr int kListenBacklog = 512;

/// A query parameter a route does not take, or one given twice, is the client's mistake: a
/// silently ignored `?verison=2` or a second `?version=` would answer something else than asked.
void check_query(const httplib::Request& req, const Server::QueryParameters& allowed) {
  auto repeated = [](const std::string& name) {
    return ApiError(400, "invalid_parameter",
                    "query parameter '" + name + "' is given more than once", {name});
  };
  for (auto it = req.params.begin(); it != req.params.end(); ++it) {
    const std::string& name = it->first;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string which;
      for (const auto& a : allowed) which += (which.empty() ? "" : ", ") + a;
      throw ApiError(400, "invalid_parameter",
                     "query parameter '" + name + "' is not supported here (" +
                         (which.empty() ? "this route takes none" : "allowed: " + which) + ")",
                     {name});
    }
    if (req.params.count(name) > 1) throw repeated(name);
  }
  // httplib keeps one of two identical `name=value` pairs: count the names as sent too.
  size_t mark = req.target.find('?');
  std::string_view query = mark == std::string::npos
                               ? std::string_view()
                               : std::string_view(req.target).substr(mark + 1);
  std::vector<std::string_view> names;
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    std::string_view name = pair.substr(0, pair.find('='));
    if (!name.empty()) {
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        throw repeated(std::string(name));
      }
      names.push_back(name);
    }
    query.remove_prefix(end == std::string_view::npos ? query.size() : end + 1);
  }
}

/// A client's request id travels into logs, Kafka headers and the warehouse: accept only
/// short, plain identifiers, and generate one otherwise.
bool acceptable_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

ApiError too_large(size_t limit) {
  return ApiError(413, "payload_too_large",
                  "the request body is larger than the limit of " + std::to_string(limit) +
                      " bytes (counted after decompression)");
}

/// The declared Content-Length (0 without one); refuses one over the limit before any of the
/// body is read.
uint64_t check_declared_length(const httplib::Request& req, httplib::Response& res, size_t limit) {
  if (!req.has_header("Content-Length")) return 0;
  const std::string& text = req.get_header_value("Content-Length");
  uint64_t length = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && length > limit)) {
    detail::GuardedServer::close_after_response(res);
    throw too_large(limit);
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    detail::GuardedServer::close_after_response(res);
    throw ApiError(400, "bad_request", "Content-Length must be a decimal number of bytes");
  }
  return length;
}

/// Where take_content_encoding() keeps a request's Content-Encoding for read_body.
constexpr const char* kBodyEncoding = "X-Analytics-Body-Encoding";

/// httplib 0.11 undoes gzip, deflate and br itself while it reads a body, but takes a stream cut
/// short as the body it decoded so far (found by gzip_body_fuzz), and reads "GZIP" as plain
/// bytes. So the coding is taken away from it before it reads anything (this runs as its
/// pre-routing hook), and read_body decodes with BodyDecoder. The request is httplib's own
/// non-const object, handed to the hook as const.
void take_content_encoding(const httplib::Request& req) {
  auto& headers = const_cast<httplib::Headers&>(req.headers);
  headers.erase(kBodyEncoding);  // never a client's
  auto [first, last] = headers.equal_range("Content-Encoding");
  if (first == last) return;
  std::string codings;
  for (auto it = first; it != last; ++it) codings += (codings.empty() ? "" : ", ") + it->second;
  headers.erase(first, last);
  headers.emplace(kBodyEncoding, codings);
}

/// Reads the body through httplib's content reader (chunks joined), undoes its Content-Encoding
/// (BodyDecoder: gzip, deflate, br; a stream cut short or corrupt is a 400), and stops as soon
/// as the decoded bytes pass `limit`: memory never holds more than the limit, whatever the wire
/// or the Content-Encoding says.
std::string read_body(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader, size_t limit) {
  uint64_t declared = check_declared_length(req, res, limit);
  bool chunked = req.has_header("Transfer-Encoding");
  if (chunked && strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") != 0) {
    detail::GuardedServer::close_after_response(res);
    throw ApiError(400, "bad_request", "the only Transfer-Encoding accepted is chunked");
  }
  // Without either header a request has no body (RFC 9112, 6.3); httplib 0.11 would wait for
  // the client to close.
  if (!chunked && !req.has_header("Content-Length")) return {};
  if (req.is_multipart_form_data()) {
    detail::GuardedServer::close_after_response(res);
    throw ApiError(415, "unsupported_media_type", "multipart bodies are not accepted");
  }
  std::optional<ContentEncoding> encoding =
      parse_content_encoding(req.get_header_value(kBodyEncoding));
  if (!encoding) {
    detail::GuardedServer::close_after_response(res);
    throw ApiError(415, "unsupported_media_type",
                   "Content-Encoding must be one of gzip, deflate, br or identity");
  }
  BodyCollector body(limit, declared);
  BodyDecoder decoder(*encoding);
  bool undecodable = false;
  bool complete = reader([&](const char* data, size_t size) {
    if (decoder.feed(data, size, body)) return true;
    undecodable = !body.over_limit();
    return false;
  });
  undecodable = undecodable || (complete && !decoder.complete());
  if (body.over_limit() || !complete || undecodable) {
    detail::GuardedServer::close_after_response(res);
  }
  if (body.over_limit()) throw too_large(limit);
  if (undecodable) {
    throw ApiError(400, "bad_request",
                   "the request body is not a whole stream of its Content-Encoding: cut short, "
                   "corrupt, or followed by other bytes");
  }
  if (!complete) {
    throw ApiError(400, "bad_request",
                   "the request body could not be read: it ended early, stalled, or does not "
                   "match its Content-Encoding or chunked framing");
  }
  return body.take();
}

/// For Server::allowed_methods_: matches a path against every route's pattern (cpp-httplib
/// matches whole paths with std::regex, so these agree with its routing).
std::function<std::string(const std::string&)> methods_by_path(
    const std::vector<std::pair<std::string, std::string>>& routes) {
  auto patterns = std::make_shared<std::vector<std::pair<std::string, std::regex>>>();
  for (const auto& [method, pattern] : routes) patterns->emplace_back(method, std::regex(pattern));
  return [patterns](const std::string& path) {
    std::vector<std::string> methods;
    auto add = [&methods](const std::string& m) {
      if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
    };
    for (const auto& [method, regex] : *patterns) {
      if (!std::regex_match(path, regex)) continue;
      add(method);
      if (method == "GET") add("HEAD");
    }
    std::string allow;
    for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
    return allow;
  };
}

/// Answers 405 with Allow when some other method serves the request's path; false otherwise.
bool reply_method_not_allowed(const std::function<std::string(const std::string&)>& allowed,
                              const httplib::Request& req, httplib::Response& res) {
  std::string allow = allowed ? allowed(req.path) : "";
  if (allow.empty()) return false;
  write_error(res, 405, "method_not_allowed",
              req.method + " is not served at " + req.path + "; it takes " + allow);
  res.set_header("Allow", allow);
  return true;
}

}  // namespace

Server::Server(std::string service, metrics::Registry& registry)
    : service_(std::move(service)),
      registry_(registry),
      server_(std::make_unique<detail::GuardedServer>(registry)) {
  server_->set_payload_max_length(kDefaultMaxBodyBytes);
  // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall every response on a
  // kept-alive connection by ~40-60 ms.
  server_->set_tcp_nodelay(true);
  server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Only fill bodies httplib left empty (unknown routes, its own 4xx); handlers' bodies stay.
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404:
        // GET or HEAD of a path only other methods serve.
        if (!reply_method_not_allowed(allowed_methods_, req, res)) {
          write_error(res, 404, "not_found", "no route for " + req.method + " " + req.path);
        }
        break;
      case 400:
        write_error(res, 400, "bad_request",
                    "the request could not be read (malformed request line or headers)");
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
  // A client that waits for "100 Continue" learns at once that its body is too large.
  server_->set_expect_100_continue_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        try {
          check_declared_length(req, res, max_body_bytes());
        } catch (const ApiError& e) {
          write_error(res, e.status(), e.code(), e.what());
          return e.status();
        }
        return 100;
      });
  // httplib reads the bodies of methods it has no content-reader route for (PRI) in full.
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    static const std::set<std::string> kServed = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
    if (kServed.count(req.method)) {
      take_content_encoding(req);
      return httplib::Server::HandlerResponse::Unhandled;
    }
    detail::GuardedServer::close_after_response(res);
    write_error(res, 405, "method_not_allowed", "method " + req.method + " is not served");
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        reply_error(error, req.path, request_id(res), res);
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

Server::RouteHandler Server::instrument(const std::string& method, const std::string& pattern,
                                        Handler handler, QueryParameters allowed) {
  routes_.emplace_back(method, pattern);
  // Looked up once per route, not per request; the status counter depends on the answer.
  metrics::Histogram& latency =
      registry_.histogram("http_request_duration_seconds", "HTTP request latency",
                          {{"route", pattern}, {"method", method}});
  auto by_status = std::make_shared<std::array<std::atomic<metrics::Counter*>, 600>>();
  return [this, method, pattern, &latency, by_status, handler = std::move(handler),
          allowed = std::move(allowed)](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader* reader) {
    auto started = std::chrono::steady_clock::now();
    std::string rid = req.get_header_value("X-Request-Id");
    if (!acceptable_request_id(rid)) rid = ids::random_uuid();
    res.set_header("X-Request-Id", rid);
    try {
      check_query(req, allowed);
      if (reader != nullptr) {
        // The content-reader form hands out a const request without a body: serve a copy that
        // has one.
        httplib::Request with_body = req;
        with_body.body = read_body(req, res, *reader, max_body_bytes());
        handler(with_body, res);
      } else {
        // httplib never reads a GET's body (and the connection closes after it), but a declared
        // oversize body is refused like on any other route.
        check_declared_length(req, res, max_body_bytes());
        handler(req, res);
      }
    } catch (...) {
      reply_error(std::current_exception(), pattern, rid, res);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    latency.Observe(seconds);
    int status = res.status == -1 ? 200 : res.status;
    if (status < 100 || status >= static_cast<int>(by_status->size())) status = 0;
    // Resolved on a route's first answer with this status, then reused without a lock.
    metrics::Counter* requests = (*by_status)[status].load(std::memory_order_acquire);
    if (requests == nullptr) {
      requests = &registry_.counter(
          "http_requests_total", "HTTP requests by route and status",
          {{"route", pattern}, {"method", method}, {"status", std::to_string(status)}});
      (*by_status)[status].store(requests, std::memory_order_release);
    }
    requests->Increment();
  };
}

void Server::get(const std::string& pattern, Handler handler, QueryParameters allowed) {
  server_->Get(
      pattern,
      [route = instrument("GET", pattern, std::move(handler), std::move(allowed))](
          const httplib::Request& req, httplib::Response& res) { route(req, res, nullptr); });
}

void Server::post(const std::string& pattern, Handler handler, QueryParameters allowed) {
  server_->Post(pattern,
                [route = instrument("POST", pattern, std::move(handler), std::move(allowed))](
                    const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) { route(req, res, &reader); });
}

void Server::del(const std::string& pattern, Handler handler, QueryParameters allowed) {
  server_->Delete(pattern,
                  [route = instrument("DELETE", pattern, std::move(handler), std::move(allowed))](
                      const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader) { route(req, res, &reader); });
}

void Server::set_max_body_bytes(size_t bytes) { server_->set_payload_max_length(bytes); }

size_t Server::max_body_bytes() const { return server_->payload_limit(); }

void Server::set_connection_limits(const ConnectionLimits& limits) { server_->set_limits(limits); }

void Server::set_tls(std::shared_ptr<const tls::ServerContext> context) {
  server_->set_tls(std::move(context));
}

void Server::add_readiness_check(const std::string& name, ReadinessCheck check) {
  checks_.emplace_back(name, std::move(check));
}

int Server::start(const std::string& host, int port) {
  if (!fallback_routes_registered_) {
    // Registered last, so they match only what no route did. Without them httplib would read
    // the whole body of a request to an unknown path (unbounded when chunked or compressed)
    // just to answer 404.
    allowed_methods_ = methods_by_path(routes_);
    auto no_route = [this](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader&) {
      if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
        detail::GuardedServer::close_after_response(res);
      }
      if (!reply_method_not_allowed(allowed_methods_, req, res)) {
        write_error(res, 404, "not_found", "no route for " + req.method + " " + req.path);
      }
    };
    server_->Post(".*", no_route);
    server_->Put(".*", no_route);
    server_->Patch(".*", no_route);
    server_->Delete(".*", no_route);
    fallback_routes_registered_ = true;
  }
  const ConnectionLimits& limits = server_->limits();
  // Only for the Keep-Alive header httplib writes; the connection loop enforces the limits.
  server_->set_keep_alive_max_count(limits.keep_alive_max_requests);
  server_->set_keep_alive_timeout(
      std::chrono::ceil<std::chrono::seconds>(limits.idle_timeout).count());
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
  } else if (!server_->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port));
  }
  server_->widen_backlog(kListenBacklog);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // 0.11 has no wait_until_ready(): poll is_running() so callers can connect at once.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return bound;
}

void Server::stop() {
  if (server_->is_running()) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace analytics::http
