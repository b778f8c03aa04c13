// AdmissionGate: the one "may this go ahead?" of abuse prevention, for every
// place that spends a rate limit (WebSocket upgrades, session tokens, joins,
// nexts, reports over WebSocket and REST).
//
// Each check takes from the rate limiter; a refusal is told to the abuse
// detector, whose verdict may ask for a CAPTCHA instead of a wait. join and
// next also pass any CAPTCHA the device still owes and the detector's own
// rules (rapid joins, rapid nexts). Callers turn a Refusal into their
// transport's answer: a WebSocket `captcha_required` or `error`, an HTTP 429
// with Retry-After. No I/O here; with shared state (Redis) the limiter and
// detector behind it change, not the callers.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "abuse/abuse_detector.hpp"
#include "abuse/rate_limiter.hpp"

namespace serendip::signaling {

struct Refusal {
  std::int64_t retry_after_ms = 0;        // > 0: a rate limit refused; try again after this many ms
  std::optional<std::int64_t> captcha{};  // set: solve an ALTCHA of this difficulty (maxnumber) first
};

// nullopt: go ahead.
using Admission = std::optional<Refusal>;

enum class MatchCommand : std::uint8_t { join, next };

class AdmissionGate {
 public:
  AdmissionGate(abuse::RateLimiter& limiter, abuse::AbuseDetector& detector) : limiter_(limiter), detector_(detector) {}

  // One rate limit for `key` (an IP for *_per_ip limits, else a device key).
  Admission check(abuse::Limit limit, std::string_view key);
  // Several limits in order; the first refusal wins (cheap per-IP limits first,
  // so a flood of invented device ids stops before it fills device tables).
  Admission check_all(std::initializer_list<std::pair<abuse::Limit, std::string_view>> limits);
  // join / next by `device` from `ip`: its rate limit, a CAPTCHA it still
  // owes, then the detector's rules for the attempt.
  Admission matchmaking(MatchCommand command, std::string_view device, std::string_view ip);

  // An authenticated socket (feeds the devices-per-IP / IPs-per-device rules).
  void connected(std::string_view device, std::string_view ip) { (void)detector_.on_connect(device, ip); }
  // The difficulty of a CAPTCHA `device` still owes, if any.
  std::optional<std::int64_t> captcha_owed(std::string_view device) { return detector_.needs_captcha(device); }
  void captcha_solved(std::string_view device) { detector_.captcha_solved(device); }

 private:
  abuse::RateLimiter& limiter_;     // Passed by argument.
  abuse::AbuseDetector& detector_;  // Passed by argument.
};

}  // namespace serendip::signaling
