#pragma once

#include <string>
#include <utility>
#include <vector>

namespace analytics::transformer {

/// Sets the password of each (role, password) whose password is not empty: the login roles
/// that migration 011 creates without one (kpi_reader, bi_reader, pipeline_writer), where the warehouse
/// authenticates by password. Passwords go to the server encrypted by its password_encryption
/// (scram-sha-256 by default), never into this service's log. Throws pg::DbError.
void set_role_passwords(const std::string& database_url,
                        const std::vector<std::pair<std::string, std::string>>& passwords);

/// True when `database_url` logs in as a superuser: what the transformer warns about, since it
/// needs no more than pipeline_writer's rights. Throws pg::DbError.
bool connects_as_superuser(const std::string& database_url);

}  // namespace analytics::transformer
