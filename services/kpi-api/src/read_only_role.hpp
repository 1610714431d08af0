#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace analytics::kpi {

/// The connection's role can change the warehouse: kpi-api refuses to run with it.
class WritableRoleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What lets the connection's role change the warehouse, e.g. "superuser",
/// "INSERT/UPDATE/DELETE/TRUNCATE on gold.fact_orders", "CREATE on schema ops"; empty when it
/// can only read. Throws pg::DbError.
std::vector<std::string> write_privileges(pqxx::connection_base& conn);

/// Throws WritableRoleError naming the role and what it can change, unless it can only read.
void require_read_only_role(pqxx::connection_base& conn);

}  // namespace analytics::kpi
