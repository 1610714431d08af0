#include "load_jobs.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "common/errors/errors.hpp"
#include "common/ids/uuid.hpp"

namespace analytics::eventgen {
namespace {

constexpr size_t kKeepFinished = 100;

}  // namespace

LoadJobs::~LoadJobs() {
  std::lock_guard lock(mu_);
  for (auto& [id, job] : jobs_) job->cancel = true;
  for (auto& [id, job] : jobs_) {
    if (job->thread.joinable()) job->thread.join();
  }
}

std::string LoadJobs::start(const LoadOptions& options) {
  validate(options);
  std::lock_guard lock(mu_);
  size_t running = 0;
  std::vector<std::pair<uint64_t, std::string>> finished;  // (sequence, id)
  for (const auto& [id, job] : jobs_) {
    std::lock_guard job_lock(job->mu);
    if (job->progress.done) {
      finished.emplace_back(job->sequence, id);
    } else {
      ++running;
    }
  }
  if (running >= max_running_) {
    throw errors::ClientError("too_many_jobs",
                              std::to_string(running) + " load jobs are already running", 429,
                              /*retry_after_seconds=*/10);
  }
  // Keep the results of the kKeepFinished most recent finished jobs for GET; forget older
  // ones so memory stays bounded.
  std::sort(finished.begin(), finished.end());
  for (size_t i = 0; i + kKeepFinished < finished.size(); ++i) {
    auto it = jobs_.find(finished[i].second);
    if (it->second->thread.joinable()) it->second->thread.join();
    jobs_.erase(it);
  }
  std::string id = ids::random_uuid();
  auto job = std::make_unique<Job>();
  job->sequence = ++started_;
  job->options = options;
  Job* raw = job.get();
  job->thread = std::thread([raw] {
    auto report = [raw](const LoadProgress& p) {
      std::lock_guard lock(raw->mu);
      raw->progress = p;
    };
    try {
      run_load(raw->options, report, &raw->cancel);
    } catch (const std::exception& e) {
      std::lock_guard lock(raw->mu);
      raw->progress.last_error = e.what();
      raw->progress.done = true;
    }
  });
  jobs_[id] = std::move(job);
  return id;
}

std::optional<std::string> LoadJobs::status(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  std::lock_guard job_lock(it->second->mu);
  return it->second->progress.to_json();
}

bool LoadJobs::cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  it->second->cancel = true;
  return true;
}

}  // namespace analytics::eventgen
