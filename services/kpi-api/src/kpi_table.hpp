#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kpi_catalog.hpp"

namespace pqxx {
class transaction_base;
}

namespace analytics::kpi {

enum class ColumnKind { kInteger, kNumber, kBoolean, kTimestamp, kJson, kText };

/// One section's rows as text, with each column's kind (how JSON and CSV write it).
struct KpiTable {
  std::vector<std::pair<std::string, ColumnKind>> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = SQL NULL
};

/// Runs one parameterised statement in `tx`. Throws pg::DbError.
KpiTable run_query(pqxx::transaction_base& tx, const SqlQuery& query);

}  // namespace analytics::kpi
