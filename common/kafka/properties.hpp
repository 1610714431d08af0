#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/kafka/kafka_error.hpp"

namespace analytics::kafka {

/// librdkafka properties from text such as `linger.ms=10,compression.type=zstd` (comma- or
/// newline-separated `key=value` pairs; blank entries ignored) — how an operator passes any
/// client setting (security, tuning) through one environment variable. Throws
/// std::invalid_argument naming the malformed entry.
Properties parse_properties(std::string_view text);

/// Whether a property's value is a credential (`sasl.password`, `ssl.key.password`,
/// `ssl.key.pem`, `sasl.oauthbearer.client.secret`, a JAAS config...): never print it.
bool is_secret_property(std::string_view key);

/// The keys of `props` that also appear in `owned` (settings a service sets itself, from its
/// own variables or fixed), in `owned`'s order: for a configuration error naming them.
std::vector<std::string> owned_keys_in(const Properties& props,
                                       const std::vector<std::string>& owned);

/// `<service>-<host name>` (the host name is a container's or pod's own): how brokers name this
/// client in their logs, quotas and ACL audits. Just `service` when the host has no name.
std::string default_client_id(std::string_view service);

/// The readiness text for catalogue topics the cluster does not have ("" when none is missing).
/// Services never create topics; operators do (docker compose's kafka-init, or by hand).
std::string missing_topics_problem(const std::vector<std::string>& missing);

}  // namespace analytics::kafka
