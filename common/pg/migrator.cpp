#include "common/pg/migrator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "common/pg/db_error.hpp"

namespace analytics::pg {
namespace {

// Arbitrary but fixed: every migrator of this warehouse takes the same lock.
constexpr const char* kLock = "SELECT pg_advisory_lock(727274001)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(727274001)";
constexpr const char* kCreateTable = R"sql(
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.schema_migrations (
  version    text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw DbError("cannot read migration " + p.string(), "", false);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<std::string> apply_migrations(const std::string& database_url, const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw DbError("no migrations found in " + dir, "", false);

  auto owned = connect(database_url);
  auto& conn = *owned;
  return guarded([&] {
    std::vector<std::string> applied;
    pqxx::nontransaction(conn).exec(kLock);
    try {
      // An up-to-date warehouse needs no DDL at all, so a role that owns nothing (the
      // transformer's pipeline_writer, started with MIGRATE_ON_START) passes this step.
      bool has_table = !pqxx::nontransaction(conn)
                            .exec("SELECT to_regclass('ops.schema_migrations')")[0][0]
                            .is_null();
      if (!has_table) {
        pqxx::work tx(conn);
        tx.exec(kCreateTable);
        tx.commit();
      }
      for (const auto& file : files) {
        std::string version = file.stem().string();
        pqxx::work tx(conn);
        auto done =
            tx.exec_params("SELECT 1 FROM ops.schema_migrations WHERE version = $1", version);
        if (!done.empty()) continue;
        tx.exec(read_file(file));
        tx.exec_params("INSERT INTO ops.schema_migrations (version) VALUES ($1)", version);
        tx.commit();
        spdlog::info("migration applied version={}", version);
        applied.push_back(version);
      }
    } catch (...) {
      try {
        pqxx::nontransaction(conn).exec(kUnlock);
      } catch (...) {
        // The connection is gone; the server released the session lock with it.
      }
      throw;
    }
    pqxx::nontransaction(conn).exec(kUnlock);
    return applied;
  });
}

}  // namespace analytics::pg
