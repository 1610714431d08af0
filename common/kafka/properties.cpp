#include "common/kafka/properties.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

#include "common/text/entries.hpp"

namespace analytics::kafka {

Properties parse_properties(std::string_view text) {
  Properties out;
  for (std::string_view entry : text::list_entries(text)) {
    size_t eq = entry.find('=');
    std::string_view key = text::trim(entry.substr(0, eq));
    if (eq == std::string_view::npos || key.empty()) {
      // Only the key is named: a value may be a password.
      throw std::invalid_argument("'" + std::string(key) + "' is not a key=value pair");
    }
    out[std::string(key)] = std::string(text::trim(entry.substr(eq + 1)));
  }
  return out;
}

bool is_secret_property(std::string_view key) {
  // librdkafka's credential-bearing properties all contain one of these words; matching words
  // rather than a list also covers properties a newer librdkafka adds.
  for (std::string_view word : {"password", "secret", "jaas", ".pem", "oauthbearer.config"}) {
    if (key.find(word) != std::string_view::npos) return true;
  }
  return false;
}

std::vector<std::string> owned_keys_in(const Properties& props,
                                       const std::vector<std::string>& owned) {
  std::vector<std::string> out;
  std::copy_if(owned.begin(), owned.end(), std::back_inserter(out),
               [&props](const std::string& key) { return props.count(key) != 0; });
  return out;
}

std::string default_client_id(std::string_view service) {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return std::string(service);
  return std::string(service) + "-" + host;
}

std::string missing_topics_problem(const std::vector<std::string>& missing) {
  if (missing.empty()) return "";
  std::string names;
  for (const auto& t : missing) names += (names.empty() ? "" : ", ") + t;
  return "topics missing on the Kafka cluster: " + names +
         " (services never create topics: create them as proto/topics.json lists them, with "
         "the deployment's KAFKA_TOPIC_PREFIX)";
}

}  // namespace analytics::kafka
