#include "signaling/admission.hpp"

namespace serendip::signaling {

Admission AdmissionGate::check(abuse::Limit limit, std::string_view key) {
  auto decision = limiter_.check(limit, key);
  if (decision) return std::nullopt;
  Refusal refusal{.retry_after_ms = decision.retry_after_ms};
  auto verdict = detector_.on_rate_limited(limit, key);
  if (verdict.captcha_required) refusal.captcha = verdict.difficulty;
  return refusal;
}

Admission AdmissionGate::check_all(std::initializer_list<std::pair<abuse::Limit, std::string_view>> limits) {
  for (auto [limit, key] : limits) {
    if (auto refused = check(limit, key)) return refused;
  }
  return std::nullopt;
}

Admission AdmissionGate::matchmaking(MatchCommand command, std::string_view device, std::string_view ip) {
  const bool next = command == MatchCommand::next;
  if (auto refused = check(next ? abuse::Limit::next_per_device : abuse::Limit::join_per_device, device)) {
    return refused;
  }
  if (auto difficulty = detector_.needs_captcha(device)) return Refusal{.captcha = *difficulty};
  auto verdict = next ? detector_.on_next(device, ip) : detector_.on_join(device, ip);
  if (verdict.captcha_required) return Refusal{.captcha = verdict.difficulty};
  return std::nullopt;
}

}  // namespace serendip::signaling
