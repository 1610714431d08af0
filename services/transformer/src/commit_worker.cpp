#include "commit_worker.hpp"

namespace analytics::transformer {

CommitWorker::CommitWorker() : thread_([this] { run(); }) {}

CommitWorker::~CommitWorker() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void CommitWorker::submit(Job job) {
  std::packaged_task<CommitPolicy::Outcome()> task(std::move(job));
  result_ = task.get_future();
  {
    std::lock_guard lock(mu_);
    task_ = std::move(task);
  }
  cv_.notify_one();
}

std::optional<CommitPolicy::Outcome> CommitWorker::wait() {
  if (!result_.valid()) return std::nullopt;
  auto future = std::move(result_);
  return future.get();
}

void CommitWorker::run() {
  for (;;) {
    std::packaged_task<CommitPolicy::Outcome()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return quit_ || task_.has_value(); });
      if (!task_) return;  // quitting with nothing to do
      task = std::move(*task_);
      task_.reset();
    }
    task();  // an exception is stored in the future for wait()
  }
}

}  // namespace analytics::transformer
