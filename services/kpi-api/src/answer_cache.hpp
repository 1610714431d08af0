#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace analytics::kpi {

/// A rendered answer and its validator.
struct Answer {
  std::string body;
  std::string content_type;
  std::string etag;  // strong, quoted: "\"3f2a…\""
};

/// The strong ETag of an answer: a digest of what was asked (endpoint, parameters, format) and
/// of the warehouse `version` it was computed at. Equal inputs give equal tags.
std::string derive_etag(const std::string& request_key, const std::string& version);

/// Whether an If-None-Match header value (a list of tags, or *) matches `etag` (RFC 9110
/// weak comparison, as If-None-Match requires).
bool etag_matches(const std::string& if_none_match, const std::string& etag);

/// Answers computed at a warehouse version, reused only while the version is unchanged.
///
/// The version is PostgreSQL's current snapshot (pg_current_snapshot()): two reads with equal
/// snapshots see exactly the same committed transactions, so an answer computed at a snapshot
/// is the answer at any later request that sees the same snapshot — and never after a batch,
/// a replay or anything else commits. Least recently used answers go first past the limits.
/// Thread-safe.
class AnswerCache {
 public:
  AnswerCache(size_t max_entries, size_t max_bytes);

  /// The answer for `request_key` computed at `version`, if kept.
  std::optional<Answer> find(const std::string& request_key, const std::string& version);
  /// Keeps `answer` (computed at `version`) for `request_key`, replacing an older one.
  void store(const std::string& request_key, const std::string& version, Answer answer);

  size_t entries() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::string version;
    Answer answer;
  };
  void evict_locked();

  const size_t max_entries_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace analytics::kpi
