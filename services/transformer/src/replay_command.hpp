#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "layer_writer.hpp"
#include "transformer_app.hpp"

namespace analytics::transformer {

/// `[--from TS] [--to TS]` (ISO-8601 times, or dates meaning their UTC midnight; either may be
/// left out) as an ingestion range, or
/// nullopt with `error` saying what is wrong.
std::optional<IngestionRange> parse_replay_range(const std::vector<std::string>& args,
                                                 std::string& error);

/// `transformer replay [--from TS] [--to TS]`: runs replay_from_bronze with a progress bar on
/// `err` and prints the summary on `out`. Returns the process exit code (0, 1 on failure, 2
/// for bad arguments).
int replay_command(const std::vector<std::string>& args, const TransformerConfig& config,
                   std::ostream& out, std::ostream& err);

}  // namespace analytics::transformer
