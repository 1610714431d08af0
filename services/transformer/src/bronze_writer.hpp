#pragma once

#include <string>

#include "layer_writer.hpp"

namespace analytics::transformer {

/// bronze.events: every record exactly as it arrived (payload bytes untouched, even invalid
/// UTF-8), with its log coordinates, whatever silver makes of it. One binary COPY per batch.
class BronzeWriter : public LayerWriter {
 public:
  explicit BronzeWriter(std::string pipeline_version)
      : pipeline_version_(std::move(pipeline_version)) {}
  void prepare(pg::Session&) override {}
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;

 private:
  std::string pipeline_version_;
};

}  // namespace analytics::transformer
