#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace analytics::transformer {

/// Runs `step` every `interval` on a thread of its own, from start() until stop(). The step
/// handles its own errors: an exception that escapes it ends the process (std::terminate), as
/// everywhere else.
class PeriodicTask {
 public:
  PeriodicTask(std::chrono::seconds interval, std::function<void()> step)
      : interval_(interval), step_(std::move(step)) {}
  ~PeriodicTask() { stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start() {
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
        lock.unlock();
        step_();
        lock.lock();
      }
    });
  }

  /// Wakes the thread at once and waits for the step in progress, if any.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::chrono::seconds interval_;
  std::function<void()> step_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace analytics::transformer
