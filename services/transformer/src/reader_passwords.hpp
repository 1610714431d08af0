#pragma once

#include <string>
#include <utility>
#include <vector>

namespace analytics::transformer {

/// Sets the password of each (role, password) whose password is not empty: the login roles
/// that migration 011 creates without one (kpi_reader, bi_reader), where the warehouse
/// authenticates by password. Passwords go to the server encrypted by its password_encryption
/// (scram-sha-256 by default), never into this service's log. Throws pg::DbError.
void set_role_passwords(const std::string& database_url,
                        const std::vector<std::pair<std::string, std::string>>& passwords);

}  // namespace analytics::transformer
