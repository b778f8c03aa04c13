// Injected time. The matchmaker, rate limiters and deadline sweeps read time
// only through Clock, so tests drive it by hand instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace serendip::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds since an arbitrary epoch. Never goes backwards.
  virtual std::int64_t now_ms() const = 0;
  // Wall-clock milliseconds since the Unix epoch (for tokens, logs, analytics).
  virtual std::int64_t unix_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
  std::int64_t unix_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock for tests: time moves only when told.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 1'000'000, std::int64_t unix_start_ms = 1'790'000'000'000)
      : now_(start_ms), unix_offset_(unix_start_ms - start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  std::int64_t unix_ms() const override { return now_.load() + unix_offset_; }
  void advance(std::int64_t ms) { now_ += ms; }

 private:
  std::atomic<std::int64_t> now_;  // milliseconds
  std::int64_t unix_offset_;       // milliseconds
};

}  // namespace serendip::core
