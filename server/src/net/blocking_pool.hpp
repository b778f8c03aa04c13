// Threads for work that may block on the database (reports, session
// accounting), so it never runs on an I/O thread. Free of Asio types, so the
// composition root can own it.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

namespace serendip::net {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads);
  ~BlockingPool();  // joins
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void post(std::function<void()> job);
  // Waits for every posted job; later posts are not run.
  void join();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A BlockingPool that holds at most `max_jobs` jobs at a time, queued or
// running: try_post refuses the rest at once, so a flood of slow jobs (the
// admin login's password hash) costs a refusal each, never a growing queue
// of memory-hungry work.
class BoundedPool {
 public:
  BoundedPool(std::size_t threads, std::size_t max_jobs);
  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;

  // false: full, `job` is dropped without running. Any thread.
  bool try_post(std::function<void()> job);
  std::size_t jobs() const { return jobs_->load(); }  // queued or running
  // Waits for every posted job; later posts are not run.
  void join() { pool_.join(); }

 private:
  BlockingPool pool_;
  const std::size_t max_jobs_;
  // Shared with the jobs in flight, so the count outlives nothing it needs.
  std::shared_ptr<std::atomic<std::size_t>> jobs_ = std::make_shared<std::atomic<std::size_t>>(0);
};

}  // namespace serendip::net
