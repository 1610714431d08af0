#include "common/metrics/metrics.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace analytics::metrics {
namespace {

/// prometheus-cpp 1.0.1's TextSerializer writes HELP as given, but the text format needs
/// backslash and line feed escaped there: a raw newline would split the comment and break
/// the whole scrape. (It does escape label values.)
std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

const std::vector<double>& latency_buckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

// Merge: registering a family again with the same name, kind and help returns it.
Registry::Registry()
    : registry_(
          std::make_shared<prometheus::Registry>(prometheus::Registry::InsertBehavior::Merge)) {}

Registry::~Registry() = default;

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  return prometheus::BuildCounter()
      .Name(name)
      .Help(escape_help(help))
      .Register(*registry_)
      .Add(labels);
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  return prometheus::BuildGauge()
      .Name(name)
      .Help(escape_help(help))
      .Register(*registry_)
      .Add(labels);
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const Labels& labels, const std::vector<double>& bounds) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(escape_help(help))
      .Register(*registry_)
      .Add(labels, Histogram::BucketBoundaries(bounds));
}

std::string Registry::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace analytics::metrics
