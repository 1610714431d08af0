#pragma once

#include <chrono>
#include <cstddef>

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

}  // namespace analytics::http
