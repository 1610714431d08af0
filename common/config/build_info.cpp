#include "common/config/build_info.hpp"

namespace analytics::config {

std::string source_path(const std::string& relative) {
  return std::string(ANALYTICS_SOURCE_DIR) + "/" + relative;
}

std::string pipeline_version() { return ANALYTICS_VERSION; }

}  // namespace analytics::config
