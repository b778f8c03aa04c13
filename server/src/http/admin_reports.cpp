// Reports: the public POST /api/v1/reports (the REST twin of the WebSocket
// `report`), the moderation queue and the decision on one report.
#include "auth/jwt.hpp"
#include "http/admin_handlers.hpp"
#include "http/admin_json.hpp"
#include "moderation/validation.hpp"

namespace serendip::http::admin {
namespace {

namespace json = boost::json;
using core::ErrorCode;

}  // namespace

// {sessionId, reason, comment?} with an anonymous session token.
Response post_report(const Call& c) {
  const std::string_view token = bearer_token(c.req);
  if (token.empty()) return failure_response(moderation::Failure{ErrorCode::unauthorized, "missing bearer token", 0});
  const auth::JwtResult r = c.deps.jwt.verify(token, c.now() / 1000);
  if (!r.claims || !r.claims->role.empty()) {
    return failure_response(moderation::Failure{
        ErrorCode::unauthorized, r.error == auth::JwtError::expired ? "token expired" : "invalid token", 0});
  }
  auto body = c.body();
  if (auto* res = std::get_if<Response>(&body)) return std::move(*res);
  Fields f(std::get<json::object>(body));
  moderation::ReportRequest rr;
  rr.session_id = f.text("sessionId", true).value_or("");
  rr.reason = f.text("reason", true).value_or("");
  rr.comment = f.text("comment").value_or("");
  if (!f.ok()) return bad_request(f.error());
  // shield: null, or {verdict, score 0..1} as in the WebSocket `report` (the verdict is checked by the service).
  const json::object& o = std::get<json::object>(body);
  if (const json::value* sv = o.if_contains("shield"); sv != nullptr && !sv->is_null()) {
    const json::object* so = sv->if_object();
    const json::value* verdict = so ? so->if_contains("verdict") : nullptr;
    const json::value* score = so ? so->if_contains("score") : nullptr;
    const double s = score != nullptr && score->is_number() ? score->to_number<double>() : -1.0;
    if (verdict == nullptr || !verdict->is_string() || !(s >= 0.0 && s <= 1.0)) {
      return bad_request("shield must be null or {verdict: nudity|suggestive, score: 0..1}");
    }
    rr.shield = store::ShieldMark{std::string(verdict->get_string()), static_cast<int>(s * 1000.0 + 0.5)};
  }
  if (c.deps.report_gate) {
    if (auto refused = c.deps.report_gate(r.claims->did)) return failure_response(*refused);
  }
  auto id = c.deps.moderation.report_session(c.deps.sessions, r.claims->sub, c.req.client_ip, rr);
  if (!id) return failure_response(id.error());
  return no_store_json(201, json::object{{"reportId", *id}});
}

// ?status=&reason=&device=&ip=&since=&until=&priority= plus the page.
Response list_reports(const Call& c) {
  Params p(c.query);
  store::ReportFilter f;
  if (auto v = p.text("status")) {
    f.status = store::parse_report_status(*v);
    if (!f.status) return bad_request("status must be pending, accepted or rejected");
  }
  if (auto v = p.text("reason")) {
    if (!moderation::valid_report_reason(*v)) return bad_request("reason is not a report reason");
    f.reason = *v;
  }
  f.reported_device = p.device("device");
  f.reported_ip = p.ip("ip");
  f.since = p.integer("since");
  f.until = p.integer("until");
  f.priority = p.boolean("priority");
  const store::PageRequest page = p.page();
  if (!p.ok()) return bad_request(p.error());
  auto r = c.deps.moderation.reports(f, page);
  if (!r) return failure_response(r.error());
  return no_store_json(200, admin_json::page(*r, admin_json::report));
}

Response report_detail(const Call& c) {
  const auto id = id_param(c, "id");
  if (!id) return error_response(ErrorCode::not_found, "no such report");
  auto r = c.deps.moderation.report(*id);
  if (!r) return failure_response(r.error());
  return no_store_json(200, admin_json::report(*r));
}

// {"action":"accept","blockIp":true,"blockDevice":true,"durationS":86400|"permanent":true,"note":"..."}
// {"action":"reject","note":"..."}
Response decide_report(const Call& c) {
  const auto id = id_param(c, "id");
  if (!id) return error_response(ErrorCode::not_found, "no such report");
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto act = f.text("action", true);
  const std::string note = f.text("note").value_or("");
  if (!f.ok()) return bad_request(f.error());
  moderation::Decision decision;
  if (*act == "accept") {
    moderation::AcceptReport a;
    a.block_ip = f.boolean("blockIp").value_or(false);
    a.block_device = f.boolean("blockDevice").value_or(false);
    const auto d = f.duration();
    if (!f.ok()) return bad_request(f.error());
    a.duration_s = *d;
    a.note = note;
    decision = a;
  } else if (*act == "reject") {
    decision = moderation::RejectReport{note};
  } else {
    return bad_request("action must be accept or reject");
  }
  auto out = c.deps.moderation.decide_report(c.actor(), *id, decision);
  if (!out) return failure_response(out.error());
  // Re-read for the queue counts; the decision stands even if that read fails.
  auto full = c.deps.moderation.report(*id);
  json::object o;
  o["report"] = admin_json::report(full ? *full : store::ReportSummary{out->report, 0, 0});
  o["block"] = out->block ? json::value(admin_json::block(*out->block, c.now())) : json::value(nullptr);
  return no_store_json(200, o);
}

}  // namespace serendip::http::admin
