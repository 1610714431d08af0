#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace analytics::pg {

/// A fixed-size pool of connections opened lazily, each set up by `session_sql` (e.g. a
/// statement timeout) when opened. A connection found broken is replaced on next use.
/// Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::string url, size_t size, std::string session_sql = "");
  ~ConnectionPool();

  /// Exclusive use of one connection until destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection_base> conn);
    Lease(Lease&&) noexcept;
    ~Lease();
    pqxx::connection_base& operator*() { return *conn_; }
    pqxx::connection_base* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection_base> conn_;
  };

  /// Waits up to `wait_ms` for a free connection; opens one if needed. Throws a retryable
  /// DbError when none frees up in time or it cannot connect.
  Lease acquire(int wait_ms = 5000);

 private:
  void release(std::unique_ptr<pqxx::connection_base> conn);

  std::string url_;
  std::string session_sql_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection_base>> idle_;
  size_t available_;  // idle connections + slots not yet opened
};

}  // namespace analytics::pg
