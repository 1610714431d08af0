// A compressed request body under the size cap: http::BodyDecoder (common/http/body_decoder.*,
// what http::Server's read_body undoes Content-Encoding with) feeding http::BodyCollector
// (body_limit.*), in the pieces the wire might deliver. Checked against zlib's and brotli's own
// one-piece decoding of the same bytes: the body never exceeds the cap; it is a prefix of the
// reference's output (unless the bytes are corrupt); a body is accepted exactly when the reference
// finds one whole stream (nothing after it) within the cap, and then it is all of it; a stream that
// decodes past the cap is refused as too large.
//
// Input: byte 0 picks the cap (low 3 bits: from no byte to 1 MiB), brotli instead of gzip/zlib
// (bit 5), and the mode (bit 7); byte 1 the size of the pieces the body arrives in. Mode 0: the
// rest is the body as sent. Mode 1: bytes 2-3 say how often to repeat the rest (up to 2 MiB) and
// where to cut the stream, and the rest is compressed first (gzip framing if bit 6, else zlib's):
// small inputs become real streams around the cap, bombs included, whole or cut short. zlib and
// brotli are not instrumented (Debian's), so mode 1 is how the fuzzer reaches deep into valid
// streams.
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/http/body_decoder.hpp"
#include "common/http/body_limit.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using analytics::fuzz::require;
using analytics::http::ContentEncoding;

struct Reference {
  std::string decoded;   // as far as the library got
  bool whole = false;    // one stream, ended exactly at the end of the input
  bool corrupt = false;  // the library refused the bytes (how much it decoded before that
                         // depends on how the input was split, so it is no reference then)
};

/// How far the reference decodes: far enough past the cap to see most streams end (whole or
/// not), without inflating every 8 KiB bomb to its 8 MiB.
size_t reference_limit(size_t cap) { return 2 * cap + 64 * 1024; }

Reference zlib_decode(std::string_view in, size_t limit) {
  Reference out;
  z_stream z{};
  require(inflateInit2(&z, 32 + 15) == Z_OK, "inflateInit2");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::array<char, 4096> buf;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = buf.size();
    int ret = inflate(&z, Z_NO_FLUSH);
    out.decoded.append(buf.data(), buf.size() - z.avail_out);
    if (ret == Z_STREAM_END) {
      out.whole = z.avail_in == 0;
      break;
    }
    if (ret != Z_OK && ret != Z_BUF_ERROR) out.corrupt = true;
    if (ret != Z_OK || out.decoded.size() > limit) break;
    if (z.avail_in == 0 && z.avail_out != 0) break;  // needs more input than there is
  }
  inflateEnd(&z);
  return out;
}

Reference brotli_decode(std::string_view in, size_t limit) {
  Reference out;
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  auto next_in = reinterpret_cast<const uint8_t*>(in.data());
  size_t available_in = in.size();
  std::array<char, 4096> buf;
  for (;;) {
    auto next_out = reinterpret_cast<uint8_t*>(buf.data());
    size_t available_out = buf.size();
    BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &available_in, &next_in,
                                                          &available_out, &next_out, nullptr);
    out.decoded.append(buf.data(), buf.size() - available_out);
    if (r == BROTLI_DECODER_RESULT_SUCCESS) {
      out.whole = available_in == 0;
      break;
    }
    out.corrupt = r == BROTLI_DECODER_RESULT_ERROR;
    bool more = r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT || BrotliDecoderHasMoreOutput(s);
    if (r == BROTLI_DECODER_RESULT_ERROR || !more || out.decoded.size() > limit) break;
  }
  BrotliDecoderDestroyInstance(s);
  return out;
}

/// Quick settings: the fuzzer wants many streams per second, not small ones.
std::string compress(const std::string& plain, bool brotli, bool gzip_framing) {
  std::string out;
  if (brotli) {
    out.resize(BrotliEncoderMaxCompressedSize(plain.size()));
    size_t size = out.size();
    require(BrotliEncoderCompress(1, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, plain.size(),
                                  reinterpret_cast<const uint8_t*>(plain.data()), &size,
                                  reinterpret_cast<uint8_t*>(out.data())) == BROTLI_TRUE,
            "brotli compress");
    out.resize(size);
    return out;
  }
  z_stream z{};
  require(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, gzip_framing ? 15 + 16 : 15, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK,
          "deflateInit2");
  out.resize(deflateBound(&z, plain.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  require(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr std::array<size_t, 8> kCaps = {0, 1, 7, 100, 4096, 16384, 65536, 1 << 20};
  const size_t cap = kCaps[data[0] % kCaps.size()];
  const bool brotli = data[0] & 0x20;
  const size_t piece = 1 + data[1] % 64 * 97;  // 1 .. 6112 bytes: a byte at a time to a few reads
  std::string_view wire(reinterpret_cast<const char*>(data + 2), size - 2);
  std::string compressed;
  if (data[0] & 0x80) {
    if (size < 4) return 0;
    std::string_view unit(reinterpret_cast<const char*>(data + 4), size - 4);
    size_t repeat = size_t{1} << (data[2] % 16);
    if (!unit.empty()) repeat = std::min(repeat, (size_t{2} << 20) / unit.size() + 1);
    std::string plain;
    plain.reserve(unit.size() * repeat);
    for (size_t i = 0; i < repeat; ++i) plain.append(unit);
    compressed = compress(plain, brotli, data[0] & 0x40);
    if (data[3] != 0) compressed.resize(compressed.size() * data[3] / 256);  // cut short
    wire = compressed;
  }

  analytics::http::BodyCollector body(cap, std::min(wire.size(), cap));
  analytics::http::BodyDecoder decoder(brotli ? ContentEncoding::kBrotli : ContentEncoding::kGzip);
  bool fed = true;
  for (size_t at = 0; at < wire.size() && fed; at += piece) {
    std::string_view chunk = wire.substr(at, piece);
    fed = decoder.feed(chunk.data(), chunk.size(), body);
    require(body.body().size() <= cap, "never more than the cap");
  }
  const bool accepted = fed && decoder.complete();

  Reference reference =
      brotli ? brotli_decode(wire, reference_limit(cap)) : zlib_decode(wire, reference_limit(cap));
  if (!reference.corrupt) {
    require(body.body().size() <= reference.decoded.size() &&
                reference.decoded.compare(0, body.body().size(), body.body()) == 0,
            "the body is what the reference decodes, or a prefix of it");
  }
  const bool whole_within_cap = reference.whole && reference.decoded.size() <= cap;
  require(accepted == whole_within_cap,
          "accepted exactly when the reference finds one whole stream within the cap");
  if (accepted) require(body.body() == reference.decoded, "an accepted body is all of it");
  if (reference.whole && reference.decoded.size() > cap) {
    require(body.over_limit(), "a whole stream decoding past the cap is refused as too large");
  }
  return 0;
}
