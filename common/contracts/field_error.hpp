#pragma once

#include <string>

namespace analytics::contracts {

/// Why an event failed its schema: `field` is a dotted path ("price", "properties.currency"),
/// empty for the whole document.
struct FieldError {
  std::string field;
  std::string message;
};

}  // namespace analytics::contracts
