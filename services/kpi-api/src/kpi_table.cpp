#include "kpi_table.hpp"

#include <pqxx/pqxx>

#include "common/pg/db_error.hpp"

namespace analytics::kpi {
namespace {

// PostgreSQL type OIDs (pg_type.h); stable across versions.
ColumnKind kind_of(pqxx::oid type) {
  switch (type) {
    case 20:
    case 21:
    case 23:
      return ColumnKind::kInteger;  // int8, int2, int4
    case 700:
    case 701:
    case 1700:
      return ColumnKind::kNumber;  // float4, float8, numeric
    case 16:
      return ColumnKind::kBoolean;
    case 1114:
    case 1184:
      return ColumnKind::kTimestamp;
    case 114:
    case 3802:
      return ColumnKind::kJson;  // json, jsonb
    default:
      return ColumnKind::kText;  // text, date: written as PostgreSQL writes them
  }
}

}  // namespace

KpiTable run_query(pqxx::transaction_base& tx, const SqlQuery& query) {
  return pg::guarded([&] {
    pqxx::result r = tx.exec_params(query.sql, pqxx::prepare::make_dynamic_params(query.args));
    KpiTable table;
    for (pqxx::row::size_type c = 0; c < r.columns(); ++c) {
      table.columns.emplace_back(r.column_name(c), kind_of(r.column_type(c)));
    }
    table.rows.reserve(r.size());
    for (const auto& row : r) {
      std::vector<std::optional<std::string>> values;
      values.reserve(row.size());
      for (const auto& field : row) {
        values.push_back(field.is_null() ? std::nullopt
                                         : std::optional<std::string>(field.c_str()));
      }
      table.rows.push_back(std::move(values));
    }
    return table;
  });
}

}  // namespace analytics::kpi
