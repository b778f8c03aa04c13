// The admin login throttle's rule, one definition for the in-memory
// moderation::LoginLimiter and the shared shared_state/lua/login.lua (the
// Redis test compares the two step by step).
//
// Three counts, each taken BEFORE the password is hashed:
//   - pair:    one username from one address;
//   - address: one address, whatever the usernames;
//   - all:     every login this service sees (a fixed window).
// A pair or an address gets `*_free` attempts without delay; after that each
// further attempt must wait first_delay_ms after the previous one, doubling
// with every attempt up to max_delay_ms. A count is forgotten after
// forget_after_ms without attempts. A success forgets the pair and takes its
// own attempt back from the address. Nothing ever refuses the right password
// from an address that did not fail: no username is locked out everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace serendip::core {

enum class LoginScope : std::uint8_t { pair, address, all };

struct LoginRules {
  int pair_free = 5;                           // attempts per (username, address) before delays begin
  int address_free = 20;                       // attempts per address before delays begin
  std::int64_t first_delay_ms = 1'000;         // the first delay; each further attempt doubles it ...
  std::int64_t max_delay_ms = 15 * 60'000;     // ... up to this (milliseconds)
  std::int64_t forget_after_ms = 60 * 60'000;  // a pair or address count without attempts this long is gone
  int all_max = 120;                           // attempts of everyone together ...
  std::int64_t all_window_ms = 60'000;         // ... per window, from the window's first attempt
};

// The subject of a pair count: "<username>|<ip>".
inline std::string login_pair_subject(std::string_view username, std::string_view ip) {
  std::string s(username);
  s += '|';
  s += ip;
  return s;
}

// One scope's count: attempts and, for pair and address, the time of the last
// one (for `all`, the start of the window). Milliseconds on the caller's clock.
struct LoginCount {
  std::int64_t n = 0;
  std::int64_t t_ms = 0;
};

// The count as it stands at `now_ms` (forgotten or a new window: zero).
inline LoginCount login_current(const LoginRules& r, LoginScope scope, LoginCount c, std::int64_t now_ms) {
  const std::int64_t keep = scope == LoginScope::all ? r.all_window_ms : r.forget_after_ms;
  if (c.n > 0 && now_ms - c.t_ms >= keep) return {};
  return c;
}

// Milliseconds until one more attempt is allowed; 0 = now.
inline std::int64_t login_wait_ms(const LoginRules& r, LoginScope scope, LoginCount c, std::int64_t now_ms) {
  c = login_current(r, scope, c, now_ms);
  if (scope == LoginScope::all) return c.n < r.all_max ? 0 : c.t_ms + r.all_window_ms - now_ms;
  const std::int64_t free = scope == LoginScope::pair ? r.pair_free : r.address_free;
  if (c.n < free) return 0;
  std::int64_t delay = r.first_delay_ms;
  for (std::int64_t i = free; i < c.n && delay < r.max_delay_ms; ++i) delay *= 2;
  if (delay > r.max_delay_ms) delay = r.max_delay_ms;
  const std::int64_t wait = c.t_ms + delay - now_ms;
  return wait > 0 ? wait : 0;
}

// The count after one more attempt at `now_ms`.
inline LoginCount login_hit(const LoginRules& r, LoginScope scope, LoginCount c, std::int64_t now_ms) {
  c = login_current(r, scope, c, now_ms);
  if (scope == LoginScope::all) return {c.n + 1, c.n == 0 ? now_ms : c.t_ms};
  return {c.n + 1, now_ms};
}

// The count after the attempt counted last proved the password.
inline LoginCount login_succeeded(const LoginRules& r, LoginScope scope, LoginCount c, std::int64_t now_ms) {
  c = login_current(r, scope, c, now_ms);
  switch (scope) {
    case LoginScope::pair: return {};
    case LoginScope::address: return c.n > 0 ? LoginCount{c.n - 1, c.t_ms} : LoginCount{};
    case LoginScope::all: return c;
  }
  return c;
}

}  // namespace serendip::core
