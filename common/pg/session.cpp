#include "common/pg/session.hpp"

#include <libpq-fe.h>

#include "common/pg/db_error.hpp"

namespace analytics::pg {
namespace {

/// libpq's message without its trailing newline.
std::string trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

Result::Result(pg_result* res) : res_(res) {}
Result::~Result() { PQclear(res_); }
Result::Result(Result&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
Result& Result::operator=(Result&& other) noexcept {
  std::swap(res_, other.res_);
  return *this;
}

int Result::rows() const { return PQntuples(res_); }

long Result::affected_rows() const {
  const char* n = PQcmdTuples(res_);
  return n && *n ? std::stol(n) : 0;
}

bool Result::is_null(int row, int column) const { return PQgetisnull(res_, row, column) != 0; }

std::string_view Result::value(int row, int column) const {
  return {PQgetvalue(res_, row, column),
          static_cast<size_t>(PQgetlength(res_, row, column))};
}

Session::Session(const std::string& url) {
  apply_default_connect_timeout();
  conn_ = PQconnectdb(url.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    throw DbError("cannot connect: " + message, "08001", true);
  }
}

Session::~Session() { PQfinish(conn_); }

Result Session::check(pg_result* res, const char* what) {
  Result owned(res);
  ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN) {
    return owned;
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw DbError(std::string("connection lost: ") + trimmed(PQerrorMessage(conn_)), "08006",
                  true);
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string message = trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
  throw DbError(std::string(what) + ": " + message, sqlstate, is_retryable_sqlstate(sqlstate));
}

Result Session::exec(const std::string& sql) { return check(PQexec(conn_, sql.c_str()), "exec"); }

void Session::prepare(const std::string& name, const std::string& sql) {
  check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), "prepare");
}

namespace {

std::vector<const char*> param_values(const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

}  // namespace

Result Session::exec_prepared(const std::string& name,
                              const std::vector<std::optional<std::string>>& params) {
  auto values = param_values(params);
  return check(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0),
               name.c_str());
}

Result Session::exec_params(const std::string& sql,
                            const std::vector<std::optional<std::string>>& params) {
  auto values = param_values(params);
  return check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               "exec");
}

void Session::copy_in(const std::string& copy_sql, std::string_view data) {
  check(PQexec(conn_, copy_sql.c_str()), "copy");
  // libpq takes an int length: send big bodies in slices.
  constexpr size_t kSlice = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kSlice) {
    size_t n = std::min(kSlice, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) break;
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    throw DbError("connection lost during COPY: " + trimmed(PQerrorMessage(conn_)), "08006",
                  true);
  }
  check(PQgetResult(conn_), "copy");
  // The COPY's final result is followed by a null result; drain it.
  while (pg_result* extra = PQgetResult(conn_)) PQclear(extra);
}

}  // namespace analytics::pg
