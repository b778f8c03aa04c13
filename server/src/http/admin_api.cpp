#include "http/admin_api.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <ctime>
#include <functional>
#include <variant>

#include "auth/crypto.hpp"
#include "http/admin_json.hpp"
#include "moderation/validation.hpp"

namespace serendip::http {
namespace {

namespace json = boost::json;
using core::ErrorCode;
using moderation::Actor;
using moderation::Failure;
using store::Role;

constexpr std::string_view kAdminPrefix = "/api/v1/admin";
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
constexpr std::size_t kMaxFilterText = 200;
// An expired session token still names the device it was issued to; a blocked
// user cannot get a fresh one, so appeals accept tokens this long past expiry.
constexpr std::int64_t kAppealTokenLeewayS = 7 * 86'400;


std::string_view bearer_token(const Request& req) {
  std::string_view h = req.header("authorization");
  if (h.size() < 7) return {};
  std::string scheme(h.substr(0, 7));
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (scheme != "bearer ") return {};
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return h;
}

using Query = std::vector<std::pair<std::string, std::string>>;

std::optional<Query> parse_query(std::string_view q) {
  Query out;
  while (!q.empty()) {
    const std::size_t amp = q.find('&');
    const std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

std::optional<std::vector<std::string>> split_path(std::string_view rest) {
  std::vector<std::string> segs;
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    const std::size_t slash = rest.find('/');
    auto seg = percent_decode(rest.substr(0, slash), false);
    if (!seg) return std::nullopt;
    segs.push_back(std::move(*seg));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  return segs;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Response no_store(Response res) {
  res.set("cache-control", "no-store");
  return res;
}

Response ok_json(int status, const json::object& body) { return no_store(json_response(status, json::serialize(body))); }

Response no_content() {
  Response res;
  res.status = 204;
  return no_store(std::move(res));
}

Response bad_request(std::string_view message) { return error_response(ErrorCode::bad_request, message); }

Response failure_response(const Failure& f) {
  if (f.code == ErrorCode::rate_limited) {
    Response res = error_response(f.code, f.message, "\"retryAfterMs\":" + std::to_string(f.retry_after_ms));
    res.set("retry-after", std::to_string(std::max<std::int64_t>(1, (f.retry_after_ms + 999) / 1000)));
    return res;
  }
  Response res = error_response(f.code, f.message);
  if (f.code == ErrorCode::unauthorized) res.set("www-authenticate", "Bearer");
  return res;
}

Response method_not_allowed(std::string_view allow) {
  Response res = error_response(ErrorCode::method_not_allowed, "method not allowed");
  res.set("allow", allow);
  return res;
}

// Reads typed members of a JSON body; the first problem wins.
class Fields {
 public:
  explicit Fields(const json::object& o) : o_(o) {}

  std::optional<std::string> text(std::string_view key, bool required = false) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) fail(std::string(key) + " is required");
      return std::nullopt;
    }
    if (!v->is_string()) return fail(std::string(key) + " must be a string"), std::nullopt;
    return std::string(v->as_string());
  }
  std::optional<bool> boolean(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_bool()) return fail(std::string(key) + " must be true or false"), std::nullopt;
    return v->as_bool();
  }
  std::optional<std::int64_t> integer(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v->as_uint64());
    }
    fail(std::string(key) + " must be an integer");
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> strings(std::string_view key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_array()) return fail(std::string(key) + " must be an array of strings"), std::nullopt;
    std::vector<std::string> out;
    for (const auto& item : v->as_array()) {
      if (!item.is_string()) return fail(std::string(key) + " must be an array of strings"), std::nullopt;
      out.emplace_back(item.as_string());
    }
    return out;
  }
  // durationS (seconds) or "permanent": true; nullopt inside = permanent.
  std::optional<std::optional<std::int64_t>> duration() {
    const auto permanent = boolean("permanent");
    const auto seconds = integer("durationS");
    if (!ok()) return std::nullopt;
    if (permanent.value_or(false)) {
      if (seconds) return fail("give durationS or permanent, not both"), std::nullopt;
      return std::optional<std::optional<std::int64_t>>(std::optional<std::int64_t>{});
    }
    if (!seconds) return fail("durationS (seconds) or \"permanent\": true is required"), std::nullopt;
    return std::optional<std::optional<std::int64_t>>(seconds);
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  const json::object& o_;
  std::string error_;
};

// Reads validated query parameters; the first problem wins.
class Params {
 public:
  explicit Params(const Query& q) : q_(q) {}

  std::optional<std::string> text(std::string_view name) {
    for (const auto& [k, v] : q_) {
      if (k != name) continue;
      if (v.empty()) return std::nullopt;
      if (v.size() > kMaxFilterText) return fail(std::string(name) + " is too long"), std::nullopt;
      return v;
    }
    return std::nullopt;
  }
  std::optional<std::int64_t> integer(std::string_view name) {
    auto v = text(name);
    if (!v) return std::nullopt;
    auto n = parse_int(*v);
    if (!n) fail(std::string(name) + " must be an integer");
    return n;
  }
  std::optional<bool> boolean(std::string_view name) {
    auto v = text(name);
    if (!v) return std::nullopt;
    if (*v == "true") return true;
    if (*v == "false") return false;
    return fail(std::string(name) + " must be true or false"), std::nullopt;
  }
  std::optional<std::string> ip(std::string_view name) {
    auto v = text(name);
    if (!v) return std::nullopt;
    auto c = moderation::canonical_ip(*v);
    if (!c) fail(std::string(name) + " must be an IPv4 or IPv6 address");
    return c;
  }
  std::optional<std::string> device(std::string_view name) {
    auto v = text(name);
    if (v && !moderation::valid_device_key(*v)) return fail(std::string(name) + " must be a device key"), std::nullopt;
    return v;
  }
  store::PageRequest page() {
    store::PageRequest p;
    p.limit = static_cast<int>(integer("limit").value_or(kDefaultLimit));
    if (p.limit < 1 || p.limit > kMaxLimit) fail("limit must be between 1 and " + std::to_string(kMaxLimit));
    p.cursor = text("cursor").value_or("");
    return p;
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  const Query& q_;
  std::string error_;
};

struct Ctx {
  Actor actor;
  std::vector<std::string> segs;
  Query query;
};

class AdminApi {
 public:
  explicit AdminApi(AdminApiDeps deps) : d_(std::move(deps)) {}

  std::optional<Response> handle(const Request& req) const {
    // OPTIONS: the router answers the CORS preflight for routes it does not know.
    if (req.method == "OPTIONS") return std::nullopt;
    if (req.path == "/api/v1/appeals") {
      if (req.method != "POST") return method_not_allowed("POST, OPTIONS");
      return post_appeal(req);
    }
    if (req.path == "/api/v1/reports") {
      if (req.method != "POST") return method_not_allowed("POST, OPTIONS");
      return post_report(req);
    }
    if (req.path != kAdminPrefix && !req.path.starts_with(std::string(kAdminPrefix) + "/")) return std::nullopt;
    auto segs = split_path(std::string_view(req.path).substr(kAdminPrefix.size()));
    if (!segs) return bad_request("malformed path");
    return admin(req, std::move(*segs));
  }

 private:
  using Handler = Response (AdminApi::*)(const Request&, const Ctx&) const;

  std::optional<Response> admin(const Request& req, std::vector<std::string> s) const {
    const std::size_t n = s.size();
    auto at = [&](std::size_t i, std::string_view v) { return n > i && s[i] == v; };
    if (n == 1 && at(0, "login")) {
      if (req.method != "POST") return method_not_allowed("POST, OPTIONS");
      return login(req);
    }
    Handler get = nullptr;
    Handler post = nullptr;
    Handler del = nullptr;
    bool admin_only = false;
    if (n == 1 && at(0, "me")) {
      get = &AdminApi::me;
    } else if (n == 1 && at(0, "reports")) {
      get = &AdminApi::list_reports;
    } else if (n == 2 && at(0, "reports")) {
      get = &AdminApi::report_detail;
    } else if (n == 3 && at(0, "reports") && at(2, "decision")) {
      post = &AdminApi::decide_report;
    } else if (n == 1 && at(0, "blocks")) {
      get = &AdminApi::list_blocks;
      post = &AdminApi::create_block;
    } else if (n == 2 && at(0, "blocks") && at(1, "bulk")) {
      post = &AdminApi::bulk_blocks;
    } else if (n == 2 && at(0, "blocks")) {
      del = &AdminApi::lift_block;
    } else if (n == 1 && at(0, "appeals")) {
      get = &AdminApi::list_appeals;
    } else if (n == 3 && at(0, "appeals") && at(2, "decision")) {
      post = &AdminApi::decide_appeal;
    } else if (n == 1 && at(0, "reputation")) {
      get = &AdminApi::reputation;
    } else if (n == 1 && at(0, "stats")) {
      get = &AdminApi::stats;
    } else if (n == 1 && at(0, "watchlist")) {
      get = &AdminApi::watchlist;
    } else if (n == 2 && at(0, "analytics") && at(1, "match-wait")) {
      get = &AdminApi::match_wait;
    } else if (n == 1 && at(0, "audit")) {
      get = &AdminApi::audit;
    } else if (n == 2 && at(0, "audit") && at(1, "verify")) {
      get = &AdminApi::audit_verify;
    } else if (n == 1 && at(0, "accounts")) {
      get = &AdminApi::list_accounts;
      post = &AdminApi::create_account;
      admin_only = true;
    } else if (n == 3 && at(0, "accounts") && (at(2, "password") || at(2, "disable") || at(2, "enable"))) {
      post = &AdminApi::account_action;
      admin_only = true;
    } else {
      return std::nullopt;
    }
    Handler h = nullptr;
    if (req.method == "GET" || req.method == "HEAD") h = get;
    if (req.method == "POST") h = post;
    if (req.method == "DELETE") h = del;
    if (h == nullptr) {
      std::string allow;
      if (get != nullptr) allow += "GET, HEAD, ";
      if (post != nullptr) allow += "POST, ";
      if (del != nullptr) allow += "DELETE, ";
      return method_not_allowed(allow + "OPTIONS");
    }
    // Who before what: 401, then 403, then the request itself.
    auto actor = d_.moderation.authenticate(bearer_token(req));
    if (!actor) return failure_response(actor.error());
    if (admin_only && actor->role != Role::admin) return error_response(ErrorCode::forbidden, "admin role required");
    auto query = parse_query(req.query);
    if (!query) return bad_request("malformed query string");
    const Ctx ctx{std::move(*actor), std::move(s), std::move(*query)};
    return (this->*h)(req, ctx);
  }

  // A JSON object body, or the response refusing it.
  std::variant<json::object, Response> body_of(const Request& req, bool allow_empty = false) const {
    if (req.body.size() > d_.max_body_bytes) return error_response(ErrorCode::too_large, "request body too large");
    if (allow_empty && req.body.empty()) return json::object{};
    json::parse_options opts;
    opts.max_depth = 8;
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view(req.body.data(), req.body.size()), ec, {}, opts);
    if (ec || !v.is_object()) return bad_request("body must be a JSON object");
    return std::move(v.as_object());
  }

  std::int64_t now() const { return d_.clock.unix_ms(); }

  // ---------------------------------------------------------------- public

  // POST /api/v1/appeals {message, token?, deviceId?}: the device comes from
  // a session token (header or body) or the raw device id; the IP from the connection.
  Response post_appeal(const Request& req) const {
    auto body = body_of(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    const auto message = f.text("message", true);
    auto token = std::string(bearer_token(req));
    if (token.empty()) token = f.text("token").value_or("");
    const auto device_id = f.text("deviceId");
    if (!f.ok()) return bad_request(f.error());
    std::string device_key;
    if (!token.empty()) {
      const auth::JwtResult r = d_.jwt.verify(token, now() / 1000, kAppealTokenLeewayS);
      if (!r.claims || !r.claims->role.empty()) {
        return failure_response(Failure{ErrorCode::unauthorized, "invalid token", 0});
      }
      device_key = r.claims->did;
    } else if (device_id) {
      if (!auth::valid_device_id(*device_id)) {
        return bad_request("deviceId must be 16-128 characters of [A-Za-z0-9_-]");
      }
      device_key = auth::device_key(d_.device_key_secret, *device_id);
    }
    auto appeal = d_.moderation.submit_appeal(device_key, req.client_ip, *message);
    if (!appeal) return failure_response(appeal.error());
    return ok_json(201, json::object{{"appealId", appeal->id},
                                     {"status", std::string(store::to_string(appeal->status))}});
  }

  // POST /api/v1/reports {sessionId, reason, comment?} with a session token.
  Response post_report(const Request& req) const {
    const std::string_view token = bearer_token(req);
    if (token.empty()) return failure_response(Failure{ErrorCode::unauthorized, "missing bearer token", 0});
    const auth::JwtResult r = d_.jwt.verify(token, now() / 1000);
    if (!r.claims || !r.claims->role.empty()) {
      return failure_response(Failure{ErrorCode::unauthorized,
                                      r.error == auth::JwtError::expired ? "token expired" : "invalid token", 0});
    }
    auto body = body_of(req);
    if (auto* res = std::get_if<Response>(&body)) return std::move(*res);
    Fields f(std::get<json::object>(body));
    moderation::ReportRequest rr;
    rr.session_id = f.text("sessionId", true).value_or("");
    rr.reason = f.text("reason", true).value_or("");
    rr.comment = f.text("comment").value_or("");
    if (!f.ok()) return bad_request(f.error());
    if (d_.report_gate) {
      if (auto refused = d_.report_gate(r.claims->did)) return failure_response(*refused);
    }
    auto id = d_.moderation.report_session(d_.sessions, r.claims->sub, req.client_ip, rr);
    if (!id) return failure_response(id.error());
    return ok_json(201, json::object{{"reportId", *id}});
  }

  // ---------------------------------------------------------------- session

  Response login(const Request& req) const {
    auto body = body_of(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    const auto username = f.text("username", true);
    const auto password = f.text("password", true);
    if (!f.ok()) return bad_request(f.error());
    auto res = d_.moderation.login(*username, *password, req.client_ip);
    if (!res) return failure_response(res.error());
    return ok_json(200, json::object{{"token", res->token},
                                     {"expiresIn", res->expires_in_s},
                                     {"role", std::string(store::to_string(res->role))}});
  }

  Response me(const Request&, const Ctx& c) const {
    return ok_json(200, json::object{{"username", c.actor.username},
                                     {"role", std::string(store::to_string(c.actor.role))}});
  }

  // ---------------------------------------------------------------- reports

  Response list_reports(const Request&, const Ctx& c) const {
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
    auto r = d_.moderation.reports(f, page);
    if (!r) return failure_response(r.error());
    return ok_json(200, admin_json::page(*r, admin_json::report));
  }

  static std::optional<std::int64_t> id_at(const Ctx& c, std::size_t i) {
    auto id = parse_int(c.segs.at(i));
    if (!id || *id <= 0) return std::nullopt;
    return id;
  }

  Response report_detail(const Request&, const Ctx& c) const {
    const auto id = id_at(c, 1);
    if (!id) return error_response(ErrorCode::not_found, "no such report");
    auto r = d_.moderation.report(*id);
    if (!r) return failure_response(r.error());
    return ok_json(200, admin_json::report(*r));
  }

  // {"action":"accept","blockIp":true,"blockDevice":true,"durationS":86400|"permanent":true,"note":"..."}
  // {"action":"reject","note":"..."}
  Response decide_report(const Request& req, const Ctx& c) const {
    const auto id = id_at(c, 1);
    if (!id) return error_response(ErrorCode::not_found, "no such report");
    auto body = body_of(req);
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
    auto out = d_.moderation.decide_report(c.actor, *id, decision);
    if (!out) return failure_response(out.error());
    // Re-read for the queue counts; the decision stands even if that read fails.
    auto full = d_.moderation.report(*id);
    json::object o;
    o["report"] = admin_json::report(full ? *full : store::ReportSummary{out->report, 0, 0});
    o["block"] = out->block ? json::value(admin_json::block(*out->block, now())) : json::value(nullptr);
    return ok_json(200, o);
  }

  // ---------------------------------------------------------------- blocks

  Response list_blocks(const Request&, const Ctx& c) const {
    Params p(c.query);
    store::BlockFilter f;
    f.active = p.boolean("active");
    f.ip = p.ip("ip");
    f.device_key = p.device("device");
    f.report_id = p.integer("reportId");
    const store::PageRequest page = p.page();
    if (!p.ok()) return bad_request(p.error());
    auto r = d_.moderation.blocks(f, page);
    if (!r) return failure_response(r.error());
    const std::int64_t t = now();
    return ok_json(200, admin_json::page(*r, [t](const store::Block& b) { return admin_json::block(b, t); }));
  }

  // {"ip":"...","device":"...","durationS":3600|"permanent":true,"reason":"..."}
  Response create_block(const Request& req, const Ctx& c) const {
    auto body = body_of(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    moderation::BlockRequest b;
    b.ip = f.text("ip").value_or("");
    b.device_key = f.text("device").value_or("");
    b.reason = f.text("reason").value_or("");
    const auto d = f.duration();
    if (!f.ok()) return bad_request(f.error());
    b.duration_s = *d;
    auto made = d_.moderation.create_block(c.actor, b);
    if (!made) return failure_response(made.error());
    return ok_json(201, admin_json::block(*made, now()));
  }

  // {"ips":[...]} or {"devices":[...]}, plus durationS|permanent and reason.
  Response bulk_blocks(const Request& req, const Ctx& c) const {
    auto body = body_of(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    const auto ips = f.strings("ips");
    const auto devices = f.strings("devices");
    const std::string reason = f.text("reason").value_or("");
    const auto d = f.duration();
    if (!f.ok()) return bad_request(f.error());
    if (ips.has_value() == devices.has_value()) return bad_request("give either ips or devices");
    auto made = d_.moderation.create_blocks(c.actor, ips ? moderation::BulkKind::ip : moderation::BulkKind::device,
                                            ips ? *ips : *devices, *d, reason);
    if (!made) return failure_response(made.error());
    json::array items;
    const std::int64_t t = now();
    for (const auto& b : *made) items.emplace_back(admin_json::block(b, t));
    return ok_json(201, json::object{{"items", std::move(items)}});
  }

  // DELETE /blocks/{id}[?reason=...] (or a body {"reason": "..."}): lifts it; the row stays.
  Response lift_block(const Request& req, const Ctx& c) const {
    const auto id = id_at(c, 1);
    if (!id) return error_response(ErrorCode::not_found, "no such block");
    Params p(c.query);
    std::string reason = p.text("reason").value_or("");
    if (!p.ok()) return bad_request(p.error());
    auto body = body_of(req, true);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    if (auto r = f.text("reason")) reason = *r;
    if (!f.ok()) return bad_request(f.error());
    auto lifted = d_.moderation.lift_block(c.actor, *id, reason);
    if (!lifted) return failure_response(lifted.error());
    return ok_json(200, admin_json::block(*lifted, now()));
  }

  // ---------------------------------------------------------------- appeals

  Response list_appeals(const Request&, const Ctx& c) const {
    Params p(c.query);
    store::AppealFilter f;
    if (auto v = p.text("status")) {
      f.status = store::parse_appeal_status(*v);
      if (!f.status) return bad_request("status must be open, accepted or rejected");
    }
    f.block_id = p.integer("blockId");
    const store::PageRequest page = p.page();
    if (!p.ok()) return bad_request(p.error());
    auto r = d_.moderation.appeals(f, page);
    if (!r) return failure_response(r.error());
    return ok_json(200, admin_json::page(*r, admin_json::appeal));
  }

  // {"action":"accept"|"reject","note":"..."}; accept lifts the block.
  Response decide_appeal(const Request& req, const Ctx& c) const {
    const auto id = id_at(c, 1);
    if (!id) return error_response(ErrorCode::not_found, "no such appeal");
    auto body = body_of(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    const auto act = f.text("action", true);
    const std::string note = f.text("note").value_or("");
    if (!f.ok()) return bad_request(f.error());
    if (*act != "accept" && *act != "reject") return bad_request("action must be accept or reject");
    auto a = d_.moderation.decide_appeal(c.actor, *id, *act == "accept", note);
    if (!a) return failure_response(a.error());
    return ok_json(200, admin_json::appeal(*a));
  }

  // ---------------------------------------------------------------- insight

  Response reputation(const Request&, const Ctx& c) const {
    Params p(c.query);
    const auto ip = p.text("ip");
    const auto device = p.text("device");
    if (!p.ok()) return bad_request(p.error());
    if (ip.has_value() == device.has_value()) return bad_request("give either ip or device");
    auto r = ip ? d_.moderation.reputation_of_ip(*ip) : d_.moderation.reputation_of_device(*device);
    if (!r) return failure_response(r.error());
    json::object o = admin_json::reputation(*r, now());
    if (ip) {
      o["ip"] = moderation::canonical_ip(*ip).value_or(*ip);
    } else {
      o["device"] = *device;
    }
    return ok_json(200, o);
  }

  Response stats(const Request&, const Ctx&) const {
    auto counts = d_.moderation.counts();
    if (!counts) return failure_response(counts.error());
    return ok_json(200, admin_json::stats(d_.stats.live_stats(), *counts));
  }

  Response watchlist(const Request&, const Ctx&) const {
    return no_store(json_response(200, "{\"items\":" + d_.stats.watch_list_json() + "}"));
  }

  Response match_wait(const Request&, const Ctx&) const {
    return ok_json(200, admin_json::heatmap(d_.match_waits.snapshot()));
  }

  Response audit(const Request&, const Ctx& c) const {
    Params p(c.query);
    store::AuditFilter f;
    f.actor = p.text("actor");
    f.action = p.text("action");
    f.target = p.text("target");
    f.since = p.integer("since");
    f.until = p.integer("until");
    const store::PageRequest page = p.page();
    if (!p.ok()) return bad_request(p.error());
    auto r = d_.moderation.audit(f, page);
    if (!r) return failure_response(r.error());
    return ok_json(200, admin_json::page(*r, admin_json::audit_entry));
  }

  Response audit_verify(const Request&, const Ctx&) const {
    auto v = d_.moderation.verify_audit();
    if (!v) return failure_response(v.error());
    return ok_json(200, json::object{{"ok", v->ok},
                                     {"entries", v->entries},
                                     {"firstBadSeq", v->first_bad_seq ? json::value(*v->first_bad_seq)
                                                                      : json::value(nullptr)},
                                     {"problem", v->problem.empty() ? json::value(nullptr) : json::value(v->problem)}});
  }

  // ---------------------------------------------------------------- accounts (admin only)

  Response list_accounts(const Request&, const Ctx& c) const {
    auto list = d_.moderation.list_admins(c.actor);
    if (!list) return failure_response(list.error());
    json::array items;
    for (const auto& a : *list) items.emplace_back(admin_json::account(a));
    return ok_json(200, json::object{{"items", std::move(items)}});
  }

  // {"username","password","role":"moderator"|"admin"}
  Response create_account(const Request& req, const Ctx& c) const {
    auto body = body_of(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    Fields f(std::get<json::object>(body));
    const auto username = f.text("username", true);
    const auto password = f.text("password", true);
    const auto role_text = f.text("role", true);
    if (!f.ok()) return bad_request(f.error());
    const auto role = store::parse_role(*role_text);
    if (!role) return bad_request("role must be moderator or admin");
    auto made = d_.moderation.create_admin(c.actor, *username, *password, *role);
    if (!made) return failure_response(made.error());
    return ok_json(201, json::object{{"username", *username}, {"role", std::string(store::to_string(*role))}});
  }

  // POST accounts/{username}/password {"password"}, .../disable, .../enable
  Response account_action(const Request& req, const Ctx& c) const {
    const std::string& username = c.segs.at(1);
    const std::string& what = c.segs.at(2);
    if (what == "password") {
      auto body = body_of(req);
      if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
      Fields f(std::get<json::object>(body));
      const auto password = f.text("password", true);
      if (!f.ok()) return bad_request(f.error());
      auto r = d_.moderation.set_password(c.actor, username, *password);
      if (!r) return failure_response(r.error());
      return no_content();
    }
    auto r = d_.moderation.set_disabled(c.actor, username, what == "disable");
    if (!r) return failure_response(r.error());
    return no_content();
  }

  AdminApiDeps d_;
};

}  // namespace

ApiHandler make_admin_api(AdminApiDeps deps) {
  auto api = std::make_shared<const AdminApi>(std::move(deps));
  return [api](const Request& req) { return api->handle(req); };
}

AdmissionCheck make_ban_check(moderation::ModerationService& moderation) {
  return [&moderation](const Request& req, std::string_view device_key) -> std::optional<Response> {
    auto info = moderation.active_block(req.client_ip, device_key);
    if (!info) return std::nullopt;
    return banned_response(*info);
  };
}

Response banned_response(const moderation::BlockInfo& info) {
  std::string extra = "\"until\":";
  extra += info.until ? moderation::json_quote(rfc3339(*info.until)) : "null";
  extra += ",\"reason\":" + moderation::json_quote(info.reason);
  extra += info.appealable ? ",\"appealable\":true" : ",\"appealable\":false";
  return error_response(ErrorCode::banned, "this device or network is blocked", extra);
}

std::string rfc3339(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace serendip::http
