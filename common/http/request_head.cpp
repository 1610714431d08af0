#include "common/http/request_head.hpp"

#include <algorithm>
#include <cctype>

namespace analytics::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

HeadProblem bad_request(std::string message) {
  return {400, "Bad Request", "bad_request", std::move(message)};
}

}  // namespace

std::optional<HeadProblem> check_request_head(std::string_view head) {
  size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) return std::nullopt;  // httplib answers that one
  std::optional<std::string_view> content_length;
  bool chunked_or_encoded_transfer = false;
  for (size_t start = line_end + 2; start < head.size();) {
    line_end = head.find("\r\n", start);
    if (line_end == std::string_view::npos) line_end = head.size();
    std::string_view line = head.substr(start, line_end - start);
    start = line_end + 2;
    if (line.empty()) break;  // the blank line ending the head
    if (line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      return bad_request("a header line holds a NUL or a bare CR");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return bad_request("a header line has no name and colon");
    }
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (equals_ignoring_case(name, "Content-Length")) {
      if (value.empty() || !std::all_of(value.begin(), value.end(),
                                        [](unsigned char c) { return std::isdigit(c); })) {
        return bad_request("Content-Length must be a number");
      }
      if (content_length && *content_length != value) {
        return bad_request("Content-Length is given twice with different values");
      }
      content_length = value;
    } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
      chunked_or_encoded_transfer = true;
    } else if (equals_ignoring_case(name, "Content-Encoding")) {
      // A list ("gzip, br") is decoded in turn by httplib only for one coding: take one.
      if (!(equals_ignoring_case(value, "gzip") || equals_ignoring_case(value, "deflate") ||
            equals_ignoring_case(value, "br") || equals_ignoring_case(value, "identity") ||
            value.empty())) {
        return HeadProblem{415, "Unsupported Media Type", "unsupported_media_type",
                           "Content-Encoding must be gzip, deflate, br or identity"};
      }
    }
  }
  if (content_length && chunked_or_encoded_transfer) {
    return bad_request("Content-Length and Transfer-Encoding must not both be given");
  }
  return std::nullopt;
}

}  // namespace analytics::http
