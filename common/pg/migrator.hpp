#pragma once

#include <string>
#include <vector>

namespace analytics::pg {

/// Connects to `database_url` and applies `NNN_name.sql` files from `dir` in name order, each once,
/// in its own transaction, recording them in ops.schema_migrations. A session advisory lock
/// serialises concurrent runners (several transformer instances starting together), so running it
/// anywhere, any number of times, is safe. Returns the versions applied by this call. Throws
/// DbError.
std::vector<std::string> apply_migrations(const std::string& database_url, const std::string& dir);

}  // namespace analytics::pg
