#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

namespace analytics::metrics {
class Registry;
}

namespace analytics::http {

/// How a server defends itself against slow, idle and greedy clients. The defaults suit every
/// service; tests shorten the timeouts.
struct ConnectionLimits {
  /// Threads that run handlers. A connection holds one only while its request, whose head has
  /// fully arrived, is being read and answered: idle and slow-head connections hold none.
  size_t workers = 32;
  /// Open connections. A connection beyond it closes the one that has been idle longest (or,
  /// when every other connection is busy, itself).
  size_t max_connections = 512;
  /// Complete requests waiting for a worker; beyond it the server answers 503 and closes.
  size_t max_queued_requests = 256;
  /// Longest wait for the first byte of a request (after accept, or between keep-alive requests).
  std::chrono::milliseconds idle_timeout{5000};
  /// Longest time from a request's first byte to the end of its headers (then 408).
  std::chrono::milliseconds head_timeout{5000};
  /// Largest request line plus headers (then 431).
  size_t max_head_bytes = 64 * 1024;
  /// Longest pause while reading a body, and longest time for the whole body (then 400).
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds body_timeout{30000};
  /// Longest a response write may block.
  std::chrono::milliseconds write_timeout{5000};
  /// Requests served on one connection before the server closes it.
  size_t keep_alive_max_requests = 100;
  /// After answering a request whose body was not read, the server keeps discarding input this
  /// long before closing, so the client can read the answer instead of a connection reset.
  std::chrono::milliseconds linger_timeout{2000};
};

namespace detail {

class Dispatcher;
struct Connection;
struct ConnectionProbe;

/// An httplib::Server whose connections wait in one poll loop, not in worker threads, until a
/// whole request head has arrived (httplib 0.11 gives every connection a thread from a pool of
/// ~8 for its whole life, so 8 idle sockets stop a service). Workers then run httplib's own
/// request processing over a socket stream that enforces the limits above; between keep-alive
/// requests the connection goes back to the poll loop.
/// Built on two hooks of 0.11.4: `new_task_queue` (our queue runs the accept hand-off inline)
/// and the virtual `process_and_close_socket` (which hands the socket to the poll loop).
class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(metrics::Registry& registry);
  ~GuardedServer() override;

  /// Call before listening.
  void set_limits(const ConnectionLimits& limits) { limits_ = limits; }
  const ConnectionLimits& limits() const { return limits_; }
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
  std::unique_ptr<ConnectionProbe> probe_;
  std::atomic<Dispatcher*> dispatcher_{nullptr};
};

}  // namespace detail
}  // namespace analytics::http
