#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kpi_catalog.hpp"
#include "kpi_table.hpp"

namespace analytics::kpi {

/// `{"kpi": name, "params": {given}, "data": ...}`: data is the one section's rows (an object
/// for a single-row section), or an object of every section by name.
std::string render_json(const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& params,
                        const std::vector<Section>& sections,
                        const std::vector<KpiTable>& tables);

/// RFC 4180 CSV with a header line. Text cells that a spreadsheet would run as a formula
/// (starting with =, +, -, @, tab or carriage return) are prefixed with a single quote.
std::string render_csv(const KpiTable& table);

}  // namespace analytics::kpi
