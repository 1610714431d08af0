#include "answer_cache.hpp"

#include <openssl/sha.h>

#include "common/text/encoding.hpp"

namespace analytics::kpi {
namespace {

size_t size_of(const std::string& key, const std::string& version, const Answer& a) {
  return key.size() + version.size() + a.body.size() + a.content_type.size() + a.etag.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string derive_etag(const std::string& request_key, const std::string& version) {
  std::string input = request_key + '\n' + version;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  // 128 bits are plenty to tell answers apart.
  return "\"" + text::hex_encode(std::string_view(reinterpret_cast<char*>(digest), 16)) + "\"";
}

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  std::string_view rest(if_none_match);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view tag = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

AnswerCache::AnswerCache(size_t max_entries, size_t max_bytes)
    : max_entries_(max_entries), max_bytes_(max_bytes) {}

std::optional<Answer> AnswerCache::find(const std::string& request_key,
                                        const std::string& version) {
  std::lock_guard lock(mu_);
  auto it = index_.find(request_key);
  if (it == index_.end() || it->second->version != version) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->answer;
}

void AnswerCache::store(const std::string& request_key, const std::string& version,
                        Answer answer) {
  size_t size = size_of(request_key, version, answer);
  if (size > max_bytes_ || max_entries_ == 0) return;  // would push out everything else
  std::lock_guard lock(mu_);
  if (auto it = index_.find(request_key); it != index_.end()) {
    bytes_ -= size_of(it->second->key, it->second->version, it->second->answer);
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{request_key, version, std::move(answer)});
  index_[request_key] = lru_.begin();
  bytes_ += size;
  evict_locked();
}

void AnswerCache::evict_locked() {
  while (!lru_.empty() && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    const Entry& last = lru_.back();
    bytes_ -= size_of(last.key, last.version, last.answer);
    index_.erase(last.key);
    lru_.pop_back();
  }
}

size_t AnswerCache::entries() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

size_t AnswerCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace analytics::kpi
