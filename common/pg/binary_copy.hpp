#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace analytics::pg {

/// Builds the body of `COPY ... FROM STDIN (FORMAT binary)`: the header, rows of typed fields
/// and the trailer. Binary COPY skips the server's text parsing (and halves bytea's size next
/// to hex text), which makes it the fastest way into PostgreSQL; the encodings below are the
/// types' send/recv formats from PostgreSQL's documentation ("COPY", "Binary Format").
/// The caller writes fields in the column order of the COPY statement.
class BinaryCopyWriter {
 public:
  BinaryCopyWriter();

  /// Starts a row of `fields` values.
  void row(int16_t fields);

  void null();
  /// text/varchar: the bytes as they are (the server checks they are valid UTF-8 without NUL).
  void text(std::string_view value);
  void bytea(std::string_view value);
  /// jsonb: version 1 followed by the JSON text.
  void jsonb(std::string_view json);
  void boolean(bool value);
  void int4(int32_t value);
  void int8(int64_t value);
  void float8(double value);
  /// Canonical 8-4-4-4-12 hex text; throws std::invalid_argument on anything else.
  void uuid(std::string_view canonical);
  /// Microseconds since the Unix epoch, UTC.
  void timestamptz(int64_t unix_micros);
  /// The UTC calendar day of `unix_micros`.
  void date(int64_t unix_micros);
  /// numeric with two decimal places: 12345 -> 123.45.
  void numeric_cents(int64_t cents);

  size_t rows() const { return rows_; }
  /// The complete COPY body (trailer appended); the writer must not be used afterwards.
  std::string finish() &&;

 private:
  void length(int32_t n);
  void be16(uint16_t v);
  void be32(uint32_t v);
  void be64(uint64_t v);

  std::string out_;
  size_t rows_ = 0;
};

}  // namespace analytics::pg
