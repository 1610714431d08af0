#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace analytics::pg {

/// The rows of one statement. Values are text (libpq's text result format).
class Result {
 public:
  explicit Result(pg_result* res);
  ~Result();
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;

  int rows() const;
  /// Rows an INSERT/UPDATE/DELETE touched.
  long affected_rows() const;
  bool is_null(int row, int column) const;
  std::string_view value(int row, int column) const;

 private:
  pg_result* res_;
};

/// One libpq connection for the warehouse writer's hot path: prepared statements and binary
/// COPY, which libpqxx 6.4 does not offer (its streams are text COPY only). Every failure is a
/// DbError with the server's SQLSTATE, classified like the libpqxx path (db_error.hpp).
/// Not thread-safe.
class Session {
 public:
  /// Connects (bounded like pg::connect); throws DbError.
  explicit Session(const std::string& url);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Runs SQL without parameters (may hold several statements).
  Result exec(const std::string& sql);
  void prepare(const std::string& name, const std::string& sql);
  /// Parameters are text; nullopt is SQL NULL.
  Result exec_prepared(const std::string& name,
                       const std::vector<std::optional<std::string>>& params);
  /// A one-off statement with text parameters (no prepared plan kept).
  Result exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params);
  /// `copy_sql` is a `COPY ... FROM STDIN` statement; `data` its whole body.
  void copy_in(const std::string& copy_sql, std::string_view data);

 private:
  Result check(pg_result* res, const char* what);

  pg_conn* conn_;
};

}  // namespace analytics::pg
