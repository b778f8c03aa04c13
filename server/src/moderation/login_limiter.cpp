#include "moderation/login_limiter.hpp"

namespace serendip::moderation {

std::int64_t LoginLimiter::retry_after_ms(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(std::string(key));
  if (it == failures_.end()) return 0;
  auto& times = it->second;
  while (!times.empty() && times.front() + window_ms_ <= now_ms) times.pop_front();
  if (static_cast<int>(times.size()) < max_failures_) return 0;
  // Free again once enough failures have aged out to leave room for one more try.
  const std::size_t must_expire = times.size() - static_cast<std::size_t>(max_failures_);
  return times[must_expire] + window_ms_ - now_ms;
}

void LoginLimiter::record_failure(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  prune_locked(now_ms);
  auto& times = failures_[std::string(key)];
  times.push_back(now_ms);
  // Never keep more than the limit needs: a flood costs constant memory per key.
  while (static_cast<int>(times.size()) > max_failures_) times.pop_front();
}

void LoginLimiter::reset(std::string_view key) {
  std::lock_guard lock(mu_);
  failures_.erase(std::string(key));
}

void LoginLimiter::prune_locked(std::int64_t now_ms) {
  // At most once per window, drop keys whose failures all aged out.
  if (now_ms < next_prune_ms_) return;
  next_prune_ms_ = now_ms + window_ms_;
  for (auto it = failures_.begin(); it != failures_.end();) {
    if (it->second.empty() || it->second.back() + window_ms_ <= now_ms) {
      it = failures_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace serendip::moderation
