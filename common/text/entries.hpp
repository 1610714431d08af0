#pragma once

#include <string_view>
#include <vector>

namespace analytics::text {

/// `s` without leading and trailing spaces, tabs, carriage returns and line feeds (JSON's
/// whitespace).
std::string_view trim(std::string_view s);

/// The entries of a setting written as a list: separated by commas or newlines, each trimmed,
/// blank ones dropped (`"a, b\n\nc"` -> a, b, c). Views into `text`.
std::vector<std::string_view> list_entries(std::string_view text);

}  // namespace analytics::text
