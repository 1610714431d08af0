#include "common/pg/binary_copy.hpp"

#include <cstring>
#include <stdexcept>

namespace analytics::pg {
namespace {

// PostgreSQL's epoch for timestamps and dates: 2000-01-01 00:00:00 UTC.
constexpr int64_t kPgEpochUnixMicros = 946684800LL * 1000000;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

BinaryCopyWriter::BinaryCopyWriter() {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL
  out_.append(kSignature, sizeof kSignature);
  be32(0);  // flags: no OIDs
  be32(0);  // header extension length
}

void BinaryCopyWriter::be16(uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out_.append(b, 2);
}

void BinaryCopyWriter::be32(uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (24 - 8 * i));
  out_.append(b, 4);
}

void BinaryCopyWriter::be64(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  out_.append(b, 8);
}

void BinaryCopyWriter::length(int32_t n) { be32(static_cast<uint32_t>(n)); }

void BinaryCopyWriter::row(int16_t fields) {
  be16(static_cast<uint16_t>(fields));
  ++rows_;
}

void BinaryCopyWriter::null() { length(-1); }

void BinaryCopyWriter::text(std::string_view value) {
  length(static_cast<int32_t>(value.size()));
  out_.append(value);
}

void BinaryCopyWriter::bytea(std::string_view value) { text(value); }

void BinaryCopyWriter::jsonb(std::string_view json) {
  length(static_cast<int32_t>(json.size() + 1));
  out_.push_back('\1');
  out_.append(json);
}

void BinaryCopyWriter::boolean(bool value) {
  length(1);
  out_.push_back(value ? '\1' : '\0');
}

void BinaryCopyWriter::int4(int32_t value) {
  length(4);
  be32(static_cast<uint32_t>(value));
}

void BinaryCopyWriter::int8(int64_t value) {
  length(8);
  be64(static_cast<uint64_t>(value));
}

void BinaryCopyWriter::float8(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  length(8);
  be64(bits);
}

void BinaryCopyWriter::uuid(std::string_view canonical) {
  if (canonical.size() != 36) throw std::invalid_argument("not a canonical UUID");
  char bytes[16];
  size_t n = 0;
  for (size_t i = 0; i < canonical.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (canonical[i++] != '-') throw std::invalid_argument("not a canonical UUID");
      continue;
    }
    int hi = hex_value(canonical[i]), lo = hex_value(canonical[i + 1]);
    if (hi < 0 || lo < 0) throw std::invalid_argument("not a canonical UUID");
    bytes[n++] = static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  length(16);
  out_.append(bytes, 16);
}

void BinaryCopyWriter::timestamptz(int64_t unix_micros) {
  int8(unix_micros - kPgEpochUnixMicros);
}

void BinaryCopyWriter::date(int64_t unix_micros) {
  int4(static_cast<int32_t>(floor_div(unix_micros - kPgEpochUnixMicros, kMicrosPerDay)));
}

void BinaryCopyWriter::numeric_cents(int64_t cents) {
  // numeric's wire form: base-10000 digits, the weight of the first one, a sign and the
  // display scale. Two decimals are one base-10000 digit after the point: .45 -> 4500.
  uint64_t a = cents < 0 ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  uint64_t whole = a / 100;
  uint16_t fraction = static_cast<uint16_t>(a % 100 * 100);
  uint16_t groups[6];  // whole part, least significant first; int64 / 100 has at most 5
  int n = 0;
  for (uint64_t w = whole; w > 0; w /= 10000) groups[n++] = static_cast<uint16_t>(w % 10000);
  int16_t ndigits = static_cast<int16_t>(n + (fraction ? 1 : 0));
  length(8 + 2 * ndigits);
  be16(static_cast<uint16_t>(ndigits));
  be16(static_cast<uint16_t>(n > 0 ? n - 1 : -1));  // weight
  be16(cents < 0 ? 0x4000 : 0x0000);
  be16(2);  // dscale
  for (int i = n - 1; i >= 0; --i) be16(groups[i]);
  if (fraction) be16(fraction);
}

std::string BinaryCopyWriter::finish() && {
  be16(0xFFFF);  // trailer: a field count of -1
  return std::move(out_);
}

}  // namespace analytics::pg
