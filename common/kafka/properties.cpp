#include "common/kafka/properties.hpp"

#include <stdexcept>
#include <string>

namespace analytics::kafka {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Properties parse_properties(std::string_view text) {
  Properties out;
  while (!text.empty()) {
    size_t end = text.find_first_of(",\n");
    std::string_view entry = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    std::string_view key = trim(entry.substr(0, eq));
    if (eq == std::string_view::npos || key.empty()) {
      // Only the key is named: a value may be a password.
      throw std::invalid_argument("'" + std::string(key) + "' is not a key=value pair");
    }
    out[std::string(key)] = std::string(trim(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace analytics::kafka
