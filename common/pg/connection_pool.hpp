#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/pg/db_error.hpp"

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
    Lease(ConnectionPool& pool, Connection conn, bool reused);
    Lease(Lease&&) noexcept;
    ~Lease();
    pqxx::connection_base& operator*() { return *conn_; }
    pqxx::connection_base* operator->() { return conn_.get(); }
    /// Whether the connection waited idle in the pool (it may have died meanwhile).
    bool reused() const { return reused_; }

   private:
    ConnectionPool* pool_;
    Connection conn_;
    bool reused_;
  };

  /// Waits up to `wait_ms` for a free connection; opens one if needed. Throws a retryable
  /// DbError when none frees up in time or it cannot connect.
  Lease acquire(int wait_ms = 5000);

  /// Runs `read(connection)` on a leased connection. When a connection that waited idle turns
  /// out to be dead (the server restarted, or dropped it), the idle connections — opened before
  /// the same event — are closed and `read` runs once more on a new one, so a restart costs
  /// clients nothing. For reads only: `read` may have run in part before the failure.
  template <typename Read>
  auto run_read(Read&& read, int wait_ms = 5000) {
    {
      Lease lease = acquire(wait_ms);
      try {
        return read(*lease);
      } catch (const DbError& e) {
        if (!lease.reused() || !is_connection_lost(e.sqlstate())) throw;
      }
    }
    discard_idle();
    Lease lease = acquire(wait_ms);
    return read(*lease);
  }

  /// Closes every idle connection; they are opened again when needed.
  void discard_idle();

 private:
  void release(Connection conn);

  std::string url_;
  std::string session_sql_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> idle_;
  size_t available_;  // idle connections + slots not yet opened
};

}  // namespace analytics::pg
