#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "batch_format.hpp"
#include "common/time/iso8601.hpp"
#include "rng.hpp"

namespace analytics::eventgen {

/// Share of records that get each kind of dirt (seed 003's defaults).
struct DirtRates {
  double malformed_timestamp = 0.05;  // timestamp replaced by "not-a-date", "2026/13/45", ...
  double missing_field = 0.03;        // quantity or price key removed (absent, not null)
  double duplicate_id = 0.02;         // order_id reused from earlier in the same batch
};

/// How many records of a batch got each kind of dirt.
struct DirtCounts {
  uint64_t malformed_timestamp = 0;
  uint64_t missing_quantity = 0;
  uint64_t missing_price = 0;
  uint64_t duplicate_id = 0;
};

/// Generates e-commerce orders as JSON objects, byte-identical for the same seed, anchor and
/// rates. Timestamps are spread uniformly over the 30 days before `anchor`.
/// Not thread-safe; cheap to construct, so use one per batch.
class TransactionGenerator {
 public:
  TransactionGenerator(uint64_t seed, DirtRates rates, time::UnixMicros anchor);

  /// Appends one order as a compact JSON object (no trailing separator).
  void append_one(std::string& out);

  const DirtCounts& dirt() const { return dirt_; }

 private:
  Rng rng_;
  DirtRates rates_;
  time::UnixMicros anchor_;
  std::vector<std::string> order_ids_;  // this batch's ids, for duplicates
  DirtCounts dirt_;
};

/// A whole batch: `[{...},{...}]` or one object per line.
std::string generate_transactions(size_t count, uint64_t seed, const DirtRates& rates,
                                  time::UnixMicros anchor, BatchFormat format,
                                  DirtCounts* dirt = nullptr);

}  // namespace analytics::eventgen
