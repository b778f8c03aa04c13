// Whether this instance is draining for shutdown: set once by the signal
// handler, read by the readiness probe, the WebSocket upgrade, hello, join and
// next. The one flag for all of them, so they cannot disagree.
#pragma once

#include <atomic>

namespace serendip::core {

class DrainFlag {
 public:
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  void start() { draining_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> draining_{false};
};

}  // namespace serendip::core
