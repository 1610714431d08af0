#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/http/connection_limits.hpp"
#include "common/metrics/metrics.hpp"

// cpp-httplib stays out of this header (included by every service): route code that reads a
// request includes <httplib.h> itself.
namespace httplib {
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace analytics::tls {
class ServerContext;
}

namespace analytics::http {

namespace detail {
class GuardedServer;
}

/// An error that reaches the client. Thrown from handlers; the server turns it into
/// `{"error":{"code":..,"message":..,"details":[..]}}` with `status`.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message,
           std::vector<std::string> details = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        details_(std::move(details)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<std::string>& details() const { return details_; }
  /// Adds `Retry-After: seconds` (for 429 and 503): `throw ApiError(503, ...).retry_after(5);`
  ApiError& retry_after(int seconds) {
    headers.emplace_back("Retry-After", std::to_string(seconds));
    return *this;
  }

  /// Extra response headers.
  std::vector<std::pair<std::string, std::string>> headers;

 private:
  int status_;
  std::string code_;
  std::vector<std::string> details_;
};

/// The one place that writes an error body.
void write_error(httplib::Response& res, int status, const std::string& code,
                 const std::string& message, const std::vector<std::string>& details = {});

/// The one place that turns an exception into an answer: ApiError keeps its status;
/// errors::ClientError is its 4xx with code and message; errors::DependencyError (the
/// warehouse, Kafka) is 503 `<dependency>_unavailable` + `Retry-After: 5` when retryable, else
/// 500 — its text is logged, never sent; anything else is a logged 500 naming the request id.
void reply_error(std::exception_ptr error, const std::string& route, const std::string& rid,
                 httplib::Response& res);

/// The request id of the request being served (from `X-Request-Id`, or generated).
std::string request_id(const httplib::Response& res);

/// A dependency check for /readyz: returns an empty string when healthy, else why not.
using ReadinessCheck = std::function<std::string()>;

/// The body limit of a server whose service sets none (the default of MAX_BODY_BYTES).
inline constexpr size_t kDefaultMaxBodyBytes = 1024 * 1024;

/// cpp-httplib server with the endpoints every service has: GET /healthz (alive), GET /readyz
/// (all readiness checks pass, else 503 listing failures) and GET /metrics (Prometheus text).
/// Routes registered through get()/post()/del() are timed and counted per route and status, get a
/// request id, and have exceptions mapped to JSON errors (ApiError keeps its status; anything
/// else is a 500 that is logged, never leaked).
///
/// What it guarantees against hostile or careless clients (see common/http/README.md):
/// - a request body is never held beyond max_body_bytes(), counted after Content-Encoding
///   (gzip, deflate, br) is undone and across chunks; a larger body is a 413 answered while it
///   is being read, and the connection is closed after the answer;
/// - idle connections and connections whose request head trickles in hold no handler thread,
///   and are closed after ConnectionLimits' timeouts; past max_connections the longest-idle
///   connection is closed, so such clients cannot starve /healthz or any other route.
/// Register routes and checks before start(); start() and stop() are not reentrant.
class Server {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  Server(std::string service, metrics::Registry& registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The query parameters a route takes. Any other, or one given twice, is answered 400
  /// `invalid_parameter` naming it before the handler runs.
  using QueryParameters = std::vector<std::string>;

  /// Handlers of post() and del() find the whole decoded body in `req.body`.
  void get(const std::string& pattern, Handler handler, QueryParameters allowed = {});
  void post(const std::string& pattern, Handler handler, QueryParameters allowed = {});
  void del(const std::string& pattern, Handler handler, QueryParameters allowed = {});
  void add_readiness_check(const std::string& name, ReadinessCheck check);

  /// (method, pattern) of every route registered through get()/post()/del(), in order: what a
  /// test checks the API documentation against.
  const std::vector<std::pair<std::string, std::string>>& routes() const { return routes_; }

  /// Largest request body, in bytes after decompression (default kDefaultMaxBodyBytes).
  void set_max_body_bytes(size_t bytes);
  size_t max_body_bytes() const;
  /// Timeouts, workers and the connection cap. Call before start().
  void set_connection_limits(const ConnectionLimits& limits);
  /// Serves HTTPS with `context` (config::ServiceSettings::tls); null, the default, serves plain
  /// HTTP. Handshakes wait in the same poll loop as request heads, under head_timeout; a plain
  /// HTTP request to the TLS port is answered 400 `tls_required` and closed. Call before start().
  void set_tls(std::shared_ptr<const tls::ServerContext> context);

  /// Binds host:port (port 0 picks a free one) and serves on a background thread.
  /// Returns the bound port; throws std::runtime_error when binding fails.
  int start(const std::string& host, int port);
  /// Stops accepting, finishes in-flight requests, joins the thread. Idempotent.
  void stop();

 private:
  /// A route's handler, instrumented; `reader` is null for methods whose body is never read.
  using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&,
                                          const httplib::ContentReader* reader)>;
  RouteHandler instrument(const std::string& method, const std::string& pattern, Handler handler,
                          QueryParameters allowed);

  std::string service_;
  metrics::Registry& registry_;
  std::unique_ptr<detail::GuardedServer> server_;
  std::vector<std::pair<std::string, ReadinessCheck>> checks_;
  std::vector<std::pair<std::string, std::string>> routes_;
  /// The methods that serve `path` ("GET, HEAD, POST"), empty when no route matches it: what a
  /// request with another method is told (405 with Allow) instead of a 404. Set by start().
  std::function<std::string(const std::string& path)> allowed_methods_;
  std::thread thread_;
  bool fallback_routes_registered_ = false;
};

}  // namespace analytics::http
