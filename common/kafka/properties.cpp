#include "common/kafka/properties.hpp"

#include <stdexcept>
#include <string>

#include "common/text/entries.hpp"

namespace analytics::kafka {

Properties parse_properties(std::string_view text) {
  Properties out;
  for (std::string_view entry : text::list_entries(text)) {
    size_t eq = entry.find('=');
    std::string_view key = text::trim(entry.substr(0, eq));
    if (eq == std::string_view::npos || key.empty()) {
      // Only the key is named: a value may be a password.
      throw std::invalid_argument("'" + std::string(key) + "' is not a key=value pair");
    }
    out[std::string(key)] = std::string(text::trim(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace analytics::kafka
