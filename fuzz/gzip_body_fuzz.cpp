// A compressed request body under the size cap: httplib's own decoder for gzip and deflate
// (httplib::detail::gzip_decompressor, the one its server runs before our content reader) feeds
// http::BodyCollector (common/http/body_limit.*, what http::Server's read_body collects with),
// in the pieces the wire might deliver. Invariants: the collected body never exceeds the cap;
// it is always a prefix of what zlib itself decodes from the same bytes; and when zlib decodes
// a complete stream within the cap that the server's decoder accepted, the body is all of it.
//
// Input: byte 0 picks the cap (low 3 bits: from no byte to 1 MiB) and the mode (bit 7), byte 1
// the size of the pieces the compressed bytes arrive in. Mode 0: the rest is the body as sent
// (Content-Encoding: gzip or deflate). Mode 1: bytes 2-3 say how often to repeat the rest (up
// to 2 MiB) and where to cut the stream, and zlib compresses it (gzip framing if bit 6, else
// zlib's): small inputs become real streams around the cap, bombs included, whole or cut short.
// The decoders are not instrumented (Debian's zlib and httplib), so mode 1 is how the fuzzer
// reaches deep into valid streams.
#include <httplib.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/http/body_limit.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using analytics::fuzz::require;

struct Reference {
  std::string decoded;    // as far as zlib got, at most `cap` + 1 bytes
  bool complete = false;  // the stream ended properly (Z_STREAM_END)
};

/// zlib's own reading of the bytes (gzip or zlib framing, as httplib's decoder accepts),
/// stopping one byte past `cap`: what the body is, independently of httplib.
Reference zlib_decode(std::string_view in, size_t cap) {
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
      out.complete = true;
      break;
    }
    if (ret != Z_OK || out.decoded.size() > cap) break;
    if (z.avail_in == 0 && z.avail_out != 0) break;  // needs more input than there is
  }
  inflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr std::array<size_t, 8> kCaps = {0, 1, 7, 100, 4096, 16384, 65536, 1 << 20};
  const size_t cap = kCaps[data[0] % kCaps.size()];
  const size_t piece =
      1 + data[1] % 64 * 97;  // 1 .. 6112 bytes: one byte at a time up to a few reads
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
    z_stream z{};
    require(deflateInit2(&z, 9, Z_DEFLATED, (data[0] & 0x40) ? 15 + 16 : 15, 9,
                         Z_DEFAULT_STRATEGY) == Z_OK,
            "deflateInit2");
    compressed.resize(deflateBound(&z, plain.size()));
    z.next_in = reinterpret_cast<Bytef*>(plain.data());
    z.avail_in = static_cast<uInt>(plain.size());
    z.next_out = reinterpret_cast<Bytef*>(compressed.data());
    z.avail_out = static_cast<uInt>(compressed.size());
    require(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
    compressed.resize(z.total_out);
    deflateEnd(&z);
    if (data[3] != 0) compressed.resize(compressed.size() * data[3] / 256);  // cut short
    wire = compressed;
  }

  analytics::http::BodyCollector body(cap, std::min(wire.size(), cap));
  httplib::detail::gzip_decompressor decoder;
  require(decoder.is_valid(), "decoder starts");
  bool decoded = true;
  for (size_t at = 0; at < wire.size() && decoded; at += piece) {
    std::string_view chunk = wire.substr(at, piece);
    decoded = decoder.decompress(chunk.data(), chunk.size(), [&](const char* d, size_t n) {
      require(body.body().size() <= cap, "never more than the cap");
      return body.append(d, n);
    });
    require(body.body().size() <= cap, "never more than the cap");
    require(!body.over_limit() || !decoded, "a refused piece stops the decoder");
  }

  Reference reference = zlib_decode(wire, cap);
  require(body.body().size() <= reference.decoded.size() &&
              reference.decoded.compare(0, body.body().size(), body.body()) == 0,
          "the body is what zlib decodes, or a prefix of it");
  if (decoded && !body.over_limit() && reference.complete && reference.decoded.size() <= cap) {
    require(body.body() == reference.decoded, "an accepted complete stream is decoded whole");
  }
  if (reference.decoded.size() > cap) {
    require(!decoded || body.over_limit(), "a body that decodes past the cap is refused");
  }
  return 0;
}
