#include "signaling/admission.hpp"

#include <memory>

namespace serendip::signaling {

namespace {

// Checks limits[i..] in order, each after the previous one's answer.
void check_from(AdmissionGate& gate, std::shared_ptr<AdmissionGate::Limits> limits, std::size_t i,
                AdmissionGate::Done done) {
  if (i >= limits->size()) {
    done(std::nullopt);
    return;
  }
  const auto& [limit, key] = (*limits)[i];
  gate.check(limit, key, [&gate, limits, i, done = std::move(done)](Admission a) mutable {
    if (a) {
      done(std::move(a));
      return;
    }
    check_from(gate, std::move(limits), i + 1, std::move(done));
  });
}

}  // namespace

void AdmissionGate::check_all(Limits limits, Done done) {
  check_from(*this, std::make_shared<Limits>(std::move(limits)), 0, std::move(done));
}

Admission LocalGate::check(abuse::Limit limit, std::string_view key) {
  auto decision = limiter_.check(limit, key);
  if (decision) return std::nullopt;
  Refusal refusal{.retry_after_ms = decision.retry_after_ms};
  auto verdict = detector_.on_rate_limited(limit, key);
  if (verdict.captcha_required) refusal.captcha = verdict.difficulty;
  return refusal;
}

Admission LocalGate::check_all(std::initializer_list<std::pair<abuse::Limit, std::string_view>> limits) {
  for (auto [limit, key] : limits) {
    if (auto refused = check(limit, key)) return refused;
  }
  return std::nullopt;
}

Admission LocalGate::matchmaking(MatchCommand command, std::string_view device, std::string_view ip) {
  const bool next = command == MatchCommand::next;
  if (auto refused = check(next ? abuse::Limit::next_per_device : abuse::Limit::join_per_device, device)) {
    return refused;
  }
  if (auto difficulty = detector_.needs_captcha(device)) return Refusal{.captcha = *difficulty};
  auto verdict = next ? detector_.on_next(device, ip) : detector_.on_join(device, ip);
  if (verdict.captcha_required) return Refusal{.captcha = verdict.difficulty};
  return std::nullopt;
}

CaptchaVerdict LocalGate::solve_captcha(std::string_view device, std::string_view payload) {
  const auto owed = detector_.needs_captcha(device);
  const auto status = altcha_.verify(payload, {.device = device, .min_difficulty = owed.value_or(0)});
  if (status == abuse::AltchaStatus::ok) {
    detector_.captcha_solved(device);
    return {status, std::nullopt};
  }
  return {status, detector_.needs_captcha(device)};
}

ShieldSignal LocalGate::shield_blur(std::string_view device, std::string_view viewer) {
  ShieldSignal out;
  for (const abuse::RuleHit& hit : detector_.on_shield_blur(device, viewer).hits) {
    if (hit.rule != abuse::Rule::shield_blur) continue;
    out.fired = true;
    out.viewers = hit.count;
  }
  return out;
}

}  // namespace serendip::signaling
