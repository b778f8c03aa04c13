// The admin login throttle in memory (the rule: core/login_rules.hpp): per
// (username, address), per address and over all logins, each attempt counted
// before the password is hashed. Per instance; with Redis the same rule is
// also kept for every instance together (shared_state/lua/login.lua). It
// slows a guesser down with growing delays; it never locks an account out for
// everyone. Thread-safe; time comes in as an argument (milliseconds,
// Clock::now_ms).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/login_rules.hpp"

namespace serendip::moderation {

struct LoginAdmission {
  std::int64_t wait_ms = 0;  // 0: admitted (and counted)
  bool everyone = false;     // refused by the count of all logins, not this caller's
};

class LoginLimiter {
 public:
  explicit LoginLimiter(core::LoginRules rules) : rules_(rules) {}

  // Counts the attempt of `username` from `ip` when every count allows one
  // more now; otherwise counts nothing and says how long to wait.
  LoginAdmission admit(std::string_view username, std::string_view ip, std::int64_t now_ms);
  // The admitted attempt had the right password.
  void succeeded(std::string_view username, std::string_view ip, std::int64_t now_ms);

  // One scope's step, as login.lua takes it (the Redis test compares them).
  // `subject`: core::login_pair_subject for pair, the address, ignored for all.
  std::int64_t wait_ms(core::LoginScope scope, std::string_view subject, std::int64_t now_ms);
  void hit(core::LoginScope scope, std::string_view subject, std::int64_t now_ms);
  void succeeded(core::LoginScope scope, std::string_view subject, std::int64_t now_ms);

  std::size_t tracked() const;  // pair and address counts held (memory stays bounded)

 private:
  std::unordered_map<std::string, core::LoginCount>& map_of(core::LoginScope scope);
  core::LoginCount& count_locked(core::LoginScope scope, std::string_view subject);
  std::int64_t wait_locked(core::LoginScope scope, std::string_view subject, std::int64_t now_ms);
  void prune_locked(std::int64_t now_ms);

  const core::LoginRules rules_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, core::LoginCount> pairs_;      // guarded by mu_
  std::unordered_map<std::string, core::LoginCount> addresses_;  // guarded by mu_
  core::LoginCount all_;                                         // guarded by mu_
  std::int64_t next_prune_ms_ = 0;                               // guarded by mu_
};

}  // namespace serendip::moderation
