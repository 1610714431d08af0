#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace analytics::kpi {

/// One KPI endpoint: its URL name, the gold view it reads, and whether it is a single row.
struct KpiDefinition {
  std::string name;  // e.g. "summary" -> GET /v1/kpi/summary
  std::string view;  // e.g. "gold.vw_kpi_summary"
  std::string order_by;
  bool single_row = false;
  std::string description;
};

/// The KPIs this API serves.
const std::vector<KpiDefinition>& kpi_definitions();

enum class ColumnKind { kInteger, kNumber, kBoolean, kTimestamp, kText };

struct KpiTable {
  std::vector<std::pair<std::string, ColumnKind>> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = SQL NULL
};

/// Reads a KPI view in a read-only transaction. Throws pg::DbError.
KpiTable query_kpi(pqxx::connection_base& conn, const KpiDefinition& kpi);

/// {"kpi":..,"data":{..}} for single-row KPIs, {"kpi":..,"data":[..]} otherwise.
std::string render_json(const KpiDefinition& kpi, const KpiTable& table);
/// RFC 4180 CSV with a header line.
std::string render_csv(const KpiTable& table);

}  // namespace analytics::kpi
