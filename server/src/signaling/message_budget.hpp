// The per-socket message budget: a token bucket of `burst` messages refilled
// at `per_second`, plus a flood score for what it refuses.
//
// A client slightly over the limit only gets `rate_limited` errors (at most
// one a second, so the errors themselves cannot flood it); refused frames
// raise a flood score that drains at the allowed rate, and a client that keeps
// sending far beyond the limit (or dumps more than a burst at once) is closed
// with 1008. Pure arithmetic over injected time: no clock, no I/O.
#pragma once

#include <cstdint>

namespace serendip::signaling {

class MessageBudget {
 public:
  enum class Verdict : std::uint8_t {
    admit,   // handle the frame
    refuse,  // drop it silently (an error was sent less than a second ago)
    warn,    // drop it and send rate_limited with retry_after_ms()
    close,   // flooding: close the socket with 1008
  };

  MessageBudget(double per_second, double burst, std::int64_t now_ms);

  // One incoming frame at monotonic `now_ms`.
  Verdict spend(std::int64_t now_ms);
  // After `warn`: milliseconds until the next token.
  std::int64_t retry_after_ms() const;

 private:
  double per_second_;
  double burst_;
  double tokens_;  // messages
  std::int64_t tokens_at_ms_;
  double flood_score_ = 0;  // refused frames, draining at per_second_
  std::int64_t flood_at_ms_;
  std::int64_t last_warning_ms_ = -1'000'000;
};

}  // namespace serendip::signaling
