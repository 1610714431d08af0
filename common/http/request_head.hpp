#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace analytics::http {

/// Why a request head is refused before any handler sees it.
struct HeadProblem {
  int status;           // 400 or 415
  const char* reason;   // the status line's reason phrase
  std::string code;     // the error body's code
  std::string message;  // what the client did wrong
};

/// Checks the framing of a complete request head (request line, header lines, the blank line),
/// which cpp-httplib 0.11 reads leniently. Refused, as RFC 9112 and 9110 ask:
/// - a header line without a colon, or holding a NUL or a bare CR (400 bad_request);
/// - Content-Length given twice with different values, or not a number, or beside
///   Transfer-Encoding (400 bad_request): a proxy in front and this server could otherwise
///   disagree on where the body ends (request smuggling);
/// - a Content-Encoding other than gzip, deflate, br or identity (415 unsupported_media_type):
///   the body would otherwise be read as if it were not encoded.
/// Returns nothing for an acceptable head.
std::optional<HeadProblem> check_request_head(std::string_view head);

}  // namespace analytics::http
