#pragma once

#include <cstddef>
#include <string>

namespace analytics::http {

/// Collects a request body handed over in pieces, as the server's content reader hands them
/// (Content-Encoding already undone, chunks joined), and refuses the piece that would take it
/// past `limit`: memory never holds more than the limit, whatever the wire or the
/// Content-Encoding says. Once a piece is refused every later one is too. One per request; not
/// thread-safe.
class BodyCollector {
 public:
  /// `expected`: the declared Content-Length, reserved up front (never more than `limit`).
  explicit BodyCollector(size_t limit, size_t expected = 0);

  /// Appends the piece and returns true, or appends nothing and returns false when the body
  /// would pass the limit.
  bool append(const char* data, size_t size);

  bool over_limit() const { return over_limit_; }
  const std::string& body() const { return body_; }
  std::string take() { return std::move(body_); }

 private:
  size_t limit_;
  std::string body_;
  bool over_limit_ = false;
};

}  // namespace analytics::http
