#include "app/moderation_events.hpp"

#include <algorithm>
#include <vector>

#include "obs/log.hpp"

namespace serendip::app {

void ModerationEvents::on_block(const store::Block& block) {
  hub_.blocks_changed();
  std::size_t n = hub_.kick_blocked(block);
  if (n) obs::log(obs::Level::info, "hub", "blocked_users_kicked", {{"block", block.id}, {"sockets", n}});
}

void ModerationEvents::on_block_lifted(const store::Block&) { hub_.blocks_changed(); }

void ModerationEvents::on_report(const std::string& reporter_device, const std::string& reported_device) {
  hub_.exclude_pair(reporter_device, reported_device,
                    apart_.window_ms > 0 ? apart_.clock.unix_ms() + apart_.window_ms : net::MatchHub::kForever);
  auto verdict = shared_ ? judge_shared(reported_device) : detector_.on_report(reported_device, reporter_device);
  if (verdict.auto_block) auto_block(reported_device, *verdict.auto_block);
  if (verdict.priority_review) {
    // After the block, so the queue shows the block and its reports together.
    auto marked = moderation_.prioritize_reports_against(moderation::Actor::system_actor("auto"), reported_device,
                                                         "reported by several people; blocked pending review");
    if (!marked) obs::log(obs::Level::error, "abuse", "prioritize_failed", {{"error", marked.error().message}});
  }
}

abuse::DetectorVerdict ModerationEvents::judge_shared(const std::string& reported_device) {
  abuse::DetectorVerdict v;
  auto reporters = moderation_.reporters_of(reported_device, shared_->config.reports.window_ms);
  if (!reporters) {
    obs::log(obs::Level::error, "abuse", "reporters_unreadable", {{"error", reporters.error().message}});
    return v;
  }
  std::vector<abuse::ReporterStanding> standings;
  standings.reserve(reporters->size());
  for (const auto& r : *reporters) standings.push_back({r.decided, r.accepted});
  auto block = abuse::judge_reporters(shared_->config, reported_device, standings);
  // Blocked already (automatically, by another instance, or by a moderator):
  // later reports go first in the queue, no second block.
  if (moderation_.active_block("", reported_device)) {
    v.priority_review = true;
    return v;
  }
  if (!block) return v;
  shared_->watch(abuse::RuleHit{abuse::Rule::distinct_reporters, abuse::SubjectKind::device, reported_device,
                                block->distinct_reporters});
  v.auto_block = std::move(block);
  v.priority_review = true;
  return v;
}

void ModerationEvents::on_report_decided(const std::string& reporter_device, bool accepted) {
  detector_.on_report_decided(reporter_device, accepted);
}

void ModerationEvents::auto_block(const std::string& reported_device, const abuse::AutoBlock& verdict) {
  auto block = moderation_.create_block(
      moderation::Actor::system_actor("auto"),
      moderation::BlockRequest{.ip = {},
                               .device_key = reported_device,
                               .duration_s = std::max<std::int64_t>(60, verdict.duration_ms / 1000),
                               .reason = "automatic: reported by " + std::to_string(verdict.distinct_reporters) +
                                         " people; pending review"});
  if (!block) obs::log(obs::Level::error, "abuse", "auto_block_failed", {{"error", block.error().message}});
}

}  // namespace serendip::app
