// AdmissionGate: the one "may this go ahead?" of abuse prevention, for every
// place that spends a rate limit (WebSocket upgrades, session tokens, joins,
// nexts, reports over WebSocket and REST), and the CAPTCHA that lifts a
// device's debt.
//
// Each check takes from a rate limit; a refusal is told to the abuse
// detector, whose verdict may ask for a CAPTCHA instead of a wait. join and
// next also pass any CAPTCHA the device still owes and the detector's own
// rules (rapid joins, rapid nexts). Callers turn a Refusal into their
// transport's answer: a WebSocket `captcha_required` or `error`, an HTTP 429
// with Retry-After.
//
// Answers come through a callback on the caller's thread: at once from
// LocalGate (this process's limiter and detector), after a Redis round trip
// from the shared gate (net/redis_gate.hpp), so several instances spend one
// budget per IP and device. The callback may run before the call returns.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"

namespace serendip::signaling {

struct Refusal {
  std::int64_t retry_after_ms = 0;        // > 0: a rate limit refused; try again after this many ms
  std::optional<std::int64_t> captcha{};  // set: solve an ALTCHA of this difficulty (maxnumber) first
};

// nullopt: go ahead.
using Admission = std::optional<Refusal>;

enum class MatchCommand : std::uint8_t { join, next };

// What one shield_blur did to the abuse detector's shield_blur rule.
struct ShieldSignal {
  bool fired = false;  // enough distinct viewers: the device owes a CAPTCHA (if the rule asks one); review first
  int viewers = 0;     // distinct viewers counted when it fired
};

// A CAPTCHA answer as the gate judged it.
struct CaptchaVerdict {
  abuse::AltchaStatus status = abuse::AltchaStatus::malformed;
  std::optional<std::int64_t> still_owed;  // when not ok: the difficulty the device still owes
};

class AdmissionGate {
 public:
  using Done = std::function<void(Admission)>;
  using Limits = std::vector<std::pair<abuse::Limit, std::string>>;

  virtual ~AdmissionGate() = default;

  // One rate limit for `key` (an IP for *_per_ip limits, else a device key).
  virtual void check(abuse::Limit limit, std::string_view key, Done done) = 0;
  // Several limits in order; the first refusal wins (cheap per-IP limits
  // first, so a flood of invented device ids stops before it fills device tables).
  void check_all(Limits limits, Done done);
  // join / next by `device` from `ip`: its rate limit, a CAPTCHA it still
  // owes, then the detector's rules for the attempt.
  virtual void matchmaking(MatchCommand command, std::string_view device, std::string_view ip, Done done) = 0;
  // An authenticated socket (feeds the devices-per-IP / IPs-per-device rules).
  virtual void connected(std::string_view device, std::string_view ip) = 0;
  // `viewer`'s safety shield hid `device`'s video (a weak signal, no image).
  virtual void shield_blur(std::string_view device, std::string_view viewer,
                           std::function<void(ShieldSignal)> done) = 0;
  // `payload`, the device's answer to a challenge: once accepted (on any
  // instance) a challenge is spent; ok lifts the device's CAPTCHA debt.
  virtual void solve_captcha(std::string_view device, std::string_view payload,
                             std::function<void(CaptchaVerdict)> done) = 0;
};

// The gate over this process's limiter and detector: answers at once.
class LocalGate final : public AdmissionGate {
 public:
  LocalGate(abuse::RateLimiter& limiter, abuse::AbuseDetector& detector, abuse::Altcha& altcha)
      : limiter_(limiter), detector_(detector), altcha_(altcha) {}

  // The synchronous forms (the callbacks below call these).
  Admission check(abuse::Limit limit, std::string_view key);
  Admission check_all(std::initializer_list<std::pair<abuse::Limit, std::string_view>> limits);
  Admission matchmaking(MatchCommand command, std::string_view device, std::string_view ip);
  CaptchaVerdict solve_captcha(std::string_view device, std::string_view payload);
  // The difficulty of a CAPTCHA `device` still owes, if any.
  std::optional<std::int64_t> captcha_owed(std::string_view device) { return detector_.needs_captcha(device); }

  void check(abuse::Limit limit, std::string_view key, Done done) override { done(check(limit, key)); }
  void matchmaking(MatchCommand command, std::string_view device, std::string_view ip, Done done) override {
    done(matchmaking(command, device, ip));
  }
  void connected(std::string_view device, std::string_view ip) override { (void)detector_.on_connect(device, ip); }
  ShieldSignal shield_blur(std::string_view device, std::string_view viewer);
  void shield_blur(std::string_view device, std::string_view viewer, std::function<void(ShieldSignal)> done) override {
    done(shield_blur(device, viewer));
  }
  void solve_captcha(std::string_view device, std::string_view payload,
                     std::function<void(CaptchaVerdict)> done) override {
    done(solve_captcha(device, payload));
  }

 private:
  abuse::RateLimiter& limiter_;     // Passed by argument.
  abuse::AbuseDetector& detector_;  // Passed by argument.
  abuse::Altcha& altcha_;           // Passed by argument.
};

}  // namespace serendip::signaling
