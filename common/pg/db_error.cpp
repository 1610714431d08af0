#include "common/pg/db_error.hpp"

#include <cstdlib>
#include <mutex>

#include <pqxx/pqxx>

namespace analytics::pg {
bool is_retryable_sqlstate(const std::string& state) {
  if (state.size() != 5) return false;
  std::string cls = state.substr(0, 2);
  // 40: transaction rollback (serialization, deadlock); 08: connection; 53: insufficient
  // resources; 57: operator intervention (shutdown, cancel); 55P03: lock not available.
  return cls == "40" || cls == "08" || cls == "53" || cls == "57" || state == "55P03";
}

bool is_connection_lost(const std::string& state) {
  return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
}

void apply_default_connect_timeout() {
  static std::once_flag once;
  std::call_once(once, [] { setenv("PGCONNECT_TIMEOUT", "5", /*overwrite=*/0); });
}

void rethrow_as_db_error() {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw DbError(std::string("connection lost: ") + e.what(), "08006", true);
  } catch (const pqxx::in_doubt_error& e) {
    // Commit outcome unknown. Safe to retry only because writers fence on stored offsets.
    throw DbError(std::string("commit in doubt: ") + e.what(), "", true);
  } catch (const pqxx::transaction_rollback& e) {
    // In libpqxx 6.4 this is not an sql_error, so it needs its own clause.
    throw DbError(e.what(), "40000", true);
  } catch (const pqxx::sql_error& e) {
    throw DbError(e.what(), e.sqlstate(), is_retryable_sqlstate(e.sqlstate()));
  } catch (const pqxx::failure& e) {
    throw DbError(e.what(), "", false);
  } catch (const pqxx::usage_error& e) {
    // libpqxx's logic errors derive from std:: exceptions, not pqxx::failure.
    throw DbError(std::string("libpqxx usage: ") + e.what(), "", false);
  } catch (const pqxx::conversion_error& e) {
    throw DbError(std::string("value conversion: ") + e.what(), "", false);
  } catch (const pqxx::range_error& e) {
    throw DbError(std::string("out of range: ") + e.what(), "", false);
  } catch (const pqxx::internal_error& e) {
    throw DbError(std::string("libpqxx internal: ") + e.what(), "", false);
  }
}

void ConnectionDeleter::operator()(pqxx::connection_base* conn) const {
  // Every connection_base here was made by connect() below, as a pqxx::connection.
  delete static_cast<pqxx::connection*>(conn);
}

Connection connect(const std::string& url) {
  apply_default_connect_timeout();
  return guarded([&] { return Connection(new pqxx::connection(url)); });
}

}  // namespace analytics::pg
