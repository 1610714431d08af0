#pragma once

#include <stdexcept>
#include <string>

namespace analytics::errors {

/// Bad input found below the HTTP layer (a parser, a validator, a request's fields). The HTTP
/// server answers it with `status` (4xx), `code` and the message, which therefore must say
/// what is wrong in the client's terms and hold no secret; `retry_after_seconds` > 0 adds
/// `Retry-After` (a 429 that clears).
class ClientError : public std::invalid_argument {
 public:
  ClientError(std::string code, const std::string& message, int status = 400,
              int retry_after_seconds = 0)
      : std::invalid_argument(message),
        code_(std::move(code)),
        status_(status),
        retry_after_seconds_(retry_after_seconds) {}
  const std::string& code() const { return code_; }
  int status() const { return status_; }
  int retry_after_seconds() const { return retry_after_seconds_; }

 private:
  std::string code_;
  int status_;
  int retry_after_seconds_;
};

/// A dependency failed: the warehouse (pg::DbError) or Kafka (kafka::KafkaError).
/// `retryable()` is true when the same request may succeed later (the HTTP server answers
/// 503 + Retry-After), false when it will not (500). The message may name hosts, ports and
/// roles: it is logged, never sent to a client.
class DependencyError : public std::runtime_error {
 public:
  DependencyError(std::string dependency, const std::string& message, bool retryable)
      : std::runtime_error(message), dependency_(std::move(dependency)), retryable_(retryable) {}
  /// "warehouse", "kafka": names the error code a client sees (`<dependency>_unavailable`).
  const std::string& dependency() const { return dependency_; }
  bool retryable() const { return retryable_; }

 private:
  std::string dependency_;
  bool retryable_;
};

}  // namespace analytics::errors
