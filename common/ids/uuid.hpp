#pragma once

#include <cstdint>
#include <string>

namespace analytics::ids {

/// Formats 128 random bits as an RFC 4122 version-4 UUID string (version and variant bits are
/// overwritten). Deterministic: the same input gives the same UUID, which seeded generators use.
std::string format_uuid_v4(uint64_t hi, uint64_t lo);

/// A fresh random v4 UUID. Thread-safe.
std::string random_uuid();

}  // namespace analytics::ids
