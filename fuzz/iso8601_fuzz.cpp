// ISO-8601 parsing (common/time/iso8601.*). Every accepted text lies in years 1-9999 (UTC); its
// formatted form re-parses to the same instant and formats the same again; without a zone
// offset the formatted date and time are the text's own digits (the fraction truncated to
// microseconds); the whole-second and date formatters agree with the full one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time/iso8601.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

namespace t = analytics::time;

using analytics::fuzz::require;

constexpr t::UnixMicros kFirst = -62135596800LL * 1000000;          // 0001-01-01T00:00:00Z
constexpr t::UnixMicros kLast = 253402300799LL * 1000000 + 999999;  // 9999-12-31T23:59:59.999999Z

/// The six fraction digits a text's own fraction gives (truncated or padded with zeros).
std::string micros_of(std::string_view text) {
  std::string out;
  if (text.size() > 19 && text[19] == '.') {
    for (size_t i = 20; i < text.size() && text[i] >= '0' && text[i] <= '9' && out.size() < 6;
         ++i) {
      out += text[i];
    }
  }
  out.resize(6, '0');
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = t::parse_iso8601(text);
  if (!parsed) return 0;
  const std::string shown(text.substr(0, 80));
  require(*parsed >= kFirst && *parsed <= kLast, "years 1-9999: " + shown);

  std::string formatted = t::format_iso8601(*parsed);
  require(formatted.size() == 27 && formatted[10] == 'T' && formatted.back() == 'Z',
          "YYYY-MM-DDTHH:MM:SS.ffffffZ: " + formatted);
  auto again = t::parse_iso8601(formatted);
  require(again && *again == *parsed, "the formatted form re-parses to the instant: " + shown);
  require(t::format_iso8601(*again) == formatted, "formatting is stable: " + shown);

  std::string seconds;
  t::append_iso8601_seconds(seconds, *parsed);
  require(seconds == formatted.substr(0, 19) + "Z", "whole seconds agree: " + shown);
  require(t::format_date(*parsed) == formatted.substr(0, 10), "the date agrees: " + shown);

  // No offset (nothing after the fraction but an optional Z): the digits are kept as written.
  size_t zone = text.find_first_of("Z+-", 19);
  if (zone == std::string_view::npos || text[zone] == 'Z') {
    require(formatted.compare(0, 10, text.substr(0, 10)) == 0, "the date as written: " + shown);
    require(formatted.compare(11, 8, text.substr(11, 8)) == 0, "the time as written: " + shown);
    require(formatted.substr(20, 6) == micros_of(text), "the fraction as written: " + shown);
  }
  return 0;
}
