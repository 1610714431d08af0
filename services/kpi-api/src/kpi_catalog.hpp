#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kpi_params.hpp"

namespace analytics::kpi {

/// One parameterised statement: the SQL is fixed text from this catalog, the values come from
/// validated parameters and are only ever sent as $n arguments.
struct SqlQuery {
  std::string sql;
  std::vector<std::string> args;
};

/// One table of an answer. A KPI has one unnamed section; pipeline endpoints have several,
/// named (e.g. "quarantine_by_reason", "latest_checks").
struct Section {
  std::string name;
  bool single_row = false;  // an object in JSON rather than an array of rows
  SqlQuery query;
};

/// A read-only endpoint of kpi-api: GET `path` with `params` (and `format`).
struct Endpoint {
  std::string path;  // e.g. "/v1/kpi/summary"
  std::string description;
  std::vector<Param> params;
  int default_limit = 0;  // when it takes `limit`
  /// Whether its answer depends only on the warehouse's data (then it is cached and has an
  /// ETag); freshness is measured against the clock, so it is neither.
  bool cacheable = true;
  /// CSV is one table: endpoints with several sections answer JSON only.
  bool csv = true;
  std::function<std::vector<Section>(const KpiParams&)> sections;
};

/// Every endpoint kpi-api serves over the gold and ops schemas, in the order GET /v1/kpi
/// lists them.
const std::vector<Endpoint>& endpoints();

}  // namespace analytics::kpi
