#pragma once

// A raw TCP client for component tests of http::Server: it does exactly what the test says,
// byte by byte if need be, and never speaks TLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

namespace analytics::http::test_support {

class RawClient {
 public:
  using Clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  /// Everything the server sends until it closes the connection or `timeout` passes.
  std::string read_until_closed(milliseconds timeout = milliseconds(3000)) {
    std::string out;
    auto deadline = Clock::now() + timeout;
    while (receive_some(out, deadline) > 0) {
    }
    return out;
  }

  /// Whether the server closes the connection (EOF or reset) within `timeout`; data before the
  /// close is ignored.
  bool closed_within(milliseconds timeout) {
    std::string ignored;
    auto deadline = Clock::now() + timeout;
    for (;;) {
      ssize_t n = receive_some(ignored, deadline);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN;
    }
  }

  /// One response: status line, headers and a Content-Length body.
  std::string read_response(milliseconds timeout = milliseconds(3000)) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      auto head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        auto cl = buffer_.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(buffer_.substr(cl + 16));
        size_t total = head_end + 4 + length;
        if (buffer_.size() >= total) {
          std::string response = buffer_.substr(0, total);
          buffer_.erase(0, total);
          return response;
        }
      }
      if (receive_some(buffer_, deadline) <= 0) return "";
    }
  }

 private:
  /// > 0 bytes appended, 0 at EOF, -1 with errno EAGAIN at the deadline (or another errno).
  ssize_t receive_some(std::string& out, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) {
      errno = EAGAIN;
      return -1;
    }
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    return n;
  }

  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace analytics::http::test_support
