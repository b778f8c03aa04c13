// Appeals: the public POST /api/v1/appeals (a blocked user asks to be let back
// in), the list, and the decision that lifts the block or keeps it.
#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "http/admin_handlers.hpp"
#include "http/admin_json.hpp"

namespace serendip::http::admin {
namespace {

namespace json = boost::json;
using core::ErrorCode;

// An expired session token still names the device it was issued to; a blocked
// user cannot get a fresh one, so appeals accept tokens this long past expiry.
constexpr std::int64_t kAppealTokenLeewayS = 7 * 86'400;

}  // namespace

// {message, token?, deviceId?}: the device comes from a session token (header
// or body) or the raw device id; the IP from the connection.
Response post_appeal(const Call& c) {
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto message = f.text("message", true);
  auto token = std::string(bearer_token(c.req));
  if (token.empty()) token = f.text("token").value_or("");
  const auto device_id = f.text("deviceId");
  if (!f.ok()) return bad_request(f.error());
  std::string device_key;
  if (!token.empty()) {
    const auth::JwtResult r = c.deps.jwt.verify(token, c.now() / 1000, kAppealTokenLeewayS);
    if (!r.claims || !r.claims->role.empty()) {
      return failure_response(moderation::Failure{ErrorCode::unauthorized, "invalid token", 0});
    }
    device_key = r.claims->did;
  } else if (device_id) {
    if (!auth::valid_device_id(*device_id)) return bad_request("deviceId must be 16-128 characters of [A-Za-z0-9_-]");
    device_key = auth::device_key(c.deps.device_key_secret, *device_id);
  }
  auto appeal = c.deps.moderation.submit_appeal(device_key, c.req.client_ip, *message);
  if (!appeal) return failure_response(appeal.error());
  return no_store_json(
      201, json::object{{"appealId", appeal->id}, {"status", std::string(store::to_string(appeal->status))}});
}

// ?status=&blockId= plus the page.
Response list_appeals(const Call& c) {
  Params p(c.query);
  store::AppealFilter f;
  if (auto v = p.text("status")) {
    f.status = store::parse_appeal_status(*v);
    if (!f.status) return bad_request("status must be open, accepted or rejected");
  }
  f.block_id = p.integer("blockId");
  const store::PageRequest page = p.page();
  if (!p.ok()) return bad_request(p.error());
  auto r = c.deps.moderation.appeals(f, page);
  if (!r) return failure_response(r.error());
  return no_store_json(200, admin_json::page(*r, admin_json::appeal));
}

// {"action":"accept"|"reject","note":"..."}; accept lifts the block.
Response decide_appeal(const Call& c) {
  const auto id = id_param(c, "id");
  if (!id) return error_response(ErrorCode::not_found, "no such appeal");
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto act = f.text("action", true);
  const std::string note = f.text("note").value_or("");
  if (!f.ok()) return bad_request(f.error());
  if (*act != "accept" && *act != "reject") return bad_request("action must be accept or reject");
  auto a = c.deps.moderation.decide_appeal(c.actor(), *id, *act == "accept", note);
  if (!a) return failure_response(a.error());
  return no_store_json(200, admin_json::appeal(*a));
}

}  // namespace serendip::http::admin
