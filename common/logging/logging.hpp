#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace analytics::logging {

/// Creates (or replaces) the process-wide default logger named `service`, writing one JSON
/// object per line to stderr: {"ts":..,"level":..,"logger":..,"msg":..}. The message is
/// JSON-escaped, so any text is safe to log. `level` is a spdlog level name (info, debug, ...).
/// Call once at start-up, before other threads log.
std::shared_ptr<spdlog::logger> init(const std::string& service, const std::string& level);

/// Escapes `s` for inclusion inside a JSON string literal (no surrounding quotes).
std::string json_escape(std::string_view s);

}  // namespace analytics::logging
