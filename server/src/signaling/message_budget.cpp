#include "signaling/message_budget.hpp"

#include <algorithm>

namespace serendip::signaling {

namespace {
constexpr std::int64_t kWarningIntervalMs = 1'000;  // at most one rate_limited error a second
}  // namespace

MessageBudget::MessageBudget(double per_second, double burst, std::int64_t now_ms)
    : per_second_(per_second), burst_(burst), tokens_(burst), tokens_at_ms_(now_ms), flood_at_ms_(now_ms) {}

MessageBudget::Verdict MessageBudget::spend(std::int64_t now_ms) {
  tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - tokens_at_ms_) * per_second_ / 1000.0);
  tokens_at_ms_ = now_ms;
  flood_score_ = std::max(0.0, flood_score_ - static_cast<double>(now_ms - flood_at_ms_) * per_second_ / 1000.0);
  flood_at_ms_ = now_ms;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return Verdict::admit;
  }
  flood_score_ += 1.0;
  if (flood_score_ > burst_) return Verdict::close;
  if (now_ms - last_warning_ms_ < kWarningIntervalMs) return Verdict::refuse;
  last_warning_ms_ = now_ms;
  return Verdict::warn;
}

std::int64_t MessageBudget::retry_after_ms() const {
  return static_cast<std::int64_t>((1.0 - tokens_) * 1000.0 / per_second_) + 1;
}

}  // namespace serendip::signaling
