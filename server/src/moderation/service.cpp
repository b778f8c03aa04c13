// Reports, blocks, appeals, audit and reputation (accounts live in accounts.cpp).
#include "moderation/service.hpp"

#include <boost/throw_exception.hpp>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <unordered_set>

#include "moderation/service_internal.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {

using core::ErrorCode;
using namespace detail;

void throw_exception_from_error(const Failure& f, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error("moderation: " + f.message), loc);
}

namespace {

std::optional<Failure> check_text(std::string_view text, std::size_t max, std::string_view what) {
  const auto n = utf8_length(text);
  if (!n) return fail(ErrorCode::bad_request, std::string(what) + " must be valid UTF-8");
  if (*n > max) {
    return fail(ErrorCode::bad_request, std::string(what) + " must be at most " + std::to_string(max) + " characters");
  }
  return std::nullopt;
}

std::string target(std::string_view kind, std::int64_t id) { return std::string(kind) + ":" + std::to_string(id); }

// An IP as stored: canonical when it parses, as given otherwise (it came from our own socket layer).
std::string stored_ip(std::string_view ip) {
  if (ip.empty()) return {};
  auto c = canonical_ip(ip);
  return c ? *c : std::string(ip);
}

std::string block_details(const store::Block& b) {
  JsonText j;
  if (!b.ip.empty()) j.add("ip", b.ip);
  if (!b.device_key.empty()) j.add("device", b.device_key);
  if (b.expires_at) {
    j.add("expiresAt", *b.expires_at);
  } else {
    j.add_null("expiresAt");
  }
  if (b.report_id) j.add("reportId", *b.report_id);
  return j.str();
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
}

}  // namespace

ModerationService::ModerationService(store::Database& db, const core::Clock& clock, const auth::JwtCodec& jwt,
                                     ModerationOptions options)
    : db_(db),
      clock_(clock),
      jwt_(jwt),
      options_(options),
      login_limiter_(options.login_max_failures, options.login_window_ms),
      dummy_hash_(hash_password("serendip-no-such-account", options.password_cost).value_or("")) {}

void ModerationService::notify(const store::Block& block) {
  BlockListener* l = listener_.load();
  if (l == nullptr) return;
  try {
    l->on_block(block);
  } catch (const std::exception& e) {
    // The block is committed either way; the hub will refuse the user on the next check.
    obs::log(obs::Level::error, "moderation", "block_listener_failed", {{"what", e.what()}});
  }
}

// ---------------------------------------------------------------- reports

Outcome<std::int64_t> ModerationService::submit_report(const ReportInput& in) {
  if (in.session_id.empty() || in.session_id.size() > kMaxSessionId) {
    return fail(ErrorCode::bad_request, "sessionId is required");
  }
  if (!valid_report_reason(in.reason)) {
    return fail(ErrorCode::bad_request, "reason must be one of nudity, harassment, spam, underage, violence, other");
  }
  if (auto f = check_text(in.comment, kMaxComment, "comment")) return *f;
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
  n.session_length_ms = std::max<std::int64_t>(0, in.session_ended_at.value_or(now) - in.session_started_at);

  TxAbort t;
  std::int64_t id = 0;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    auto r = db_.reports().add(n);
    if (!r) {
      if (r.error().kind == store::ErrorKind::conflict) {
        return t.abort(fail(ErrorCode::conflict, "this session was already reported"));
      }
      return t.abort_store(r.error(), "report");
    }
    id = *r;
    auto a = db_.audit().append(store::AuditRecord{
        now, "user:" + n.reporter.user_id, std::string(action::report_create), target("report", id), n.reason,
        JsonText().add("sessionId", n.session_id).add("reportedUser", n.reported.user_id).str()});
    if (!a) return t.abort_store(a.error(), "audit");
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "report");
  obs::log(obs::Level::info, "moderation", "report_stored", {{"report_id", id}, {"reason", n.reason}});
  if (BlockListener* l = listener_.load(); l != nullptr && !n.reporter.device_key.empty() &&
                                           !n.reported.device_key.empty()) {
    l->on_report(n.reporter.device_key, n.reported.device_key);
  }
  return id;
}

Outcome<std::int64_t> ModerationService::report_session(const SessionDirectory& sessions,
                                                        std::string_view reporter_user_id,
                                                        std::string_view reporter_ip, const ReportRequest& request) {
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
  TxAbort t;
  std::int64_t marked = 0;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    auto n = db_.reports().prioritize_reported_device(device_key);
    if (!n) return t.abort_store(n.error(), "report");
    marked = *n;
    if (marked == 0) return {};
    auto a = db_.audit().append(store::AuditRecord{
        now, actor.audit_name(), std::string(action::report_prioritize), "device:" + std::string(device_key),
        std::string(reason), JsonText().add("reports", marked).str()});
    if (!a) return t.abort_store(a.error(), "audit");
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "report");
  if (marked > 0) {
    obs::log(obs::Level::info, "moderation", "reports_prioritized", {{"reports", marked}, {"actor", actor.audit_name()}});
  }
  return marked;
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
  TxAbort t;
  DecisionOutcome out;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    auto cur = db_.reports().get(report_id);
    if (!cur) return t.abort_store(cur.error(), "report");
    if (cur->report.status != store::ReportStatus::pending) {
      return t.abort(fail(ErrorCode::conflict, "the report was already decided"));
    }
    const store::Party& reported = cur->report.reported;
    std::optional<store::NewBlock> nb;
    if (accept != nullptr) {
      if (accept->block_ip && reported.ip.empty()) {
        return t.abort(fail(ErrorCode::bad_request, "the reported user's IP is not known"));
      }
      if (accept->block_device && reported.device_key.empty()) {
        return t.abort(fail(ErrorCode::bad_request, "the reported user's device is not known"));
      }
      nb = store::NewBlock{accept->block_ip ? reported.ip : "",
                           accept->block_device ? reported.device_key : "",
                           cur->report.reason,
                           actor.audit_name(),
                           now,
                           accept->duration_s ? std::optional<std::int64_t>(now + *accept->duration_s * 1000)
                                              : std::nullopt,
                           report_id};
    }
    auto decided = db_.reports().decide(
        report_id, store::DecisionUpdate{accept != nullptr ? store::ReportStatus::accepted : store::ReportStatus::rejected,
                                         actor.audit_name(), now, note});
    if (!decided) return t.abort_store(decided.error(), "report");
    out.report = *decided;
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
    auto a = db_.audit().append(store::AuditRecord{
        now, actor.audit_name(), std::string(accept != nullptr ? action::report_accept : action::report_reject),
        target("report", report_id), note, details.str()});
    if (!a) return t.abort_store(a.error(), "audit");
    if (nb) {
      auto b = db_.blocks().add(*nb);
      if (!b) return t.abort_store(b.error(), "block");
      out.block = *b;
      auto ab = db_.audit().append(store::AuditRecord{now, actor.audit_name(), std::string(action::block_create),
                                                      target("block", b->id), b->reason, block_details(*b)});
      if (!ab) return t.abort_store(ab.error(), "audit");
    }
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "decision");
  obs::log(obs::Level::info, "moderation", "report_decided",
           {{"report_id", report_id}, {"accepted", accept != nullptr}, {"actor", actor.audit_name()}});
  if (out.block) notify(*out.block);
  if (BlockListener* l = listener_.load(); l != nullptr && !out.report.reporter.device_key.empty()) {
    l->on_report_decided(out.report.reporter.device_key, accept != nullptr);
  }
  return out;
}

// ---------------------------------------------------------------- blocks

std::optional<Failure> ModerationService::check_duration(const Actor& actor,
                                                         std::optional<std::int64_t> duration_s) const {
  if (!duration_s) {
    if (actor.role != Role::admin) return fail(ErrorCode::forbidden, "only admins may block permanently");
  } else if (*duration_s <= 0 || *duration_s > options_.max_block_s) {
    return fail(ErrorCode::bad_request,
                "durationS must be between 1 and " + std::to_string(options_.max_block_s) + " seconds");
  }
  return std::nullopt;
}

Outcome<store::NewBlock> ModerationService::validate_block(const Actor& actor, const BlockRequest& req) const {
  store::NewBlock nb;
  if (req.ip.empty() && req.device_key.empty()) {
    return fail(ErrorCode::bad_request, "a block needs an ip, a device or both");
  }
  if (!req.ip.empty()) {
    auto ip = canonical_ip(req.ip);
    if (!ip) return fail(ErrorCode::bad_request, "ip is not a valid IPv4 or IPv6 address");
    nb.ip = *ip;
  }
  if (!req.device_key.empty()) {
    if (!valid_device_key(req.device_key)) return fail(ErrorCode::bad_request, "device is not a valid device key");
    nb.device_key = req.device_key;
  }
  if (auto f = check_duration(actor, req.duration_s)) return *f;
  if (auto f = check_text(req.reason, kMaxNote, "reason")) return *f;
  const std::int64_t now = clock_.unix_ms();
  nb.reason = req.reason;
  nb.created_by = actor.audit_name();
  nb.created_at = now;
  if (req.duration_s) nb.expires_at = now + *req.duration_s * 1000;
  return nb;
}

Outcome<store::Block> ModerationService::create_block(const Actor& actor, const BlockRequest& request) {
  auto blocks = create_blocks_impl(actor, {request});
  if (!blocks) return blocks.error();
  return std::move(blocks->front());
}

Outcome<std::vector<store::Block>> ModerationService::create_blocks(const Actor& actor, BulkKind kind,
                                                                    const std::vector<std::string>& values,
                                                                    std::optional<std::int64_t> duration_s,
                                                                    std::string_view reason) {
  if (values.empty()) return fail(ErrorCode::bad_request, "nothing to block");
  if (values.size() > options_.max_bulk) {
    return fail(ErrorCode::bad_request, "at most " + std::to_string(options_.max_bulk) + " entries at once");
  }
  std::vector<BlockRequest> requests;
  std::unordered_set<std::string> seen;
  for (const std::string& v : values) {
    BlockRequest r{kind == BulkKind::ip ? v : "", kind == BulkKind::device ? v : "", duration_s, std::string(reason)};
    // Canonical duplicates ("::ffff:192.0.2.1" and "192.0.2.1") become one block.
    const std::string key = kind == BulkKind::ip ? canonical_ip(v).value_or(v) : v;
    if (seen.insert(key).second) requests.push_back(std::move(r));
  }
  return create_blocks_impl(actor, requests);
}

Outcome<std::vector<store::Block>> ModerationService::create_blocks_impl(const Actor& actor,
                                                                         const std::vector<BlockRequest>& requests) {
  std::vector<store::NewBlock> news;
  news.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto nb = validate_block(actor, requests[i]);
    if (!nb) {
      Failure f = nb.error();
      if (requests.size() > 1) f.message = "entry " + std::to_string(i) + ": " + f.message;
      return f;
    }
    news.push_back(std::move(*nb));
  }
  TxAbort t;
  std::vector<store::Block> made;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    made.clear();
    for (const auto& nb : news) {
      auto b = db_.blocks().add(nb);
      if (!b) return t.abort_store(b.error(), "block");
      auto a = db_.audit().append(store::AuditRecord{nb.created_at, actor.audit_name(), std::string(action::block_create),
                                                     target("block", b->id), b->reason, block_details(*b)});
      if (!a) return t.abort_store(a.error(), "audit");
      made.push_back(std::move(*b));
    }
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "block");
  obs::log(obs::Level::info, "moderation", "blocks_created",
           {{"count", static_cast<std::int64_t>(made.size())}, {"actor", actor.audit_name()}});
  for (const auto& b : made) notify(b);
  return made;
}

Outcome<store::Block> ModerationService::lift_block(const Actor& actor, std::int64_t block_id,
                                                    std::string_view reason) {
  if (auto f = check_text(reason, kMaxNote, "reason")) return *f;
  const std::int64_t now = clock_.unix_ms();
  TxAbort t;
  store::Block lifted;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    auto b = db_.blocks().lift(block_id, actor.audit_name(), now);
    if (!b) {
      if (b.error().kind == store::ErrorKind::conflict) {
        return t.abort(fail(ErrorCode::conflict, "the block was already lifted"));
      }
      return t.abort_store(b.error(), "block");
    }
    lifted = *b;
    auto a = db_.audit().append(store::AuditRecord{now, actor.audit_name(), std::string(action::block_lift),
                                                   target("block", block_id), std::string(reason), block_details(*b)});
    if (!a) return t.abort_store(a.error(), "audit");
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "block");
  return lifted;
}

Outcome<store::Page<store::Block>> ModerationService::blocks(const store::BlockFilter& filter,
                                                             const store::PageRequest& page) {
  auto r = db_.blocks().list(filter, clock_.unix_ms(), page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

std::optional<BlockInfo> ModerationService::active_block(std::string_view ip, std::string_view device_key) {
  const std::string canonical = canonical_ip(ip).value_or("");
  auto r = db_.blocks().active_for(canonical, device_key, clock_.unix_ms());
  if (!r) {
    obs::log(obs::Level::error, "moderation", "ban_check_failed", {{"error", r.error().message}});
    return std::nullopt;
  }
  if (!*r) return std::nullopt;
  const store::Block& b = **r;
  return BlockInfo{b.id, b.expires_at, b.reason, true};
}

// ---------------------------------------------------------------- appeals

Outcome<store::Appeal> ModerationService::submit_appeal(std::string_view device_key, std::string_view ip,
                                                        std::string_view message) {
  const std::string canonical = canonical_ip(ip).value_or("");
  if (device_key.empty() && canonical.empty()) {
    return fail(ErrorCode::bad_request, "no device or address to appeal for");
  }
  if (blank(message)) return fail(ErrorCode::bad_request, "message is required");
  if (auto f = check_text(message, kMaxAppeal, "message")) return *f;
  const std::int64_t now = clock_.unix_ms();
  TxAbort t;
  store::Appeal made;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    auto block = db_.blocks().active_for(canonical, device_key, now);
    if (!block) return t.abort_store(block.error(), "block");
    if (!*block) return t.abort(fail(ErrorCode::not_found, "nothing is blocked for this device or address"));
    auto a = db_.appeals().add(store::NewAppeal{(*block)->id, std::string(device_key), canonical,
                                                std::string(message), now});
    if (!a) {
      if (a.error().kind == store::ErrorKind::conflict) {
        return t.abort(fail(ErrorCode::conflict, "an appeal is already open"));
      }
      return t.abort_store(a.error(), "appeal");
    }
    made = *a;
    auto e = db_.audit().append(store::AuditRecord{now, "anonymous", std::string(action::appeal_create),
                                                   target("appeal", a->id), "",
                                                   JsonText().add("blockId", a->block_id).str()});
    if (!e) return t.abort_store(e.error(), "audit");
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "appeal");
  return made;
}

Outcome<store::Appeal> ModerationService::decide_appeal(const Actor& actor, std::int64_t appeal_id, bool accept,
                                                        std::string_view note) {
  if (auto f = check_text(note, kMaxNote, "note")) return *f;
  const std::int64_t now = clock_.unix_ms();
  TxAbort t;
  store::Appeal decided;
  auto tx = db_.transaction([&]() -> store::Result<void> {
    auto a = db_.appeals().decide(appeal_id, accept ? store::AppealStatus::accepted : store::AppealStatus::rejected,
                                  actor.audit_name(), now, note);
    if (!a) {
      if (a.error().kind == store::ErrorKind::conflict) {
        return t.abort(fail(ErrorCode::conflict, "the appeal was already decided"));
      }
      return t.abort_store(a.error(), "appeal");
    }
    decided = *a;
    auto e = db_.audit().append(store::AuditRecord{now, actor.audit_name(),
                                                   std::string(accept ? action::appeal_accept : action::appeal_reject),
                                                   target("appeal", appeal_id), std::string(note),
                                                   JsonText().add("blockId", a->block_id).str()});
    if (!e) return t.abort_store(e.error(), "audit");
    if (!accept) return {};
    auto lifted = db_.blocks().lift(a->block_id, actor.audit_name(), now);
    if (!lifted) {
      // Lifted meanwhile by someone else: the appeal's aim is met.
      if (lifted.error().kind == store::ErrorKind::conflict) return {};
      return t.abort_store(lifted.error(), "block");
    }
    auto l = db_.audit().append(store::AuditRecord{now, actor.audit_name(), std::string(action::block_lift),
                                                   target("block", a->block_id),
                                                   "appeal " + std::to_string(appeal_id) + " accepted",
                                                   block_details(*lifted)});
    if (!l) return t.abort_store(l.error(), "audit");
    return {};
  });
  if (t.failure) return *t.failure;
  if (!tx) return from_store(tx.error(), "appeal");
  return decided;
}

Outcome<store::Page<store::Appeal>> ModerationService::appeals(const store::AppealFilter& filter,
                                                               const store::PageRequest& page) {
  auto r = db_.appeals().list(filter, page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

// ---------------------------------------------------------------- audit, reputation, counters

Outcome<store::Page<store::AuditEntry>> ModerationService::audit(const store::AuditFilter& filter,
                                                                 const store::PageRequest& page) {
  auto r = db_.audit().list(filter, page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

Outcome<store::AuditVerification> ModerationService::verify_audit() {
  auto r = db_.audit().verify();
  if (!r) return from_store(r.error(), "audit");
  return std::move(*r);
}

Outcome<store::Reputation> ModerationService::reputation_of_ip(std::string_view ip) {
  auto canonical = canonical_ip(ip);
  if (!canonical) return fail(ErrorCode::bad_request, "ip is not a valid IPv4 or IPv6 address");
  auto r = db_.reputation().of_ip(*canonical, clock_.unix_ms());
  if (!r) return from_store(r.error(), "reputation");
  return std::move(*r);
}

Outcome<store::Reputation> ModerationService::reputation_of_device(std::string_view device_key) {
  if (!valid_device_key(device_key)) return fail(ErrorCode::bad_request, "device is not a valid device key");
  auto r = db_.reputation().of_device(device_key, clock_.unix_ms());
  if (!r) return from_store(r.error(), "reputation");
  return std::move(*r);
}

void ModerationService::record_session(std::string_view ip, std::string_view device_key, std::int64_t length_ms) {
  auto r = db_.reputation().record_session(stored_ip(ip), device_key, length_ms, clock_.unix_ms());
  if (!r) obs::log(obs::Level::warn, "moderation", "record_session_failed", {{"error", r.error().message}});
}

Outcome<ModerationCounts> ModerationService::counts() {
  ModerationCounts c;
  auto pending = db_.reports().count(store::ReportFilter{.status = store::ReportStatus::pending});
  if (!pending) return from_store(pending.error(), "counts");
  auto open = db_.appeals().count(store::AppealFilter{.status = store::AppealStatus::open});
  if (!open) return from_store(open.error(), "counts");
  auto active = db_.blocks().count_active(clock_.unix_ms());
  if (!active) return from_store(active.error(), "counts");
  c.pending_reports = *pending;
  c.open_appeals = *open;
  c.active_blocks = *active;
  return c;
}

Outcome<std::vector<std::pair<std::string, std::string>>> ModerationService::reported_device_pairs() {
  auto r = db_.reports().reported_device_pairs();
  if (!r) return from_store(r.error(), "reports");
  return std::move(*r);
}

}  // namespace serendip::moderation
