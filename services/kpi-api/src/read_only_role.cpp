#include "read_only_role.hpp"

#include <pqxx/pqxx>

#include "common/pg/db_error.hpp"

namespace analytics::kpi {

std::vector<std::string> write_privileges(pqxx::connection_base& conn) {
  // default_transaction_read_only is a session setting any role can turn off again, so it is
  // no protection: what counts is what the role is granted.
  static const char* kSql = R"(
    SELECT 'superuser' FROM pg_roles WHERE rolname = current_user AND rolsuper
    UNION ALL
    SELECT 'CREATE on schema ' || s FROM unnest(ARRAY['bronze', 'silver', 'gold', 'ops']) s
     WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s) AND has_schema_privilege(s, 'CREATE')
    UNION ALL
    (SELECT 'INSERT/UPDATE/DELETE/TRUNCATE on ' || n.nspname || '.' || c.relname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('bronze', 'silver', 'gold', 'ops') AND c.relkind IN ('r', 'p')
        AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
      ORDER BY 1 LIMIT 5))";
  return pg::guarded([&] {
    std::vector<std::string> out;
    for (const auto& row : pqxx::nontransaction(conn).exec(kSql)) out.push_back(row[0].c_str());
    return out;
  });
}

void require_read_only_role(pqxx::connection_base& conn) {
  auto privileges = write_privileges(conn);
  if (privileges.empty()) return;
  std::string what;
  for (const auto& p : privileges) what += (what.empty() ? "" : "; ") + p;
  throw WritableRoleError("the warehouse role '" + std::string(conn.username()) +
                          "' can change the warehouse (" + what +
                          "): kpi-api reads only, connect it as kpi_reader (KPI_DATABASE_URL)");
}

}  // namespace analytics::kpi
