#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace analytics::kpi {

/// A query parameter that KPI endpoints may take. Each endpoint lists the ones that make sense
/// for it; any other is a 400 before a query runs.
enum class Param { kFrom, kTo, kRegion, kCategory, kProduct, kStatus, kPlatform, kLimit };

/// Its name in the URL, e.g. "from".
const char* param_name(Param p);
/// What it allows, as said in a 400 and in GET /v1/kpi, e.g. "a date YYYY-MM-DD".
const char* param_allows(Param p);

/// The validated parameters of one request. Unset filters hold their neutral value, so every
/// endpoint's SQL takes all of them and a filter not given matches everything.
struct KpiParams {
  std::string from;  // YYYY-MM-DD, "" = since the beginning
  std::string to;    // YYYY-MM-DD, "" = until the end (inclusive)
  std::string region, category, product, status, platform;  // "" = any
  int limit = 0;

  /// The parameters as given, in the fixed order of Param: the cache key and the answer's
  /// "params" echo.
  std::vector<std::pair<std::string, std::string>> given;

  /// Bounds of the date range as PostgreSQL date text ("-infinity"/"infinity" when open).
  std::string from_date() const;
  std::string to_date() const;
  /// The same bounds as gold date keys (YYYYMMDD), 0 and 99999999 when open.
  std::string from_date_key() const;
  std::string to_date_key() const;
};

/// Parses the query parameters of a request (as cpp-httplib hands them over) for an endpoint
/// that accepts `accepted`; `default_limit` applies when it takes kLimit and none is given.
/// Throws http::ApiError 400 `invalid_parameter` naming the parameter and what it allows.
/// Parameters outside `accepted` are not looked at: http::Server refuses them first.
KpiParams parse_params(const std::vector<Param>& accepted,
                       const std::multimap<std::string, std::string>& query, int default_limit);

}  // namespace analytics::kpi
