#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "load_runner.hpp"

namespace analytics::eventgen {

/// Background load runs started over HTTP. Each job runs on its own thread; at most
/// `max_running` run at once. Thread-safe. The destructor cancels and joins every job.
class LoadJobs {
 public:
  explicit LoadJobs(size_t max_running = 2) : max_running_(max_running) {}
  ~LoadJobs();

  /// Starts a job and returns its id. Throws errors::ClientError: invalid_parameter for bad
  /// options, too_many_jobs (429, retry after 10 s) when `max_running` jobs are running.
  std::string start(const LoadOptions& options);
  /// The job's progress as JSON, or nullopt for an unknown id.
  std::optional<std::string> status(const std::string& id) const;
  /// Asks a job to stop; false for an unknown id.
  bool cancel(const std::string& id);

 private:
  struct Job {
    uint64_t sequence = 0;  // start order, to forget the oldest finished jobs first
    LoadOptions options;
    std::atomic<bool> cancel{false};
    mutable std::mutex mu;
    LoadProgress progress;
    std::thread thread;
  };

  size_t max_running_;
  uint64_t started_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;
};

}  // namespace analytics::eventgen
