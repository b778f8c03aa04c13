#include "http/admin_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "core/time_format.hpp"

namespace serendip::http::admin_json {
namespace {

namespace json = boost::json;

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }
json::value int_or_null(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }
json::value double_or_null(const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object party(const store::Party& p) {
  return json::object{
      {"userId", text_or_null(p.user_id)}, {"device", text_or_null(p.device_key)}, {"ip", text_or_null(p.ip)}};
}

}  // namespace

json::object report(const store::ReportSummary& s) {
  const store::Report& r = s.report;
  json::object o;
  o["id"] = r.id;
  o["createdAt"] = r.created_at;
  o["sessionId"] = r.session_id;
  o["reason"] = r.reason;
  o["comment"] = r.comment;
  o["status"] = std::string(store::to_string(r.status));
  o["reporter"] = party(r.reporter);
  o["reported"] = party(r.reported);
  o["session"] = json::object{{"startedAt", r.session_started_at},
                              {"endedAt", int_or_null(r.session_ended_at)},
                              {"lengthMs", r.session_length_ms}};
  o["decidedBy"] = text_or_null(r.decided_by);
  o["decidedAt"] = int_or_null(r.decided_at);
  o["note"] = r.decision_note;
  o["distinctReporters"] = s.distinct_reporters;
  o["priorBlocks"] = s.prior_blocks;
  o["priority"] = r.priority;
  o["shield"] = r.shield ? json::value(json::object{{"verdict", r.shield->verdict},
                                                    {"score", static_cast<double>(r.shield->score_permille) / 1000.0}})
                         : json::value(nullptr);
  return o;
}

json::object block(const store::Block& b, std::int64_t now) {
  json::object o;
  o["id"] = b.id;
  o["ip"] = text_or_null(b.ip);
  o["device"] = text_or_null(b.device_key);
  o["reason"] = b.reason;
  o["createdBy"] = b.created_by;
  o["createdAt"] = b.created_at;
  o["expiresAt"] = int_or_null(b.expires_at);
  o["until"] = b.expires_at ? json::value(core::rfc3339(*b.expires_at)) : json::value(nullptr);
  o["liftedAt"] = int_or_null(b.lifted_at);
  o["liftedBy"] = text_or_null(b.lifted_by);
  o["reportId"] = int_or_null(b.report_id);
  o["active"] = b.active_at(now);
  return o;
}

json::object appeal(const store::Appeal& a) {
  json::object o;
  o["id"] = a.id;
  o["blockId"] = a.block_id;
  o["device"] = text_or_null(a.device_key);
  o["ip"] = text_or_null(a.ip);
  o["message"] = a.message;
  o["status"] = std::string(store::to_string(a.status));
  o["createdAt"] = a.created_at;
  o["decidedBy"] = text_or_null(a.decided_by);
  o["decidedAt"] = int_or_null(a.decided_at);
  o["note"] = a.note;
  return o;
}

json::object audit_entry(const store::AuditEntry& e) {
  json::object o;
  o["seq"] = e.seq;
  o["ts"] = e.ts;
  o["actor"] = e.actor;
  o["action"] = e.action;
  o["target"] = e.target;
  o["reason"] = e.reason;
  // Details are JSON we wrote ourselves; should a row hold anything else, show it as text.
  boost::system::error_code ec;
  json::value details = json::parse(e.details, ec);
  o["details"] = ec ? json::value(e.details) : std::move(details);
  o["prevHash"] = e.prev_hash;
  o["hash"] = e.hash;
  return o;
}

json::object account(const store::AdminAccount& a) {
  // Never the password hash.
  return json::object{{"username", a.username},
                      {"role", std::string(store::to_string(a.role))},
                      {"createdAt", a.created_at},
                      {"disabled", a.disabled}};
}

json::object reputation(const store::Reputation& r, std::int64_t now) {
  json::object o;
  o["sessions"] = r.sessions;
  o["sessionMs"] = r.session_ms;
  o["lastSeen"] = int_or_null(r.last_seen);
  o["reportsReceived"] = r.reports_received;
  o["distinctReporters"] = r.distinct_reporters;
  o["reportsMade"] = r.reports_made;
  o["blocks"] = r.blocks;
  o["activeBlock"] = r.active_block ? json::value(block(*r.active_block, now)) : json::value(nullptr);
  return o;
}

json::object stats(const LiveStats& live, const moderation::ModerationCounts& counts) {
  json::array queues;
  for (const auto& q : live.queues) {
    queues.emplace_back(json::object{{"mode", q.mode}, {"language", q.language}, {"waiting", q.waiting}});
  }
  json::object o;
  o["onlineUsers"] = live.online_users;
  o["queues"] = std::move(queues);
  o["activeSessions"] = live.active_sessions;
  o["matchesPerMinute"] = live.matches_per_minute;
  o["p95MatchWaitMs"] = double_or_null(live.p95_match_wait_ms);
  o["iceSuccessRate"] = double_or_null(live.ice_success_rate);
  o["turnShare"] = double_or_null(live.turn_share);
  o["shieldRate"] = double_or_null(live.shield_rate);
  o["shieldBlurs"] = live.shield_blurs;
  o["moderation"] = json::object{{"pendingReports", counts.pending_reports},
                                 {"openAppeals", counts.open_appeals},
                                 {"activeBlocks", counts.active_blocks}};
  return o;
}

json::object heatmap(const std::vector<moderation::MatchWaitHeatmap::Region>& regions) {
  json::array rows;
  for (const auto& r : regions) {
    json::array cells;
    for (const auto& c : r.cells) {
      cells.emplace_back(json::object{{"hour", c.hour},
                                      {"count", c.count},
                                      {"avgMs", static_cast<double>(c.total_ms) / static_cast<double>(c.count)},
                                      {"p50Ms", c.p50_ms},
                                      {"p95Ms", c.p95_ms},
                                      {"maxMs", c.max_ms}});
    }
    rows.emplace_back(json::object{{"region", r.region}, {"cells", std::move(cells)}});
  }
  return json::object{{"timezone", "UTC"}, {"hours", 24}, {"regions", std::move(rows)}};
}

}  // namespace serendip::http::admin_json
