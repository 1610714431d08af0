#pragma once

#include <string>

namespace analytics::config {

/// Absolute path of `relative` inside the source checkout this binary was built from. Used only
/// as a default for path settings (PROTO_DIR, MIGRATIONS_DIR), which deployments override.
std::string source_path(const std::string& relative);

/// The project version this binary was built as; stamped on every bronze row and batch.
std::string pipeline_version();

}  // namespace analytics::config
