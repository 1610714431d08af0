#include "warehouse_roles.hpp"

#include <pqxx/pqxx>

#include "common/pg/db_error.hpp"

namespace analytics::transformer {

void set_role_passwords(const std::string& database_url,
                        const std::vector<std::pair<std::string, std::string>>& passwords) {
  bool any = false;
  for (const auto& entry : passwords) any = any || !entry.second.empty();
  if (!any) return;
  auto conn = pg::connect(database_url);
  pg::guarded([&] {
    pqxx::work tx(*conn);
    // ALTER ROLE takes no bind parameters: the name is an identifier, the password a quoted
    // literal (a server that logs DDL statements logs it: keep log_statement below 'ddl').
    for (const auto& [role, password] : passwords) {
      if (password.empty()) continue;
      tx.exec("ALTER ROLE " + tx.quote_name(role) + " PASSWORD " + tx.quote(password));
    }
    tx.commit();
  });
}

bool connects_as_superuser(const std::string& database_url) {
  auto conn = pg::connect(database_url);
  return pg::guarded([&] {
    return pqxx::nontransaction(*conn)
        .exec("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0]
        .as<bool>();
  });
}

}  // namespace analytics::transformer
