#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace analytics::eventgen {

/// What a load run was told about each record it sent, one line per record the gateway
/// answered for: `status<TAB>id<TAB>partition<TAB>offset` (status accepted, rejected or
/// failed; partition and offset empty when the answer gave none). Records of requests that got
/// no per-record answer are not listed: the gateway acknowledged none of them. This is the
/// ground truth a crash test compares the warehouse with. Not thread-safe.
class LoadLedger {
 public:
  /// Appends to `path`; throws std::runtime_error when it cannot be opened.
  explicit LoadLedger(const std::string& path);
  ~LoadLedger();
  LoadLedger(const LoadLedger&) = delete;
  LoadLedger& operator=(const LoadLedger&) = delete;

  /// One request: `ndjson` as sent, `results` the gateway's per-record list, `id_field` the
  /// event type's key (order_id, event_id).
  void record(std::string_view ndjson, const nlohmann::json& results, const std::string& id_field);
  /// Flushes to the file (called about once a second and at the end of a run).
  void flush();

 private:
  std::FILE* file_;
};

}  // namespace analytics::eventgen
