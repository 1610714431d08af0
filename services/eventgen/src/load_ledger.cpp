#include "load_ledger.hpp"

#include <stdexcept>
#include <vector>

namespace analytics::eventgen {

LoadLedger::LoadLedger(const std::string& path) : file_(std::fopen(path.c_str(), "a")) {
  if (!file_) throw std::runtime_error("cannot open ledger " + path);
}

LoadLedger::~LoadLedger() { std::fclose(file_); }

void LoadLedger::record(std::string_view ndjson, const nlohmann::json& results,
                        const std::string& id_field) {
  std::vector<std::string> ids;
  for (size_t start = 0; start < ndjson.size();) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    auto line = nlohmann::json::parse(ndjson.substr(start, end - start), nullptr, false);
    ids.push_back(line.is_object() && line.contains(id_field) && line[id_field].is_string()
                      ? line[id_field].get<std::string>()
                      : "");
    start = end + 1;
  }
  for (const auto& r : results) {
    size_t index = r.value("index", ids.size());
    std::string partition = r.contains("partition") ? r["partition"].dump() : "";
    std::string offset = r.contains("offset") ? r["offset"].dump() : "";
    std::fprintf(file_, "%s\t%s\t%s\t%s\n", r.value("status", "").c_str(),
                 index < ids.size() ? ids[index].c_str() : "", partition.c_str(), offset.c_str());
  }
}

void LoadLedger::flush() { std::fflush(file_); }

}  // namespace analytics::eventgen
