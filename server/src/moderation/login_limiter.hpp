// Failed-login throttle: at most `max_failures` failures per key (a client IP,
// a username) within a sliding window; past that the key is refused until its
// oldest failure leaves the window. In memory and per instance: it slows a
// guesser down, it is not an account lockout. Thread-safe; time comes in as
// an argument (milliseconds, Clock::now_ms).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace serendip::moderation {

class LoginLimiter {
 public:
  LoginLimiter(int max_failures, std::int64_t window_ms) : max_failures_(max_failures), window_ms_(window_ms) {}

  // Milliseconds until `key` may try again; 0 when it may now.
  std::int64_t retry_after_ms(std::string_view key, std::int64_t now_ms);
  void record_failure(std::string_view key, std::int64_t now_ms);
  void reset(std::string_view key);

 private:
  void prune_locked(std::int64_t now_ms);

  const int max_failures_;
  const std::int64_t window_ms_;  // milliseconds
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::int64_t>> failures_;  // key -> failure times, oldest first
  std::int64_t next_prune_ms_ = 0;
};

}  // namespace serendip::moderation
