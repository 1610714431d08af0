#include "kpi_render.hpp"

#include <cmath>
#include <string_view>

#include <nlohmann/json.hpp>

namespace analytics::kpi {
namespace {

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
    case ColumnKind::kNumber: {
      double d = std::stod(*v);  // NaN and infinities have no JSON form: null
      return std::isfinite(d) ? nlohmann::json(d) : nlohmann::json(nullptr);
    }
    case ColumnKind::kBoolean:
      return *v == "t";
    case ColumnKind::kTimestamp:
      return iso_timestamp(*v);
    case ColumnKind::kJson:
      return nlohmann::json::parse(*v, nullptr, /*allow_exceptions=*/false);
    case ColumnKind::kText:
      return *v;
  }
  return *v;
}

nlohmann::json section_json(const Section& section, const KpiTable& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t c = 0; c < table.columns.size(); ++c) {
      obj[table.columns[c].first] = value_json(row[c], table.columns[c].second);
    }
    rows.push_back(std::move(obj));
  }
  if (!section.single_row) return rows;
  return rows.empty() ? nlohmann::json::object() : rows[0];
}

std::string csv_field(std::string v, ColumnKind kind) {
  if (kind == ColumnKind::kTimestamp) v = iso_timestamp(std::move(v));
  // OWASP's CSV injection advice: a leading quote makes the cell text. Numbers keep their sign.
  if (kind == ColumnKind::kText && !v.empty() && std::string_view("=+-@\t\r").find(v[0]) !=
                                                     std::string_view::npos) {
    v.insert(0, 1, '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string render_json(const std::string& name,
                        const std::vector<std::pair<std::string, std::string>>& params,
                        const std::vector<Section>& sections,
                        const std::vector<KpiTable>& tables) {
  nlohmann::json given = nlohmann::json::object();
  for (const auto& [k, v] : params) given[k] = v;
  nlohmann::json data;
  if (sections.size() == 1 && sections[0].name.empty()) {
    data = section_json(sections[0], tables[0]);
  } else {
    data = nlohmann::json::object();
    for (size_t i = 0; i < sections.size(); ++i) {
      data[sections[i].name] = section_json(sections[i], tables[i]);
    }
  }
  nlohmann::json body = {{"kpi", name}, {"params", given}, {"data", data}};
  // Names and values may hold any UTF-8 a producer sent; never fail on one.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_csv(const KpiTable& table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c) out += ',';
    out += csv_field(table.columns[c].first, ColumnKind::kText);
  }
  out += "\r\n";
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      if (row[c]) out += csv_field(*row[c], table.columns[c].second);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace analytics::kpi
