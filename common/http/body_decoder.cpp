#include "common/http/body_decoder.hpp"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <new>

namespace analytics::http {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

constexpr size_t kOutputChunk = 16 * 1024;

}  // namespace

std::optional<ContentEncoding> parse_content_encoding(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || equals_ignoring_case(value, "identity")) return ContentEncoding::kIdentity;
  if (equals_ignoring_case(value, "gzip") || equals_ignoring_case(value, "x-gzip") ||
      equals_ignoring_case(value, "deflate")) {
    return ContentEncoding::kGzip;
  }
  if (equals_ignoring_case(value, "br")) return ContentEncoding::kBrotli;
  return std::nullopt;
}

struct BodyDecoder::Stream {
  ContentEncoding encoding;
  bool failed = false;
  bool ended = false;
  z_stream zlib{};
  BrotliDecoderState* brotli = nullptr;

  explicit Stream(ContentEncoding e) : encoding(e) {
    if (encoding == ContentEncoding::kGzip) {
      // 32 + 15: a gzip or a zlib header, detected; the largest window.
      if (inflateInit2(&zlib, 32 + 15) != Z_OK) throw std::bad_alloc();
    } else if (encoding == ContentEncoding::kBrotli) {
      brotli = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
      if (brotli == nullptr) throw std::bad_alloc();
    }
  }
  ~Stream() {
    if (encoding == ContentEncoding::kGzip) inflateEnd(&zlib);
    if (brotli != nullptr) BrotliDecoderDestroyInstance(brotli);
  }

  bool inflate_piece(const char* data, size_t size, BodyCollector& body) {
    if (ended && size > 0) return false;  // bytes after the end of the stream
    std::array<char, kOutputChunk> out;
    while (size > 0) {
      // zlib counts in uInt: feed a huge piece in parts.
      uInt part = static_cast<uInt>(std::min<size_t>(size, UINT_MAX));
      zlib.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
      zlib.avail_in = part;
      // Until the input is used up and the output no longer fills the buffer: zlib may hold
      // decoded bytes back until it has room for them.
      for (;;) {
        zlib.next_out = reinterpret_cast<Bytef*>(out.data());
        zlib.avail_out = static_cast<uInt>(out.size());
        uInt in_before = zlib.avail_in;
        int ret = inflate(&zlib, Z_NO_FLUSH);
        if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) return false;
        size_t produced = out.size() - zlib.avail_out;
        if (produced > 0 && !body.append(out.data(), produced)) return false;
        if (ret == Z_STREAM_END) {
          ended = true;
          if (zlib.avail_in > 0) return false;  // bytes after the end of the stream
          break;
        }
        if (zlib.avail_in == 0 && zlib.avail_out != 0) break;
        if (produced == 0 && zlib.avail_in == in_before) return false;  // no progress
      }
      data += part;
      size -= part;
    }
    return true;
  }

  bool brotli_piece(const char* data, size_t size, BodyCollector& body) {
    std::array<char, kOutputChunk> out;
    auto next_in = reinterpret_cast<const uint8_t*>(data);
    size_t available_in = size;
    for (;;) {
      if (ended) return available_in == 0;
      auto next_out = reinterpret_cast<uint8_t*>(out.data());
      size_t available_out = out.size();
      BrotliDecoderResult r = BrotliDecoderDecompressStream(brotli, &available_in, &next_in,
                                                            &available_out, &next_out, nullptr);
      size_t produced = out.size() - available_out;
      if (produced > 0 && !body.append(out.data(), produced)) return false;
      switch (r) {
        case BROTLI_DECODER_RESULT_SUCCESS:
          ended = true;
          break;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
          // Output it decoded but could not hand over yet comes out in the next round.
          if (BrotliDecoderHasMoreOutput(brotli)) break;
          return true;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
          break;
        default:
          return false;
      }
    }
  }
};

BodyDecoder::BodyDecoder(ContentEncoding encoding) : stream_(std::make_unique<Stream>(encoding)) {}

BodyDecoder::~BodyDecoder() = default;

bool BodyDecoder::feed(const char* data, size_t size, BodyCollector& body) {
  Stream& s = *stream_;
  if (s.failed) return false;
  bool ok;
  switch (s.encoding) {
    case ContentEncoding::kGzip:
      ok = s.inflate_piece(data, size, body);
      break;
    case ContentEncoding::kBrotli:
      ok = s.brotli_piece(data, size, body);
      break;
    default:
      ok = body.append(data, size);
  }
  s.failed = !ok;
  return ok;
}

bool BodyDecoder::complete() const {
  return !stream_->failed && (stream_->encoding == ContentEncoding::kIdentity || stream_->ended);
}

}  // namespace analytics::http
