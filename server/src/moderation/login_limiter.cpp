#include "moderation/login_limiter.hpp"

#include <algorithm>
#include <utility>

namespace serendip::moderation {

using core::LoginScope;

namespace {
constexpr std::int64_t kPruneEveryMs = 60'000;
constexpr std::size_t kPruneAbove = 100'000;  // counts held before an early prune
}  // namespace

std::unordered_map<std::string, core::LoginCount>& LoginLimiter::map_of(LoginScope scope) {
  return scope == LoginScope::pair ? pairs_ : addresses_;
}

core::LoginCount& LoginLimiter::count_locked(LoginScope scope, std::string_view subject) {
  if (scope == LoginScope::all) return all_;
  return map_of(scope)[std::string(subject)];
}

std::int64_t LoginLimiter::wait_locked(LoginScope scope, std::string_view subject, std::int64_t now_ms) {
  if (scope == LoginScope::all) return core::login_wait_ms(rules_, scope, all_, now_ms);
  auto& map = map_of(scope);
  auto it = map.find(std::string(subject));
  return it == map.end() ? 0 : core::login_wait_ms(rules_, scope, it->second, now_ms);
}

LoginAdmission LoginLimiter::admit(std::string_view username, std::string_view ip, std::int64_t now_ms) {
  const std::string pair = core::login_pair_subject(username, ip);
  std::lock_guard lock(mu_);
  prune_locked(now_ms);
  const std::int64_t own =
      std::max(wait_locked(LoginScope::pair, pair, now_ms), wait_locked(LoginScope::address, ip, now_ms));
  const std::int64_t all = wait_locked(LoginScope::all, "", now_ms);
  if (own > 0 || all > 0) return LoginAdmission{.wait_ms = std::max(own, all), .everyone = own == 0};
  for (auto [scope, subject] : {std::pair{LoginScope::pair, std::string_view(pair)}, std::pair{LoginScope::address, ip},
                                std::pair{LoginScope::all, std::string_view()}}) {
    auto& c = count_locked(scope, subject);
    c = core::login_hit(rules_, scope, c, now_ms);
  }
  return {};
}

void LoginLimiter::succeeded(std::string_view username, std::string_view ip, std::int64_t now_ms) {
  const std::string pair = core::login_pair_subject(username, ip);
  std::lock_guard lock(mu_);
  pairs_.erase(pair);
  if (auto it = addresses_.find(std::string(ip)); it != addresses_.end()) {
    it->second = core::login_succeeded(rules_, LoginScope::address, it->second, now_ms);
    if (it->second.n == 0) addresses_.erase(it);
  }
}

std::int64_t LoginLimiter::wait_ms(LoginScope scope, std::string_view subject, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return wait_locked(scope, subject, now_ms);
}

void LoginLimiter::hit(LoginScope scope, std::string_view subject, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto& c = count_locked(scope, subject);
  c = core::login_hit(rules_, scope, c, now_ms);
}

void LoginLimiter::succeeded(LoginScope scope, std::string_view subject, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto& c = count_locked(scope, subject);
  c = core::login_succeeded(rules_, scope, c, now_ms);
}

std::size_t LoginLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return pairs_.size() + addresses_.size();
}

void LoginLimiter::prune_locked(std::int64_t now_ms) {
  // Once a minute, or once a second while many addresses are held: drop forgotten counts.
  if (now_ms < next_prune_ms_) return;
  next_prune_ms_ = now_ms + (pairs_.size() + addresses_.size() > kPruneAbove ? 1'000 : kPruneEveryMs);
  for (auto* map : {&pairs_, &addresses_}) {
    for (auto it = map->begin(); it != map->end();) {
      if (it->second.n == 0 || now_ms - it->second.t_ms >= rules_.forget_after_ms) {
        it = map->erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace serendip::moderation
