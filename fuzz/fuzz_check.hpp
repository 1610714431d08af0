#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace analytics::fuzz {

/// An invariant of the code under test: when it does not hold, the input is a finding, so stop
/// the way libFuzzer records one (abort, with the input saved as a crash artifact).
inline void require(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
    std::abort();
  }
}

}  // namespace analytics::fuzz
