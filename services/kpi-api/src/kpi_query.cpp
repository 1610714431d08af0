#include "kpi_query.hpp"

#include <nlohmann/json.hpp>
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
    default:
      return ColumnKind::kText;
  }
}

/// "2026-04-18 14:32:01.5+00" (session time zone UTC) -> "2026-04-18T14:32:01.5Z".
std::string iso_timestamp(std::string text) {
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  if (text.size() > 3 && text.compare(text.size() - 3, 3, "+00") == 0) {
    text.replace(text.size() - 3, 3, "Z");
  }
  return text;
}

nlohmann::json value_json(const std::optional<std::string>& v, ColumnKind kind) {
  if (!v) return nullptr;
  switch (kind) {
    case ColumnKind::kInteger:
      return std::stoll(*v);
    case ColumnKind::kNumber:
      return std::stod(*v);
    case ColumnKind::kBoolean:
      return *v == "t";
    case ColumnKind::kTimestamp:
      return iso_timestamp(*v);
    case ColumnKind::kText:
      return *v;
  }
  return *v;
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const std::vector<KpiDefinition>& kpi_definitions() {
  static const std::vector<KpiDefinition> kKpis = {
      {"summary", "gold.vw_kpi_summary", "", true,
       "Headline KPIs: orders, customers, units, revenue, average order value"},
      {"sales-by-region", "gold.vw_kpi_sales_by_region", "revenue DESC", false,
       "Orders, revenue and revenue share per region"},
  };
  return kKpis;
}

KpiTable query_kpi(pqxx::connection_base& conn, const KpiDefinition& kpi) {
  return pg::guarded([&] {
    // View names and ordering come from the fixed table above, never from a request.
    std::string sql = "SELECT * FROM " + kpi.view;
    if (!kpi.order_by.empty()) sql += " ORDER BY " + kpi.order_by;
    pqxx::read_transaction tx(conn);
    pqxx::result r = tx.exec(sql);
    KpiTable table;
    for (pqxx::row::size_type c = 0; c < r.columns(); ++c) {
      table.columns.emplace_back(r.column_name(c), kind_of(r.column_type(c)));
    }
    for (const auto& row : r) {
      std::vector<std::optional<std::string>> values;
      for (const auto& field : row) {
        values.push_back(field.is_null() ? std::nullopt
                                         : std::optional<std::string>(field.c_str()));
      }
      table.rows.push_back(std::move(values));
    }
    return table;
  });
}

std::string render_json(const KpiDefinition& kpi, const KpiTable& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t c = 0; c < table.columns.size(); ++c) {
      obj[table.columns[c].first] = value_json(row[c], table.columns[c].second);
    }
    rows.push_back(std::move(obj));
  }
  nlohmann::json body = {{"kpi", kpi.name}};
  body["data"] = kpi.single_row ? (rows.empty() ? nlohmann::json::object() : rows[0]) : rows;
  return body.dump();
}

std::string render_csv(const KpiTable& table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c) out += ',';
    out += csv_field(table.columns[c].first);
  }
  out += "\r\n";
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      if (row[c]) {
        out += csv_field(table.columns[c].second == ColumnKind::kTimestamp ? iso_timestamp(*row[c])
                                                                           : *row[c]);
      }
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace analytics::kpi
