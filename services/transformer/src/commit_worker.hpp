#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "commit_policy.hpp"

namespace analytics::transformer {

/// The second stage of the transformer's pipeline: one long-lived thread that commits one
/// batch at a time while the consumer thread prepares the next. (A thread per batch would
/// also work, but each new thread can get a fresh malloc arena, and memory would creep.)
/// submit() and wait() from one thread.
class CommitWorker {
 public:
  using Job = std::function<CommitPolicy::Outcome()>;

  CommitWorker();
  ~CommitWorker();
  CommitWorker(const CommitWorker&) = delete;
  CommitWorker& operator=(const CommitWorker&) = delete;

  /// Starts `job`; the previous one must have been waited for.
  void submit(Job job);
  /// Whether a job was submitted and not yet waited for.
  bool busy() const { return result_.valid(); }
  /// The outcome of the submitted job (rethrows what it threw); nullopt when none is pending.
  std::optional<CommitPolicy::Outcome> wait();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::packaged_task<CommitPolicy::Outcome()>> task_;
  bool quit_ = false;
  std::future<CommitPolicy::Outcome> result_;
  std::thread thread_;
};

}  // namespace analytics::transformer
