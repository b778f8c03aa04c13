// Reports: a user reports a session, the abuse detector moves reports up the
// queue, a moderator accepts (with a block) or rejects them.
#include <algorithm>

#include "moderation/audited.hpp"
#include "moderation/service.hpp"
#include "moderation/service_internal.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {

using core::ErrorCode;
using namespace detail;

Outcome<std::int64_t> ModerationService::submit_report(const ReportInput& in) {
  if (in.session_id.empty() || in.session_id.size() > kMaxSessionId) {
    return fail(ErrorCode::bad_request, "sessionId is required");
  }
  if (!valid_report_reason(in.reason)) {
    return fail(ErrorCode::bad_request, "reason must be one of nudity, harassment, spam, underage, violence, other");
  }
  if (auto f = check_text(in.comment, kMaxComment, "comment")) return *f;
  if (in.shield && ((in.shield->verdict != "nudity" && in.shield->verdict != "suggestive") ||
                    in.shield->score_permille < 0 || in.shield->score_permille > 1000)) {
    return fail(ErrorCode::bad_request, "shield must be {verdict: nudity|suggestive, score: 0..1}");
  }
  if (in.reporter.user_id.empty() || in.reported.user_id.empty()) {
    return fail(ErrorCode::bad_request, "reporter and reported user are required");
  }
  const std::int64_t now = clock_.unix_ms();
  store::NewReport n;
  n.created_at = now;
  n.session_id = in.session_id;
  n.reason = in.reason;
  n.comment = in.comment;
  n.reporter = in.reporter;
  n.reporter.ip = stored_ip(in.reporter.ip);
  n.reported = in.reported;
  n.reported.ip = stored_ip(in.reported.ip);
  n.session_started_at = in.session_started_at;
  n.session_ended_at = in.session_ended_at;
  n.shield = in.shield;
  n.session_length_ms = std::max<std::int64_t>(0, in.session_ended_at.value_or(now) - in.session_started_at);

  auto id = commit_audited(db_, "report", [&]() -> Outcome<Audited<std::int64_t>> {
    auto r = db_.reports().add(n);
    if (!r) {
      if (r.error().kind == store::ErrorKind::conflict) {
        return fail(ErrorCode::conflict, "this session was already reported");
      }
      return from_store(r.error(), "report");
    }
    return Audited<std::int64_t>{
        *r,
        {store::AuditRecord{now, "user:" + n.reporter.user_id, std::string(action::report_create), target("report", *r),
                            n.reason,
                            JsonText().add("sessionId", n.session_id).add("reportedUser", n.reported.user_id).str()}}};
  });
  if (!id) return id.error();
  obs::log(obs::Level::info, "moderation", "report_stored", {{"report_id", *id}, {"reason", n.reason}});
  if (BlockListener* l = listener_.load();
      l != nullptr && !n.reporter.device_key.empty() && !n.reported.device_key.empty()) {
    l->on_report(n.reporter.device_key, n.reported.device_key);
  }
  return *id;
}

Outcome<std::int64_t> ModerationService::report_session(const SessionDirectory& sessions,
                                                        std::string_view reporter_user_id, std::string_view reporter_ip,
                                                        const ReportRequest& request) {
  if (reporter_user_id.empty()) return fail(ErrorCode::unauthorized, "unknown reporter");
  if (request.session_id.empty() || request.session_id.size() > kMaxSessionId) {
    return fail(ErrorCode::bad_request, "sessionId is required");
  }
  auto rec = sessions.find_for_report(request.session_id, reporter_user_id);
  if (!rec) return fail(ErrorCode::not_in_session, "no such session to report");
  if (rec->ended_at && clock_.unix_ms() - *rec->ended_at > options_.report_window_ms) {
    return fail(ErrorCode::not_in_session, "the session ended too long ago to report");
  }
  ReportInput in;
  in.session_id = request.session_id;
  in.reason = request.reason;
  in.comment = request.comment;
  in.reporter = rec->reporter;
  if (in.reporter.user_id.empty()) in.reporter.user_id = std::string(reporter_user_id);
  if (in.reporter.ip.empty()) in.reporter.ip = std::string(reporter_ip);
  in.reported = rec->peer;
  in.session_started_at = rec->started_at;
  in.session_ended_at = rec->ended_at;
  in.shield = request.shield;
  return submit_report(in);
}

Outcome<store::ReportSummary> ModerationService::report(std::int64_t id) {
  auto r = db_.reports().get(id);
  if (!r) return from_store(r.error(), "report");
  return std::move(*r);
}

Outcome<store::Page<store::ReportSummary>> ModerationService::reports(const store::ReportFilter& filter,
                                                                      const store::PageRequest& page) {
  auto r = db_.reports().queue(filter, page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

Outcome<std::int64_t> ModerationService::prioritize_reports_against(const Actor& actor, std::string_view device_key,
                                                                    std::string_view reason) {
  if (!valid_device_key(device_key)) return fail(ErrorCode::bad_request, "device is not a valid device key");
  if (auto f = check_text(reason, kMaxNote, "reason")) return *f;
  const std::int64_t now = clock_.unix_ms();
  auto marked = commit_audited(db_, "report", [&]() -> Outcome<Audited<std::int64_t>> {
    auto n = db_.reports().prioritize_reported_device(device_key);
    if (!n) return from_store(n.error(), "report");
    // Nothing newly marked is no moderation action: the log stays quiet.
    if (*n == 0) return Audited<std::int64_t>{0, {}};
    return Audited<std::int64_t>{*n,
                                 {store::AuditRecord{now, actor.audit_name(), std::string(action::report_prioritize),
                                                     "device:" + std::string(device_key), std::string(reason),
                                                     JsonText().add("reports", *n).str()}}};
  });
  if (!marked) return marked.error();
  if (*marked > 0) {
    obs::log(obs::Level::info, "moderation", "reports_prioritized",
             {{"reports", *marked}, {"actor", actor.audit_name()}});
  }
  return *marked;
}

Outcome<DecisionOutcome> ModerationService::decide_report(const Actor& actor, std::int64_t report_id,
                                                          const Decision& decision) {
  const auto* accept = std::get_if<AcceptReport>(&decision);
  const std::string note = accept != nullptr ? accept->note : std::get<RejectReport>(decision).note;
  if (auto f = check_text(note, kMaxNote, "note")) return *f;
  if (accept != nullptr) {
    if (!accept->block_ip && !accept->block_device) {
      return fail(ErrorCode::bad_request, "accepting needs an IP block, a device block or both");
    }
    if (auto f = check_duration(actor, accept->duration_s)) return *f;
  }
  const std::int64_t now = clock_.unix_ms();
  auto out = commit_audited(db_, "decision", [&]() -> Outcome<Audited<DecisionOutcome>> {
    // Read inside the transaction, so the block is made from the row being decided.
    auto cur = db_.reports().get(report_id);
    if (!cur) return from_store(cur.error(), "report");
    if (cur->report.status != store::ReportStatus::pending) {
      return fail(ErrorCode::conflict, "the report was already decided");
    }
    const store::Party& reported = cur->report.reported;
    std::optional<store::NewBlock> nb;
    if (accept != nullptr) {
      if (accept->block_ip && reported.ip.empty()) {
        return fail(ErrorCode::bad_request, "the reported user's IP is not known");
      }
      if (accept->block_device && reported.device_key.empty()) {
        return fail(ErrorCode::bad_request, "the reported user's device is not known");
      }
      nb = store::NewBlock{
          accept->block_ip ? reported.ip : "",
          accept->block_device ? reported.device_key : "",
          cur->report.reason,
          actor.audit_name(),
          now,
          accept->duration_s ? std::optional<std::int64_t>(now + *accept->duration_s * 1000) : std::nullopt,
          report_id};
    }
    auto decided = db_.reports().decide(
        report_id,
        store::DecisionUpdate{accept != nullptr ? store::ReportStatus::accepted : store::ReportStatus::rejected,
                              actor.audit_name(), now, note});
    if (!decided) return from_store(decided.error(), "report");
    Audited<DecisionOutcome> made{DecisionOutcome{*decided, std::nullopt}, {}};
    JsonText details;
    details.add("reason", cur->report.reason);
    if (accept != nullptr) {
      details.add("blockIp", accept->block_ip).add("blockDevice", accept->block_device);
      if (accept->duration_s) {
        details.add("durationS", *accept->duration_s);
      } else {
        details.add_null("durationS");
      }
    }
    made.audit.push_back(store::AuditRecord{
        now, actor.audit_name(), std::string(accept != nullptr ? action::report_accept : action::report_reject),
        target("report", report_id), note, details.str()});
    if (nb) {
      auto b = db_.blocks().add(*nb);
      if (!b) return from_store(b.error(), "block");
      // The decision's entry first, then the block it made.
      made.audit.push_back(store::AuditRecord{now, actor.audit_name(), std::string(action::block_create),
                                              target("block", b->id), b->reason, block_details(*b, db_.ip_privacy())});
      made.value.block = std::move(*b);
    }
    return made;
  });
  if (!out) return out.error();
  obs::log(obs::Level::info, "moderation", "report_decided",
           {{"report_id", report_id}, {"accepted", accept != nullptr}, {"actor", actor.audit_name()}});
  if (out->block) notify(*out->block);
  if (BlockListener* l = listener_.load(); l != nullptr && !out->report.reporter.device_key.empty()) {
    l->on_report_decided(out->report.reporter.device_key, accept != nullptr);
  }
  return std::move(*out);
}

}  // namespace serendip::moderation
