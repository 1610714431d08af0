// KPI query-parameter parsing (services/kpi-api/src/kpi_params.*). The input is a URL query
// string, decoded by httplib's own query parser as the server decodes it (`#c` at its end
// picks the parameters the endpoint takes, see below). An accepted request
// holds real calendar dates (checked against the ISO-8601 parser, an independent calendar),
// `to` not before `from`, date keys of eight digits, text filters of printable UTF-8 within
// their lengths, a limit in 1..1000, and `given` echoes exactly what was used; a refusal is a
// 400 invalid_parameter naming one parameter that was given.
#include <httplib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/http/http_server.hpp"
#include "common/text/encoding.hpp"
#include "common/time/iso8601.hpp"
#include "fuzz/fuzz_check.hpp"
#include "kpi_params.hpp"

namespace {

using analytics::kpi::Param;

using analytics::fuzz::require;

const std::vector<Param> kAll = {Param::kFrom,     Param::kTo,      Param::kRegion,
                                 Param::kCategory, Param::kProduct, Param::kStatus,
                                 Param::kPlatform, Param::kLimit};
constexpr int kDefaultLimit = 10;

void check_date(const std::string& date, const std::string& key, const char* name) {
  if (date.empty()) return;
  require(analytics::time::parse_iso8601(date + "T00:00:00Z").has_value(),
          std::string(name) + " is a calendar date: " + date);
  require(key.size() == 8 &&
              std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
              key == date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2),
          std::string(name) + "'s date key is its YYYYMMDD");
}

void check_text(const std::string& v, size_t max, const char* name) {
  if (v.empty()) return;
  require(v.size() <= max, std::string(name) + " within its length");
  require(analytics::text::is_storable_utf8(v), std::string(name) + " is storable UTF-8");
  require(std::none_of(v.begin(), v.end(), [](char c) { return c >= 0 && c < 0x20; }),
          std::string(name) + " has no control character");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string query_text(reinterpret_cast<const char*>(data), size);
  // Each endpoint takes a subset of the parameters: `query#c` takes those whose bit is clear
  // in the byte c; a query without '#' is offered to an endpoint that takes all of them.
  unsigned char refused = 0;
  if (size_t mark = query_text.rfind('#'); mark != std::string::npos) {
    if (mark + 1 < query_text.size()) refused = static_cast<unsigned char>(query_text[mark + 1]);
    query_text.resize(mark);
  }
  std::vector<Param> accepted;
  for (size_t i = 0; i < kAll.size(); ++i) {
    if ((refused >> i & 1) == 0) accepted.push_back(kAll[i]);
  }
  std::multimap<std::string, std::string> query;
  httplib::detail::parse_query_text(query_text, query);
  auto given = [&](Param p) {
    return std::find(accepted.begin(), accepted.end(), p) != accepted.end() &&
           query.count(analytics::kpi::param_name(p)) > 0;
  };

  analytics::kpi::KpiParams p;
  try {
    p = analytics::kpi::parse_params(accepted, query, kDefaultLimit);
  } catch (const analytics::http::ApiError& e) {
    require(e.status() == 400 && e.code() == "invalid_parameter", "a refusal is a 400");
    require(e.details().size() == 1, "a refusal names one parameter");
    bool named_given = false;
    for (Param q : kAll) named_given |= e.details()[0] == analytics::kpi::param_name(q) && given(q);
    require(named_given, "a refusal names a parameter that was given");
    return 0;
  }
  check_date(p.from, p.from_date_key(), "from");
  check_date(p.to, p.to_date_key(), "to");
  require(p.from.empty() || p.to.empty() || p.from <= p.to, "to is not before from");
  require(p.from_date() == (p.from.empty() ? "-infinity" : p.from), "open start");
  require(p.to_date() == (p.to.empty() ? "infinity" : p.to), "open end");
  check_text(p.region, 50, "region");
  check_text(p.category, 100, "category");
  check_text(p.product, 200, "product");
  require(p.status.empty() || p.status == "completed" || p.status == "returned" ||
              p.status == "pending",
          "status is an order status");
  require(p.platform.empty() || p.platform == "WEB" || p.platform == "IOS" ||
              p.platform == "ANDROID" || p.platform == "BACKEND",
          "platform is a platform");
  require(given(Param::kLimit) ? p.limit >= 1 && p.limit <= 1000 : p.limit == kDefaultLimit,
          "limit in 1..1000, else the default");

  // `given` is the cache key: each parameter used, once, in Param's order, as sent.
  size_t next = 0;
  for (Param q : kAll) {
    if (!given(q)) continue;
    require(next < p.given.size() && p.given[next].first == analytics::kpi::param_name(q) &&
                p.given[next].second == query.find(p.given[next].first)->second,
            "given echoes each parameter used, in order");
    ++next;
  }
  require(next == p.given.size(), "given holds nothing else");
  return 0;
}
