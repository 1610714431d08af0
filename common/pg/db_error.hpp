#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "common/errors/errors.hpp"

namespace pqxx {
class connection_base;
}

namespace analytics::pg {

/// Any PostgreSQL failure surfaced outside common/pg. retryable() is true for lost
/// connections, serialization failures/deadlocks, resource exhaustion and shutdowns — the
/// caller may retry the whole transaction. `sqlstate` is empty when the server sent none.
class DbError : public errors::DependencyError {
 public:
  DbError(const std::string& message, std::string sqlstate, bool retryable)
      : errors::DependencyError("warehouse", message, retryable), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// Whether a transaction that failed with `sqlstate` may succeed when retried whole.
bool is_retryable_sqlstate(const std::string& sqlstate);

/// Whether `sqlstate` says the connection itself is gone (class 08, or the server shutting
/// down or terminating it: 57P01-57P03), rather than the statement failing.
bool is_connection_lost(const std::string& sqlstate);

/// libpq waits forever for an unresponsive server by default; bound connecting to 5 s unless
/// the deployment chose a value (PGCONNECT_TIMEOUT, or connect_timeout in the URL, which wins).
void apply_default_connect_timeout();

/// Call inside a `catch (...)`: rethrows the in-flight exception as a DbError when it is a
/// libpqxx error, unchanged otherwise.
[[noreturn]] void rethrow_as_db_error();

/// Runs `fn`, translating libpqxx errors into DbError.
template <typename Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    rethrow_as_db_error();
  }
}

/// Deletes a connection that connect() opened as what it is, a pqxx::connection: libpqxx 6.4's
/// connection_base has no virtual destructor, so deleting through it never closed the
/// connection (its socket, its server backend and libpq's memory stayed until the process
/// exited; LeakSanitizer found it).
struct ConnectionDeleter {
  void operator()(pqxx::connection_base* conn) const;
};
using Connection = std::unique_ptr<pqxx::connection_base, ConnectionDeleter>;

/// Opens a connection from a libpq URL or key=value string; throws DbError. Connecting gives
/// up after 5 s unless PGCONNECT_TIMEOUT or the URL's connect_timeout says otherwise. The
/// connection closes when the pointer is destroyed.
Connection connect(const std::string& url);

}  // namespace analytics::pg
