#include "kpi_params.hpp"

#include <algorithm>
#include <array>

#include "common/http/http_server.hpp"
#include "common/text/encoding.hpp"

namespace analytics::kpi {
namespace {

constexpr int kMaxLimit = 1000;

// The enumerations of the event schemas (proto/schemas): a value outside them can match
// nothing, so it is a mistake worth saying rather than an empty answer.
constexpr std::array<const char*, 3> kStatuses = {"completed", "returned", "pending"};
constexpr std::array<const char*, 4> kPlatforms = {"WEB", "IOS", "ANDROID", "BACKEND"};

constexpr std::array<Param, 8> kAllParams = {Param::kFrom,    Param::kTo,     Param::kRegion,
                                              Param::kCategory, Param::kProduct, Param::kStatus,
                                              Param::kPlatform, Param::kLimit};

[[noreturn]] void invalid(Param p, const std::string& why) {
  throw http::ApiError(400, "invalid_parameter",
                       std::string("query parameter '") + param_name(p) + "' " + why +
                           " (allowed: " + param_allows(p) + ")",
                       {param_name(p)});
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/// Strict YYYY-MM-DD naming a real calendar day in years 0001-9999.
bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  return d <= kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

/// The longest value each text filter can match: the schemas' maxLength.
size_t max_text_bytes(Param p) {
  switch (p) {
    case Param::kRegion:
      return 50;
    case Param::kCategory:
      return 100;
    default:
      return 200;
  }
}

template <size_t N>
bool one_of(const std::array<const char*, N>& values, const std::string& v) {
  return std::any_of(values.begin(), values.end(), [&](const char* x) { return v == x; });
}

int parse_limit(const std::string& v) {
  if (v.empty() || v.size() > 4 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    invalid(Param::kLimit, "is not a whole number");
  }
  int n = std::stoi(v);
  if (n < 1 || n > kMaxLimit) invalid(Param::kLimit, "is out of range");
  return n;
}

std::string date_key(const std::string& date) {
  return date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
}

}  // namespace

const char* param_name(Param p) {
  switch (p) {
    case Param::kFrom:
      return "from";
    case Param::kTo:
      return "to";
    case Param::kRegion:
      return "region";
    case Param::kCategory:
      return "category";
    case Param::kProduct:
      return "product";
    case Param::kStatus:
      return "status";
    case Param::kPlatform:
      return "platform";
    case Param::kLimit:
      return "limit";
  }
  return "";
}

const char* param_allows(Param p) {
  switch (p) {
    case Param::kFrom:
      return "a date YYYY-MM-DD, the first day included";
    case Param::kTo:
      return "a date YYYY-MM-DD, the last day included, not before 'from'";
    case Param::kRegion:
      return "a region name, 1 to 50 bytes of UTF-8";
    case Param::kCategory:
      return "a category name, 1 to 100 bytes of UTF-8";
    case Param::kProduct:
      return "a product name, 1 to 200 bytes of UTF-8";
    case Param::kStatus:
      return "completed, returned or pending";
    case Param::kPlatform:
      return "WEB, IOS, ANDROID or BACKEND";
    case Param::kLimit:
      return "a whole number from 1 to 1000";
  }
  return "";
}

std::string KpiParams::from_date() const { return from.empty() ? "-infinity" : from; }
std::string KpiParams::to_date() const { return to.empty() ? "infinity" : to; }
std::string KpiParams::from_date_key() const { return from.empty() ? "0" : date_key(from); }
std::string KpiParams::to_date_key() const { return to.empty() ? "99999999" : date_key(to); }

KpiParams parse_params(const std::vector<Param>& accepted,
                       const std::multimap<std::string, std::string>& query, int default_limit) {
  KpiParams out;
  out.limit = default_limit;
  for (Param p : kAllParams) {
    if (std::find(accepted.begin(), accepted.end(), p) == accepted.end()) continue;
    auto it = query.find(param_name(p));
    if (it == query.end()) continue;
    const std::string& v = it->second;
    switch (p) {
      case Param::kFrom:
      case Param::kTo:
        if (!is_date(v)) invalid(p, "is not a calendar date");
        (p == Param::kFrom ? out.from : out.to) = v;
        break;
      case Param::kRegion:
      case Param::kCategory:
      case Param::kProduct:
        if (v.empty() || v.size() > max_text_bytes(p)) invalid(p, "has the wrong length");
        // Valid UTF-8 without NUL and without control characters: what a stored name can be.
        if (!text::is_storable_utf8(v) ||
            std::any_of(v.begin(), v.end(), [](char c) { return c >= 0 && c < 0x20; })) {
          invalid(p, "is not printable UTF-8");
        }
        (p == Param::kRegion ? out.region : p == Param::kCategory ? out.category : out.product) = v;
        break;
      case Param::kStatus:
        if (!one_of(kStatuses, v)) invalid(p, "is not an order status");
        out.status = v;
        break;
      case Param::kPlatform:
        if (!one_of(kPlatforms, v)) invalid(p, "is not a platform");
        out.platform = v;
        break;
      case Param::kLimit:
        out.limit = parse_limit(v);
        break;
    }
    out.given.emplace_back(param_name(p), v);
  }
  if (!out.from.empty() && !out.to.empty() && out.to < out.from) {
    invalid(Param::kTo, "is before 'from'");
  }
  return out;
}

}  // namespace analytics::kpi
