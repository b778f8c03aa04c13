// RedisGate: the admission gate shared by every instance through Redis, so a
// client that hops instances (or is spread over them by the load balancer)
// spends one budget per IP and per device.
//
// In Redis (shared_state/abuse_protocol.hpp, lua/abuse.lua, lua/watch.lua):
// the rate-limit buckets of every IP and device, the abuse detector's counts
// (rapid joins and nexts, IPs per device, devices per IP), the CAPTCHA a
// device owes with its offence record, the used ALTCHA challenges, and the
// watch list. Each check is one script call on the subject's own slot,
// through the calling worker's Redis client; the answer comes back on the
// same thread. Kept per instance: the per-socket message budget, and the
// report-driven rules (distinct reporters, reporter weight), which the
// moderation service's listener feeds (app/moderation_events.hpp).
//
// Redis unreachable (or a reply this build cannot read): the check falls
// back to this instance's own limiter and detector (LocalGate), counted in
// serendip_abuse_shared_fallback_total: limits then hold per instance
// instead of failing every request (join fails anyway while matchmaking is
// unavailable; session tokens and connects keep working).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "abuse/altcha.hpp"
#include "core/clock.hpp"
#include "obs/metrics.hpp"
#include "shared_state/abuse_protocol.hpp"
#include "signaling/admission.hpp"

namespace serendip::net {

class RedisHub;

struct RedisGateDeps {
  const RedisHub& hub;                   // Passed by argument: its workers' Redis clients.
  shared_state::AbuseSettings settings;  // limits and rules, the same on every instance
  core::LoginRules login;                // the admin login throttle
  abuse::Altcha& altcha;                 // Passed by argument.
  signaling::LocalGate& fallback;        // Passed by argument: when Redis does not answer.
  const core::Clock& clock;              // Passed by argument.
  obs::Registry& registry;               // Passed by argument.
};

class RedisGate final : public signaling::AdmissionGate {
 public:
  explicit RedisGate(RedisGateDeps deps);
  ~RedisGate() override;
  RedisGate(const RedisGate&) = delete;
  RedisGate& operator=(const RedisGate&) = delete;

  // Called on a worker thread of the hub; answers on it.
  void check(abuse::Limit limit, std::string_view key, Done done) override;
  void matchmaking(signaling::MatchCommand command, std::string_view device, std::string_view ip, Done done) override;
  void connected(std::string_view device, std::string_view ip) override;
  void shield_blur(std::string_view device, std::string_view viewer,
                   std::function<void(signaling::ShieldSignal)> done) override;
  void solve_captcha(std::string_view device, std::string_view payload,
                     std::function<void(signaling::CaptchaVerdict)> done) override;

  // The admin login throttle shared by every instance (lua/login.lua, the
  // rule of core/login_rules.hpp): the milliseconds to wait before `username`
  // may try from `ip` (0: now, and the attempt is counted in every scope
  // before the password is hashed), through `done` on this worker thread; on
  // a Redis failure, 0 (the instance's own throttle in the moderation service
  // still holds).
  void login_wait(std::string_view ip, std::string_view username, const std::function<void(std::int64_t)>& done);
  // A login let through had the right password: the pair's count is
  // forgotten, the address' loses that attempt. Any thread.
  void login_succeeded(std::string_view ip, std::string_view username);

  // A rule hit decided elsewhere (the distinct-reporters rule, from the
  // database) onto the shared watch list. Any thread.
  void watch(const abuse::RuleHit& hit);

  // The shared watch list as last fetched: each second while it is read (a
  // read within the last minute), every 30 s otherwise; a read that finds it
  // older than 2 s asks for a fresh copy (the next read has it). Any thread.
  std::vector<abuse::WatchEntry> watch_list() const;
  // Every 250 ms on a worker thread (the server's tick).
  void tick();

  // This instance's figures (Prometheus sums the instances).
  std::array<std::uint64_t, abuse::kRuleCount> rule_hits() const;
  std::uint64_t refused(abuse::Limit limit) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::net
