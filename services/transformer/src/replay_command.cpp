#include "replay_command.hpp"

#include <cstdio>
#include <ostream>

#include "common/config/build_info.hpp"
#include "common/time/iso8601.hpp"
#include "replay.hpp"

namespace analytics::transformer {
namespace {

constexpr int kBarWidth = 30;

void draw_progress(std::ostream& err, size_t done, size_t total) {
  double share = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  int filled = static_cast<int>(share * kBarWidth);
  err << "\rreplay [" << std::string(static_cast<size_t>(filled), '#')
      << std::string(static_cast<size_t>(kBarWidth - filled), ' ') << "] "
      << static_cast<int>(share * 100) << "% " << done << "/" << total << " records"
      << std::flush;
}

}  // namespace

std::optional<IngestionRange> parse_replay_range(const std::vector<std::string>& args,
                                                 std::string& error) {
  IngestionRange range;
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if ((flag != "--from" && flag != "--to") || i + 1 >= args.size()) {
      error = "usage: transformer replay [--from TS] [--to TS] (ISO-8601 ingestion times or dates)";
      return std::nullopt;
    }
    // A date alone means its midnight, UTC.
    const std::string& value = args[i + 1];
    auto t = time::parse_iso8601(value.size() == 10 ? value + "T00:00:00Z" : value);
    if (!t) {
      error = flag + ": '" + value + "' is not an ISO-8601 time or date";
      return std::nullopt;
    }
    (flag == "--from" ? range.from : range.to) = time::format_iso8601(*t);
  }
  if (range.from != "-infinity" && range.to != "infinity" &&
      *time::parse_iso8601(range.from) >= *time::parse_iso8601(range.to)) {
    error = "--from must be before --to";
    return std::nullopt;
  }
  return range;
}

int replay_command(const std::vector<std::string>& args, const TransformerConfig& config,
                   std::ostream& out, std::ostream& err) {
  std::string error;
  auto range = parse_replay_range(args, error);
  if (!range) {
    err << error << "\n";
    return 2;
  }
  try {
    WarehouseWriter writer(config.database_url, "replay", config::pipeline_version(),
                           config.synchronous_commit);
    PiiProtector pii(config.pii_hmac_key, config.pii_key_version);
    auto summary = replay_from_bronze(writer, config.database_url, pii, config.event_time, *range,
                                      [&](size_t done, size_t total) {
                                        draw_progress(err, done, total);
                                      });
    err << "\n";
    out << "replayed ingestion " << range->from << " .. " << range->to << ": " << summary.records
        << " bronze records in " << summary.batches << " batches, " << summary.silver_rows
        << " silver rows, " << summary.quarantined_rows << " quarantined";
    for (const auto& [reason, n] : summary.quarantine_by_reason) out << " " << reason << "=" << n;
    char rate[64];
    std::snprintf(rate, sizeof rate, " in %.1f s (%.0f records/s)\n", summary.seconds,
                  summary.seconds > 0 ? static_cast<double>(summary.records) / summary.seconds : 0.0);
    out << rate;
    return 0;
  } catch (const std::exception& e) {
    err << "\nreplay failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace analytics::transformer
