// Threads for work that may block on the database (reports, session
// accounting), so it never runs on an I/O thread. Free of Asio types, so the
// composition root can own it.
#pragma once

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

}  // namespace serendip::net
