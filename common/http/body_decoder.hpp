#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "common/http/body_limit.hpp"

namespace analytics::http {

/// How a request body is encoded (its Content-Encoding).
enum class ContentEncoding {
  kIdentity,
  kGzip,    // gzip, x-gzip and deflate: zlib tells the gzip and zlib framings apart
  kBrotli,  // br
};

/// The coding a Content-Encoding header value names: one of gzip, x-gzip, deflate, br or
/// identity, in any case ("" is identity). nullopt for anything else, a list included (415).
std::optional<ContentEncoding> parse_content_encoding(std::string_view value);

/// Undoes a body's Content-Encoding piece by piece, as the pieces arrive, into a BodyCollector
/// (which stops it at the body limit, counted after decoding). A stream must end exactly where
/// the body ends: one cut short, one with bytes after its end, or a gzip stream failing its
/// checksum is refused (httplib 0.11's own decoder took a stream cut short as the body decoded
/// so far, found by gzip_body_fuzz). One per request; not thread-safe.
class BodyDecoder {
 public:
  explicit BodyDecoder(ContentEncoding encoding);
  ~BodyDecoder();
  BodyDecoder(const BodyDecoder&) = delete;
  BodyDecoder& operator=(const BodyDecoder&) = delete;

  /// Decodes the next piece of the body as sent into `body`. False when the bytes are not a
  /// valid stream (corrupt, or more after its end) or when `body` refused the output
  /// (body.over_limit()); nothing is decoded after a false.
  bool feed(const char* data, size_t size, BodyCollector& body);

  /// After the last piece: true when the stream ended there (always, for identity).
  bool complete() const;

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
};

}  // namespace analytics::http
