#pragma once

#include <string>

#include "event_ingestor.hpp"

namespace analytics::gateway {

/// The answer to an ingest request, written straight to text (a request of 5,000 records
/// would otherwise build 5,000 JSON objects):
/// `{"request_id","event_type","schema_version","accepted","rejected","failed","results":[..]}`
/// where each result is accepted (partition, offset), rejected (reason, errors) or failed
/// (Kafka did not acknowledge it). `error_object`, when not empty, is added as "error" — the
/// JSON text of the project's error object for a request Kafka failed.
std::string ingest_response_body(const std::string& request_id, const std::string& event_type,
                                 int version, const IngestOutcome& outcome,
                                 const std::string& error_object = "");

}  // namespace analytics::gateway
