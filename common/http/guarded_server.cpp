#include "common/http/guarded_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/http/http_server.hpp"
#include "common/http/request_head.hpp"
#include "common/metrics/metrics.hpp"

namespace analytics::http::detail {

using Clock = std::chrono::steady_clock;

/// Why the server closed connections on its own, for /metrics.
struct ConnectionProbe {
  explicit ConnectionProbe(metrics::Registry& registry_)
      : registry(registry_),
        open(registry.gauge("http_connections_open", "HTTP connections open")),
        head_timeout(dropped(registry, "head_timeout")),
        head_too_large(dropped(registry, "head_too_large")),
        evicted(dropped(registry, "evicted")),
        overloaded(dropped(registry, "overloaded")) {}

  static metrics::Counter& dropped(metrics::Registry& registry, const std::string& reason) {
    return registry.counter("http_connections_dropped_total",
                            "HTTP connections the server closed to protect itself, by reason",
                            {{"reason", reason}});
  }

  metrics::Registry& registry;
  metrics::Gauge& open;
  metrics::Counter& head_timeout;
  metrics::Counter& head_too_large;
  metrics::Counter& evicted;
  metrics::Counter& overloaded;
  /// TLS handshakes that failed or did not end within head_timeout; set by set_tls().
  metrics::Counter* tls_handshake = nullptr;
};

/// One accepted socket. Owned by exactly one of: the poll loop (waiting for a request head, or
/// lingering before close), the ready queue, or the worker serving it.
struct Connection {
  Connection(int fd_, std::atomic<size_t>& open_count_, ConnectionProbe& probe_)
      : fd(fd_), open_count(open_count_), probe(probe_) {
    ++open_count;
    probe.open.Increment();
  }
  ~Connection() {
    if (ssl != nullptr) {
      SSL_free(ssl);
      ERR_clear_error();
    }
    ::close(fd);
    --open_count;
    probe.open.Decrement();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd;
  std::atomic<size_t>& open_count;
  ConnectionProbe& probe;
  /// Received and not yet consumed: the head of the next request, maybe the start of its body.
  std::string in;
  /// Where the search for the end of the head resumes.
  size_t head_scan = 0;
  /// Closing: our side is shut down and input is discarded until EOF or the deadline.
  bool lingering = false;
  Clock::time_point deadline;
  Clock::time_point waiting_since;
  size_t served = 0;
  bool close_after_response = false;

  /// TLS only: the session over `fd`.
  SSL* ssl = nullptr;
  /// The handshake has not ended; the poll loop drives it.
  bool handshaking = false;
  /// The last SSL call must see the socket writable (else readable) before it can go on.
  bool wants_write = false;
  /// No SSL call may follow: the session failed, or our close_notify is sent.
  bool tls_over = false;
};

namespace {

thread_local Connection* t_connection = nullptr;

/// A TLS write to a socket the peer reset raises SIGPIPE (OpenSSL writes without
/// MSG_NOSIGNAL); blocked in the threads that write, it only fails the write with EPIPE.
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

/// A failed SSL_read or SSL_write in recv's and send's terms: -1 with EAGAIN when it must wait
/// (see Connection::wants_write), 0 at the end of the stream, -1 with another errno when broken.
ssize_t tls_failure(Connection& c, int ret) {
  int saved = errno;
  int err = SSL_get_error(c.ssl, ret);
  c.wants_write = err == SSL_ERROR_WANT_WRITE;
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  ERR_clear_error();
  c.tls_over = true;
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  errno = err == SSL_ERROR_SYSCALL && saved != 0 ? saved : ECONNRESET;
  return -1;
}

/// ::recv on the connection, decrypted when it is TLS.
ssize_t receive_from(Connection& c, char* buf, size_t size) {
  if (c.ssl == nullptr) return ::recv(c.fd, buf, size, 0);
  if (c.tls_over) return 0;
  int n = SSL_read(c.ssl, buf, static_cast<int>(std::min<size_t>(size, INT_MAX)));
  return n > 0 ? n : tls_failure(c, n);
}

/// ::send on the connection, encrypted when it is TLS.
ssize_t send_to(Connection& c, const char* data, size_t size) {
  if (c.ssl == nullptr) return ::send(c.fd, data, size, MSG_NOSIGNAL);
  if (c.tls_over) {
    errno = EPIPE;
    return -1;
  }
  int n = SSL_write(c.ssl, data, static_cast<int>(std::min<size_t>(size, INT_MAX)));
  return n > 0 ? n : tls_failure(c, n);
}

/// What to poll for before retrying a read (`plain` POLLIN) or a write (`plain` POLLOUT) that
/// had to wait: TLS may need the other direction (a handshake message, a key update).
short awaited(const Connection& c, short plain) {
  if (c.ssl == nullptr) return plain;
  return c.wants_write ? POLLOUT : POLLIN;
}

/// Decrypted bytes OpenSSL holds that a poll on the socket would not announce.
bool tls_buffered(const Connection& c) {
  return c.ssl != nullptr && !c.tls_over && SSL_pending(c.ssl) > 0;
}

/// Sends TLS's close_notify, best effort, so the client sees an orderly end of stream.
void end_tls(Connection& c) {
  if (c.ssl == nullptr || c.handshaking || c.tls_over) return;
  SSL_shutdown(c.ssl);
  ERR_clear_error();
  c.tls_over = true;
}

enum class Head { kIncomplete, kComplete, kTooLarge };

Head scan_head(Connection& c, size_t max_head_bytes) {
  auto end = c.in.find("\r\n\r\n", c.head_scan);
  if (end != std::string::npos) return end + 4 > max_head_bytes ? Head::kTooLarge : Head::kComplete;
  c.head_scan = c.in.size() < 3 ? 0 : c.in.size() - 3;
  return c.in.size() > max_head_bytes ? Head::kTooLarge : Head::kIncomplete;
}

int poll_ms(Clock::duration d) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 60'000));
}

bool wait_for(int fd, short events, Clock::duration timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, poll_ms(timeout));
    if (n >= 0) return n > 0;
    if (errno != EINTR) return false;
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0) return;
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size());
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size());
    port = ntohs(in6->sin6_port);
  }
  ip = text.data();
}

/// An answer the poll loop sends itself (no worker is involved), in the one error shape.
std::string canned_response(int status, const char* reason, const std::string& code,
                            const std::string& message) {
  httplib::Response res;
  write_error(res, status, code, message);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  out += "Content-Type: application/json\r\nConnection: close\r\n";
  if (status == 503) out += "Retry-After: 1\r\n";
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n\r\n" + res.body;
  return out;
}

/// Best effort: the socket's send buffer takes a small answer at once, or the client loses it.
void send_now(Connection& c, const std::string& bytes) {
  if (c.ssl != nullptr) {
    if (!c.handshaking && !c.tls_over &&
        SSL_write(c.ssl, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
      ERR_clear_error();
    }
    return;
  }
  [[maybe_unused]] auto sent =
      ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool declares_body(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

/// Whether a body the client sent stays on the wire after httplib has served the request.
/// POST, PUT, PATCH and DELETE bodies go through Server's content reader, which either reads
/// them or marks the connection itself.
bool body_left_unread(const httplib::Request& req) {
  if (!declares_body(req)) return false;
  if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") return false;
  // httplib reads a DELETE body only when it has a Content-Length, and never a GET's.
  if (req.method == "DELETE") return !req.has_header("Content-Length");
  return true;
}

/// httplib's view of the connection: first what the poll loop already received, then the socket,
/// under the head and body deadlines. Unconsumed input stays in the connection for the next
/// request.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Connection& c, const ConnectionLimits& limits)
      : c_(c), limits_(limits), deadline_(Clock::now() + limits.head_timeout) {}
  ~ConnectionStream() override { c_.in.erase(0, offset_); }
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  /// The request's headers are parsed; what follows is its body.
  void end_of_head() {
    in_head_ = false;
    deadline_ = Clock::now() + limits_.body_timeout;
  }
  /// A read or write failed or timed out: the connection must not carry another request.
  bool broken() const { return broken_; }

  bool is_readable() const override {
    return offset_ < c_.in.size() || tls_buffered(c_) ||
           wait_for(c_.fd, POLLIN, Clock::duration::zero());
  }
  bool is_writable() const override { return wait_for(c_.fd, POLLOUT, limits_.write_timeout); }

  ssize_t read(char* ptr, size_t size) override {
    if (offset_ == c_.in.size()) {
      c_.in.clear();
      offset_ = 0;
      if (ssize_t n = receive(); n <= 0) return n;
    }
    size_t n = std::min(size, c_.in.size() - offset_);
    if (in_head_ && (head_bytes_ += n) > limits_.max_head_bytes) {
      broken_ = true;
      return -1;
    }
    std::memcpy(ptr, c_.in.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    auto deadline = Clock::now() + limits_.write_timeout;
    for (;;) {
      ssize_t n = send_to(c_, ptr, size);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) break;
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero() || !wait_for(c_.fd, awaited(c_, POLLOUT), left)) break;
    }
    broken_ = true;
    return -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(c_.fd, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(c_.fd, false, ip, port);
  }
  socket_t socket() const override { return c_.fd; }

 private:
  /// Appends what the socket has to c_.in: > 0 bytes, 0 at EOF, -1 on error or deadline.
  ssize_t receive() {
    std::array<char, 16 * 1024> buf;
    for (;;) {
      Clock::duration wait = deadline_ - Clock::now();
      if (!in_head_) wait = std::min<Clock::duration>(wait, limits_.read_timeout);
      if (!tls_buffered(c_) &&
          (wait <= Clock::duration::zero() || !wait_for(c_.fd, awaited(c_, POLLIN), wait))) {
        break;
      }
      ssize_t n = receive_from(c_, buf.data(), buf.size());
      if (n > 0) {
        c_.in.append(buf.data(), static_cast<size_t>(n));
        return n;
      }
      if (n == 0) {
        broken_ = true;
        return 0;
      }
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) break;
    }
    broken_ = true;
    return -1;
  }

  Connection& c_;
  const ConnectionLimits& limits_;
  Clock::time_point deadline_;
  size_t offset_ = 0;
  size_t head_bytes_ = 0;
  bool in_head_ = true;
  bool broken_ = false;
};

}  // namespace

/// The task queue httplib's accept loop hands sockets to: one poll loop that holds every
/// connection between requests, and a fixed set of workers that serve complete requests.
class Dispatcher final : public httplib::TaskQueue {
 public:
  explicit Dispatcher(GuardedServer& server)
      : server_(server), limits_(server.limits()), probe_(*server.probe_), tls_(server.tls_) {
    if (::pipe2(wake_.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
      throw std::system_error(errno, std::generic_category(), "http server wake-up pipe");
    }
    poller_ = std::thread([this] {
      block_sigpipe();
      poll_loop();
    });
    for (size_t i = 0; i < std::max<size_t>(1, limits_.workers); ++i) {
      workers_.emplace_back([this] {
        block_sigpipe();
        worker_loop();
      });
    }
  }

  ~Dispatcher() override {
    shutdown();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  /// httplib's accept loop calls this with a job that ends in process_and_close_socket(), which
  /// only calls adopt(): run it on the accept thread.
  void enqueue(std::function<void()> fn) override { fn(); }

  /// Closes waiting connections; workers finish the requests already queued.
  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    ready_cv_.notify_all();
    wake();
    poller_.join();
    for (auto& t : workers_) t.join();
    std::lock_guard lock(mu_);
    inbox_.clear();
    ready_.clear();
    server_.dispatcher_ = nullptr;
  }

  /// A new connection, from the accept thread.
  void adopt(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Connection>(fd, open_, probe_);
    await_request(*c);
    if (tls_) {
      c->ssl = SSL_new(tls_->native());
      if (c->ssl == nullptr || SSL_set_fd(c->ssl, fd) != 1) {
        spdlog::error("http cannot start a TLS session: out of memory");
        return;  // `c` closes here
      }
      SSL_set_accept_state(c->ssl);
      c->handshaking = true;
      // The handshake is bounded like a request head: a client that connects and never finishes
      // it is a slowloris client.
      c->deadline = Clock::now() + limits_.head_timeout;
    }
    to_poll_loop(std::move(c));
  }

 private:
  void await_request(Connection& c) {
    auto now = Clock::now();
    c.waiting_since = now;
    c.deadline = now + (c.in.empty() ? limits_.idle_timeout : limits_.head_timeout);
    c.head_scan = 0;
    c.wants_write = false;
  }

  void wake() {
    char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &byte, 1);
  }

  void to_poll_loop(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;  // `c` closes here
      inbox_.push_back(std::move(c));
    }
    wake();
  }

  /// Queues a connection whose request head is complete; gives it back when the queue is full.
  std::unique_ptr<Connection> to_workers(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return nullptr;
      if (ready_.size() >= limits_.max_queued_requests) return c;
      ready_.push_back(std::move(c));
    }
    ready_cv_.notify_one();
    return nullptr;
  }

  /// Answers on the poll loop's behalf and starts closing. The answer is small enough for the
  /// socket's send buffer.
  void reject(Connection& c, int status, const char* reason, const std::string& code,
              const std::string& message) {
    send_now(c, canned_response(status, reason, code, message));
    linger(c);
  }

  void linger(Connection& c) {
    end_tls(c);
    c.wants_write = false;
    ::shutdown(c.fd, SHUT_WR);
    c.lingering = true;
    c.in.clear();
    c.deadline = Clock::now() + limits_.linger_timeout;
  }

  void reject_overloaded(Connection& c) {
    probe_.overloaded.Increment();
    reject(c, 503, "Service Unavailable", "overloaded",
           "the server has too many requests waiting; retry shortly");
  }

  void poll_loop() {
    std::vector<pollfd> fds;
    std::vector<char> buf(64 * 1024);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) break;
        for (auto& c : inbox_) waiting_.push_back(std::move(c));
        inbox_.clear();
      }
      auto now = Clock::now();
      evict_beyond_capacity();
      expire(now);

      fds.assign(1, pollfd{wake_[0], POLLIN, 0});
      auto next = now + std::chrono::seconds(1);
      for (const auto& c : waiting_) {
        fds.push_back(pollfd{c->fd, c->lingering ? short(POLLIN) : awaited(*c, POLLIN), 0});
        next = std::min(next, c->deadline);
      }
      if (::poll(fds.data(), fds.size(), poll_ms(next - now)) < 0 && errno != EINTR) {
        spdlog::error("http poll failed: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (fds[0].revents != 0) {
        while (::read(wake_[0], buf.data(), buf.size()) > 0) {
        }
      }
      for (size_t i = 0; i < waiting_.size(); ++i) {
        if (fds[i + 1].revents == 0) continue;
        if (waiting_[i]->handshaking) {
          continue_handshake(waiting_[i], buf);
        } else {
          on_readable(waiting_[i], buf);
        }
      }
      std::erase(waiting_, nullptr);
    }
    waiting_.clear();
  }

  /// Beyond max_connections, closes waiting connections: those already closing first, then the
  /// idle ones, then those with part of a head; the longest-waiting first in each group.
  void evict_beyond_capacity() {
    auto rank = [](const std::unique_ptr<Connection>& c) {
      return std::make_pair(c->lingering ? 0 : c->in.empty() ? 1 : 2, c->waiting_since);
    };
    while (open_ > limits_.max_connections && !waiting_.empty()) {
      auto victim =
          std::min_element(waiting_.begin(), waiting_.end(),
                           [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
      if (!(*victim)->lingering) probe_.evicted.Increment();
      waiting_.erase(victim);
    }
  }

  void expire(Clock::time_point now) {
    for (auto& c : waiting_) {
      if (now < c->deadline) continue;
      if (c->handshaking) {
        probe_.tls_handshake->Increment();
        c.reset();
      } else if (c->lingering || c->in.empty()) {
        c.reset();  // closing, or idle for idle_timeout
      } else {
        probe_.head_timeout.Increment();
        reject(*c, 408, "Request Timeout", "request_timeout",
               "the request headers did not arrive within " +
                   std::to_string(limits_.head_timeout.count()) + " ms");
      }
    }
    std::erase(waiting_, nullptr);
  }

  /// Takes the TLS handshake as far as the socket allows; once it has ended the connection waits
  /// for its first request.
  void continue_handshake(std::unique_ptr<Connection>& c, std::vector<char>& buf) {
    int r = SSL_accept(c->ssl);
    if (r == 1) {
      c->handshaking = false;
      c->wants_write = false;
      await_request(*c);
      on_readable(c, buf);  // the request may have come with the client's last handshake message
      return;
    }
    int err = SSL_get_error(c->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      c->wants_write = err == SSL_ERROR_WANT_WRITE;
      return;
    }
    // OpenSSL recognises a plain HTTP request where a ClientHello should be.
    bool plain_http =
        err == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_HTTP_REQUEST;
    ERR_clear_error();
    probe_.tls_handshake->Increment();
    if (!plain_http) {
      c.reset();
      return;
    }
    // Answered in plain text, which the client reads: the connection is TLS no more.
    SSL_free(c->ssl);
    c->ssl = nullptr;
    c->handshaking = false;
    reject(*c, 400, "Bad Request", "tls_required",
           "this port serves HTTPS only; send the request over TLS");
  }

  void on_readable(std::unique_ptr<Connection>& c, std::vector<char>& buf) {
    bool first_bytes = c->in.empty();
    // Input after our answer is discarded, undecrypted.
    ssize_t n = c->lingering ? ::recv(c->fd, buf.data(), buf.size(), 0) : receive(*c, buf);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
      c.reset();  // closed by the client, or broken
      return;
    }
    if (c->lingering) return;
    if (first_bytes) c->deadline = Clock::now() + limits_.head_timeout;
    switch (scan_head(*c, limits_.max_head_bytes)) {
      case Head::kIncomplete:
        return;
      case Head::kTooLarge:
        probe_.head_too_large.Increment();
        reject(*c, 431, "Request Header Fields Too Large", "header_too_large",
               "the request line and headers exceed " + std::to_string(limits_.max_head_bytes) +
                   " bytes");
        return;
      case Head::kComplete:
        if (auto problem =
                check_request_head(std::string_view(c->in).substr(0, c->in.find("\r\n\r\n") + 4))) {
          reject(*c, problem->status, problem->reason, problem->code, problem->message);
          return;
        }
        if (auto refused = to_workers(std::move(c))) {
          reject_overloaded(*refused);
          c = std::move(refused);
        }
        return;
    }
  }

  void worker_loop() {
    for (;;) {
      std::unique_ptr<Connection> c;
      bool last = false;
      {
        std::unique_lock lock(mu_);
        ready_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
        if (ready_.empty()) return;
        c = std::move(ready_.front());
        ready_.pop_front();
        last = stopping_ || c->served + 1 >= limits_.keep_alive_max_requests;
      }
      bool keep = false;
      try {
        keep = server_.serve_one(*c, last);
      } catch (const std::exception& e) {
        spdlog::error("http connection failed: {}", e.what());
      }
      after_request(std::move(c), keep);
    }
  }

  /// Reads what the socket has (all OpenSSL has decrypted, when TLS), appending to c.in.
  static ssize_t receive(Connection& c, std::vector<char>& buf) {
    ssize_t total = 0;
    do {
      ssize_t n = receive_from(c, buf.data(), buf.size());
      if (n <= 0) return total > 0 ? total : n;
      c.in.append(buf.data(), static_cast<size_t>(n));
      total += n;
    } while (tls_buffered(c));
    return total;
  }

  void after_request(std::unique_ptr<Connection> c, bool keep) {
    if (!keep) {
      if (c->close_after_response) {
        linger(*c);
        to_poll_loop(std::move(c));
      } else {
        end_tls(*c);
      }
      return;  // otherwise `c` closes here
    }
    if (tls_buffered(*c)) {
      // A poll of the socket would not announce what OpenSSL has already decrypted.
      std::vector<char> buf(16 * 1024);
      receive(*c, buf);
    }
    await_request(*c);
    // A pipelining client may already have sent the next request.
    if (scan_head(*c, limits_.max_head_bytes) == Head::kComplete) {
      c = to_workers(std::move(c));
      if (!c) return;
      reject_overloaded(*c);
    }
    to_poll_loop(std::move(c));
  }

  GuardedServer& server_;
  const ConnectionLimits limits_;
  ConnectionProbe& probe_;
  const std::shared_ptr<const tls::ServerContext> tls_;
  std::array<int, 2> wake_{-1, -1};
  std::atomic<size_t> open_{0};

  std::mutex mu_;
  std::condition_variable ready_cv_;
  bool stopping_ = false;                             // guarded by mu_
  std::vector<std::unique_ptr<Connection>> inbox_;    // guarded by mu_; for the poll loop
  std::deque<std::unique_ptr<Connection>> ready_;     // guarded by mu_; heads complete
  std::vector<std::unique_ptr<Connection>> waiting_;  // the poll loop's own

  std::thread poller_;
  std::vector<std::thread> workers_;
};

GuardedServer::GuardedServer(metrics::Registry& registry)
    : probe_(std::make_unique<ConnectionProbe>(registry)) {
  new_task_queue = [this]() -> httplib::TaskQueue* {
    auto* dispatcher = new Dispatcher(*this);
    dispatcher_ = dispatcher;
    return dispatcher;
  };
}

GuardedServer::~GuardedServer() = default;

void GuardedServer::set_tls(std::shared_ptr<const tls::ServerContext> context) {
  tls_ = std::move(context);
  if (tls_ && probe_->tls_handshake == nullptr) {
    probe_->tls_handshake = &ConnectionProbe::dropped(probe_->registry, "tls_handshake");
  }
}

void GuardedServer::widen_backlog(int backlog) {
  socket_t sock = svr_sock_;
  // Linux applies a second listen() on a listening socket as a new backlog.
  if (sock != INVALID_SOCKET) ::listen(sock, backlog);
}

void GuardedServer::close_after_response(httplib::Response& res) {
  if (!res.has_header("Connection")) res.set_header("Connection", "close");
  if (t_connection != nullptr) t_connection->close_after_response = true;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  Dispatcher* dispatcher = dispatcher_;
  if (dispatcher == nullptr) {
    ::close(sock);
    return false;
  }
  dispatcher->adopt(sock);
  return true;
}

bool GuardedServer::serve_one(Connection& c, bool last) {
  ConnectionStream stream(c, limits_);
  c.close_after_response = false;
  bool connection_closed = false;
  t_connection = &c;
  struct Unset {
    ~Unset() { t_connection = nullptr; }
  } unset;
  bool ok = process_request(stream, last, connection_closed, [&](httplib::Request& req) {
    stream.end_of_head();
    req.ssl = c.ssl;
    if (body_left_unread(req)) {
      // Unread, the body would be parsed as the next request.
      c.close_after_response = true;
      req.headers.erase("Connection");
      req.headers.emplace("Connection", "close");
    }
  });
  ++c.served;
  return ok && !last && !connection_closed && !c.close_after_response && !stream.broken();
}

}  // namespace analytics::http::detail
