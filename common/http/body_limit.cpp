#include "common/http/body_limit.hpp"

#include <algorithm>

namespace analytics::http {

BodyCollector::BodyCollector(size_t limit, size_t expected) : limit_(limit) {
  // An inflated body grows beyond the declared length, up to the limit.
  body_.reserve(std::min(expected, limit));
}

bool BodyCollector::append(const char* data, size_t size) {
  if (over_limit_ || size > limit_ - body_.size()) {
    over_limit_ = true;
    return false;
  }
  body_.append(data, size);
  return true;
}

}  // namespace analytics::http
