#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

#include "common/http/connection_limits.hpp"
#include "common/tls/server_context.hpp"

namespace analytics::metrics {
class Registry;
}

namespace analytics::http {

namespace detail {

class Dispatcher;
struct Connection;
struct ConnectionProbe;

/// An httplib::Server whose connections wait in one poll loop, not in worker threads, until a
/// whole request head has arrived (httplib 0.11 gives every connection a thread from a pool of
/// ~8 for its whole life, so 8 idle sockets stop a service). Workers then run httplib's own
/// request processing over a socket stream that enforces the limits above; between keep-alive
/// requests the connection goes back to the poll loop.
/// With set_tls() the same loop runs the TLS handshakes, non-blocking (httplib::SSLServer would
/// handshake in a worker, blocking): a handshake, like a request head, must end within
/// head_timeout, and a plain HTTP request sent to the TLS port is answered 400 and closed.
/// Built on two hooks of 0.11.4: `new_task_queue` (our queue runs the accept hand-off inline)
/// and the virtual `process_and_close_socket` (which hands the socket to the poll loop).
class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(metrics::Registry& registry);
  ~GuardedServer() override;

  /// Call before listening.
  void set_limits(const ConnectionLimits& limits) { limits_ = limits; }
  const ConnectionLimits& limits() const { return limits_; }
  /// Serve TLS with `context` (null: plain HTTP). Call before listening.
  void set_tls(std::shared_ptr<const tls::ServerContext> context);
  /// The body limit: httplib's payload_max_length, so `set_payload_max_length` sets it too.
  size_t payload_limit() const { return payload_max_length_; }
  /// Raises the listen backlog of the bound socket (httplib 0.11 listens with a backlog of 5).
  void widen_backlog(int backlog);

  /// From a handler: the request's body was not read to its end, so the connection cannot carry
  /// another request. Marks the response `Connection: close` and closes after sending it.
  static void close_after_response(httplib::Response& res);

 private:
  friend class Dispatcher;
  bool process_and_close_socket(socket_t sock) override;
  /// Runs on a worker: serves the request whose head is buffered in `c`. Returns whether the
  /// connection may carry another request.
  bool serve_one(Connection& c, bool last);

  ConnectionLimits limits_;
  std::shared_ptr<const tls::ServerContext> tls_;
  std::unique_ptr<ConnectionProbe> probe_;
  std::atomic<Dispatcher*> dispatcher_{nullptr};
};

}  // namespace detail
}  // namespace analytics::http
