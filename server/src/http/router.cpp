#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <memory>
#include <optional>
#include <variant>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/crypto.hpp"
#include "auth/turn.hpp"
#include "http/request.hpp"
#include "http/static_files.hpp"
#include "obs/log.hpp"

namespace serendip::http {
namespace {

namespace json = boost::json;
using core::ErrorCode;

// The REST endpoints of contract sections 1 and 2, one method each.
enum class Endpoint : std::uint8_t { session, refresh, turn_credentials };
struct Route {
  std::string_view path;
  std::string_view method;
  std::string_view allow;  // Allow header / preflight methods
  Endpoint endpoint;
};
constexpr Route kRoutes[] = {
    {"/api/v1/session", "POST", "POST, OPTIONS", Endpoint::session},
    {"/api/v1/session/refresh", "POST", "POST, OPTIONS", Endpoint::refresh},
    {"/api/v1/turn-credentials", "GET", "GET, OPTIONS", Endpoint::turn_credentials},
};
// Preflight answer for routes served by RouterDeps::api_fallback, whose methods we do not know.
constexpr std::string_view kFallbackMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

const Route* find_route(std::string_view path) {
  for (const Route& r : kRoutes) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

json::array ice_servers_json(const std::vector<core::IceServer>& servers) {
  json::array out;
  for (const auto& s : servers) {
    json::object entry;
    json::array urls;
    for (const auto& u : s.urls) urls.emplace_back(u);
    entry["urls"] = std::move(urls);
    if (!s.username.empty()) entry["username"] = s.username;
    if (!s.credential.empty()) entry["credential"] = s.credential;
    out.emplace_back(std::move(entry));
  }
  return out;
}

// Failure reasons counted by serendip_http_auth_failures_total{reason}.
enum class AuthFailure : std::uint8_t {
  missing,
  malformed,
  bad_algorithm,
  bad_signature,
  expired,
  not_yet_valid,
  admin_token,
  count_
};
constexpr std::array<std::string_view, static_cast<std::size_t>(AuthFailure::count_)> kAuthFailureNames = {
    "missing", "malformed", "bad_algorithm", "bad_signature", "expired", "not_yet_valid", "admin_token"};

AuthFailure failure_of(auth::JwtError e) {
  switch (e) {
    case auth::JwtError::malformed: return AuthFailure::malformed;
    case auth::JwtError::bad_algorithm: return AuthFailure::bad_algorithm;
    case auth::JwtError::bad_signature: return AuthFailure::bad_signature;
    case auth::JwtError::expired: return AuthFailure::expired;
    case auth::JwtError::not_yet_valid: return AuthFailure::not_yet_valid;
    case auth::JwtError::wrong_audience: return AuthFailure::admin_token;  // a token for the other audience
    case auth::JwtError::lifetime_too_long: return AuthFailure::malformed;
  }
  return AuthFailure::malformed;
}

}  // namespace

struct Router::Impl {
  explicit Impl(RouterDeps d)
      : deps(std::move(d)),
        tokens_issued(deps.metrics.counter("serendip_http_tokens_issued_total",
                                           "Session tokens issued by POST /api/v1/session.")),
        tokens_refreshed(deps.metrics.counter("serendip_http_tokens_refreshed_total",
                                              "Session tokens issued by POST /api/v1/session/refresh.")),
        turn_credentials(
            deps.metrics.counter("serendip_http_turn_credentials_total", "Answers to GET /api/v1/turn-credentials.")),
        turn_refused(deps.metrics.counter("serendip_http_turn_credentials_refused_total",
                                          "GET /api/v1/turn-credentials refused for a blocked device or address.")) {
    for (std::size_t i = 0; i < auth_failures.size(); ++i) {
      auth_failures[i] = &deps.metrics.counter("serendip_http_auth_failures_total",
                                               "Requests refused for a missing or invalid bearer token.",
                                               {{"reason", std::string(kAuthFailureNames[i])}});
    }
  }

  RouterDeps deps;
  // Metrics, all declared here.
  obs::Counter& tokens_issued;
  obs::Counter& tokens_refreshed;
  obs::Counter& turn_credentials;
  obs::Counter& turn_refused;
  std::array<obs::Counter*, static_cast<std::size_t>(AuthFailure::count_)> auth_failures{};

  std::int64_t now_s() const { return deps.clock.unix_ms() / 1000; }

  // What a session or refresh request asks for once its body or token is
  // checked: a token for (sub, did); sub empty = a fresh user id.
  struct TokenAsk {
    std::string sub;
    std::string did;
  };

  Response route(const Request& req) const {
    const std::string_view path = req.path;
    if (path == "/healthz") return health(req, 200, R"({"status":"ok"})");
    if (path == "/readyz") {
      if (deps.status.ready()) return health(req, 200, R"({"status":"ready"})");
      return health(req, 503, deps.status.draining() ? R"({"status":"draining"})" : R"({"status":"unavailable"})");
    }
    if (path == "/metrics") {
      // With a metrics listener of its own, never on the public one (an edge forwarding `listen`).
      if (!deps.config.metrics_host.empty() && !req.internal) {
        return error_response(ErrorCode::not_found, "not found");
      }
      if (req.method != "GET" && req.method != "HEAD") return method_not_allowed("GET, HEAD");
      Response res;
      res.body = deps.metrics.render();
      res.set("content-type", "text/plain; version=0.0.4; charset=utf-8");
      return no_store(std::move(res));
    }
    if (path == "/api" || path.starts_with("/api/")) return api(req);
    if (path == "/ws") {
      // A plain request to the signaling endpoint: net/ upgrades real WebSocket handshakes before this.
      return error_response(ErrorCode::bad_request, "expected a WebSocket upgrade");
    }
    if (req.method != "GET" && req.method != "HEAD") return method_not_allowed("GET, HEAD");
    return serve_static(deps.config.static_dir, req);
  }

  static Response health(const Request& req, int status, std::string_view body) {
    if (req.method != "GET" && req.method != "HEAD") return method_not_allowed("GET, HEAD");
    return no_store(json_response(status, std::string(body)));
  }

  // CORS wraps every /api/ answer: only allow-listed origins get the headers.
  Response api(const Request& req) const {
    const std::string_view origin = req.header("origin");
    const bool cors = !origin.empty() && origin_allowed(deps.config, origin);
    Response res;
    if (!origin.empty() && !cors && req.method == "OPTIONS") {
      res = error_response(ErrorCode::forbidden, "origin not allowed");
    } else {
      res = api_route(req, cors);
    }
    return with_cors(std::move(res), cors ? origin : std::string_view{});
  }

  // `allowed_origin` empty: not a CORS answer.
  static Response with_cors(Response res, std::string_view allowed_origin) {
    res.set("vary", "Origin");
    if (!allowed_origin.empty()) {
      res.set("access-control-allow-origin", allowed_origin);
      res.set("access-control-expose-headers", "Retry-After");
    }
    return res;
  }

  // POST /api/v1/session and /session/refresh, whose admission (a shared rate
  // limit) may answer later; nullopt for every other request.
  std::optional<std::variant<TokenAsk, Response>> token_request(const Request& req) const {
    if (req.method != "POST") return std::nullopt;
    const Route* route = find_route(req.path);
    if (route == nullptr) return std::nullopt;
    if (route->endpoint == Endpoint::session) return session_ask(req);
    if (route->endpoint == Endpoint::refresh) return refresh_ask(req);
    return std::nullopt;
  }

  Response api_route(const Request& req, bool cors) const {
    const Route* route = find_route(req.path);
    if (route == nullptr) {
      if (deps.api_fallback) {
        if (auto res = deps.api_fallback(req)) return std::move(*res);
        if (req.method == "OPTIONS") return preflight(kFallbackMethods, cors);
      }
      return error_response(ErrorCode::not_found, "no such endpoint");
    }
    if (req.method == "OPTIONS") return preflight(route->allow, cors);
    if (req.method != route->method) return method_not_allowed(route->allow);
    switch (route->endpoint) {
      case Endpoint::session: return token_now(req, session_ask(req));
      case Endpoint::refresh: return token_now(req, refresh_ask(req));
      case Endpoint::turn_credentials: return turn(req);
    }
    return error_response(ErrorCode::internal, "unreachable");
  }

  static Response preflight(std::string_view allow, bool cors) {
    Response res;
    res.status = 204;
    res.set("allow", allow);
    if (cors) {
      res.set("access-control-allow-methods", allow);
      res.set("access-control-allow-headers", "Authorization, Content-Type");
      res.set("access-control-max-age", "600");
    }
    return res;
  }

  // POST /api/v1/session {"deviceId": "..."}
  std::variant<TokenAsk, Response> session_ask(const Request& req) const {
    constexpr std::string_view kExpected = "body must be {\"deviceId\": \"...\"}";
    auto body = json_object_body(req, deps.config.max_http_body_bytes, kExpected);
    if (auto* refused = std::get_if<Response>(&body)) return std::move(*refused);
    const json::value* id = std::get<json::object>(body).if_contains("deviceId");
    if (id == nullptr || !id->is_string()) return error_response(ErrorCode::bad_request, kExpected);
    const std::string_view device_id(id->as_string().data(), id->as_string().size());
    if (!auth::valid_device_id(device_id)) {
      return error_response(ErrorCode::bad_request, "deviceId must be 16-128 characters of [A-Za-z0-9_-]");
    }
    return TokenAsk{{}, auth::device_key(deps.device_key_secret, device_id)};
  }

  // POST /api/v1/session/refresh with a still-valid anonymous token.
  std::variant<TokenAsk, Response> refresh_ask(const Request& req) const {
    auto claims = authenticate(req);
    if (auto* refused = std::get_if<Response>(&claims)) return std::move(*refused);
    auto& c = std::get<auth::Claims>(claims);
    return TokenAsk{std::move(c.sub), std::move(c.did)};
  }

  // The token once admitted (or what admission answered instead).
  Response issue(TokenAsk ask, std::optional<Response> refused) const {
    if (refused) return std::move(*refused);
    const bool fresh = ask.sub.empty();
    // One user id per device (a keyed hash of its device key): the TURN
    // username's user part, so coturn's per-user quota holds across tokens.
    std::string sub = fresh ? auth::user_id_for_device(deps.device_key_secret, ask.did) : std::move(ask.sub);
    Response res = token_response(std::move(sub), std::move(ask.did));
    (fresh ? tokens_issued : tokens_refreshed).inc();
    return res;
  }

  // Admits `ask`, then answers through `respond` (at once when admission does).
  void admit(const Request& req, TokenAsk ask, std::function<void(Response)> respond) const {
    if (!deps.admit_session) {
      respond(issue(std::move(ask), std::nullopt));
      return;
    }
    const std::string did = ask.did;
    deps.admit_session(
        req, did, [this, ask = std::move(ask), respond = std::move(respond)](std::optional<Response> refused) mutable {
          respond(issue(std::move(ask), std::move(refused)));
        });
  }

  // The synchronous answer for session/refresh: admission must answer at once.
  Response token_now(const Request& req, std::variant<TokenAsk, Response> ask) const {
    if (auto* early = std::get_if<Response>(&ask)) return std::move(*early);
    std::optional<Response> out;
    admit(req, std::move(std::get<TokenAsk>(ask)), [&out](Response r) { out = std::move(r); });
    if (!out) return error_response(ErrorCode::internal, "admission did not answer at once");
    return std::move(*out);
  }

  // GET /api/v1/turn-credentials
  Response turn(const Request& req) const {
    auto claims = authenticate(req);
    if (auto* refused = std::get_if<Response>(&claims)) return std::move(*refused);
    const auto& c = std::get<auth::Claims>(claims);
    if (deps.check_ban) {
      // A token outlives a ban by up to its lifetime: no relay for a blocked device or address.
      if (auto refused = deps.check_ban(req, c.did)) {
        turn_refused.inc();
        return std::move(*refused);
      }
    }
    json::object body;
    body["iceServers"] = ice_servers_json(ice_servers_for(deps.config, c.sub, now_s()));
    body["ttl"] = deps.config.turn_ttl_s;
    turn_credentials.inc();
    return no_store_json(200, body);
  }

  // An anonymous (role-less) token from "Authorization: Bearer ...", or the 401 to send.
  std::variant<auth::Claims, Response> authenticate(const Request& req) const {
    const std::string_view token = bearer_token(req);
    if (token.empty()) return fail(AuthFailure::missing, "missing bearer token");
    auth::JwtResult r = deps.jwt.verify(token, now_s());
    if (!r.claims) {
      const AuthFailure f = failure_of(r.error);
      return fail(f, f == AuthFailure::expired ? "token expired" : "invalid token");
    }
    if (!r.claims->role.empty()) return fail(AuthFailure::admin_token, "not a session token");
    return std::move(*r.claims);
  }

  Response fail(AuthFailure f, std::string_view message) const {
    auth_failures[static_cast<std::size_t>(f)]->inc();
    return unauthorized(message);
  }

  Response token_response(std::string sub, std::string did) const {
    const std::int64_t now = now_s();
    auth::Claims claims;
    claims.sub = std::move(sub);
    claims.did = std::move(did);
    claims.jti = auth::random_hex(16);
    claims.iat = now;
    claims.exp = now + deps.config.token_ttl_s;
    json::object body;
    body["token"] = deps.jwt.sign(claims);
    body["expiresIn"] = deps.config.token_ttl_s;
    return no_store_json(200, body);
  }
};

Router::Router(RouterDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
Router::~Router() = default;

Response Router::handle(const Request& req) const {
  Response res;
  try {
    res = impl_->route(req);
  } catch (const std::exception& e) {
    // What went wrong goes to the log; the client learns only that it did.
    obs::log(obs::Level::error, "http", "handler_failed", {{"what", e.what()}});
    res = error_response(ErrorCode::internal, "internal error");
  }
  add_security_headers(res, req.tls);
  if (req.method == "HEAD" && res.status != 204 && res.status != 304) {
    res.set("content-length", std::to_string(res.body.size()));
    res.body.clear();
  }
  return res;
}

namespace {

// The "username" of a login body, or "" (the admin API answers what is wrong with it).
std::string username_of(std::string_view body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* u = o != nullptr ? o->if_contains("username") : nullptr;
  if (u == nullptr || !u->is_string()) return {};
  return std::string(u->as_string().data(), std::min<std::size_t>(u->as_string().size(), 256));
}

}  // namespace

void Router::handle(const Request& req, std::function<void(Response)> respond) const {
  const auto& deps = impl_->deps;
  // Answers made here rather than by a route are dressed as the routes' are
  // (CORS for an allowed origin, security headers), from what this needs of `r`.
  auto dresser = [this](const Request& r) {
    const std::string_view origin = r.header("origin");
    std::string allowed(!origin.empty() && origin_allowed(impl_->deps.config, origin) ? origin : "");
    return [allowed = std::move(allowed), tls = r.tls](Response res) {
      res = Impl::with_cors(std::move(res), allowed);
      add_security_headers(res, tls);
      return res;
    };
  };
  if ((deps.admit_login || deps.run_login) && req.method == "POST" && req.path == "/api/v1/admin/login") {
    login(req, dresser(req), respond);
    return;
  }
  if (deps.admit_report && req.method == "POST" && req.path == "/api/v1/reports") {
    auth::JwtResult r = deps.jwt.verify(bearer_token(req), impl_->now_s());
    if (r.claims && r.claims->role.empty()) {
      auto copy = std::make_shared<Request>(req);
      deps.admit_report(
          req, r.claims->did,
          [this, dress = dresser(req), copy, respond = std::move(respond)](std::optional<Response> refused) {
            respond(refused ? dress(std::move(*refused)) : handle(*copy));
          });
      return;
    }
  }
  std::optional<std::variant<Impl::TokenAsk, Response>> ask;
  try {
    ask = impl_->token_request(req);
  } catch (const std::exception& e) {
    obs::log(obs::Level::error, "http", "handler_failed", {{"what", e.what()}});
    ask = error_response(ErrorCode::internal, "internal error");
  }
  if (!ask) {
    respond(handle(req));
    return;
  }
  auto finish = [dress = dresser(req), respond = std::move(respond)](Response res) { respond(dress(std::move(res))); };
  if (auto* early = std::get_if<Response>(&*ask)) {
    finish(std::move(*early));
    return;
  }
  impl_->admit(req, std::move(std::get<Impl::TokenAsk>(*ask)), std::move(finish));
}

// A login: the shared throttle first (when there is one), then the admin
// API's login (the throttle of this instance, then the password hash) on the
// hashing pool, or a 503 when its queue is full.
void Router::login(const Request& req, const std::function<Response(Response)>& dress,
                   const std::function<void(Response)>& respond) const {
  auto copy = std::make_shared<Request>(req);
  auto username = std::make_shared<std::string>(username_of(req.body));
  auto run = [this, copy, username, dress, respond] {
    auto job = [this, copy, username, respond] {
      Response res = handle(*copy);
      if (impl_->deps.login_outcome) impl_->deps.login_outcome(*copy, *username, res.status);
      respond(std::move(res));
    };
    if (!impl_->deps.run_login) {
      job();
      return;
    }
    if (!impl_->deps.run_login(job)) {
      obs::log(obs::Level::warn, "http", "login_queue_full");
      Response busy = error_response(ErrorCode::unavailable, "too many logins in progress; try again shortly",
                                     {{"retryAfterMs", kLoginBusyRetryMs}});
      busy.set("retry-after", std::to_string(retry_after_seconds(kLoginBusyRetryMs)));
      respond(dress(std::move(busy)));
    }
  };
  if (!impl_->deps.admit_login) {
    run();
    return;
  }
  impl_->deps.admit_login(req, *username, [run = std::move(run), dress, respond](std::optional<Response> refused) {
    if (refused) {
      respond(dress(std::move(*refused)));
      return;
    }
    run();
  });
}

AdmissionCheck at_once(ImmediateCheck check) {
  return [check = std::move(check)](const Request& req, std::string_view device_key,
                                    const std::function<void(std::optional<Response>)>& done) {
    done(check(req, device_key));
  };
}

std::vector<core::IceServer> ice_servers_for(const config::Config& config, std::string_view user_id,
                                             std::int64_t now_unix_s) {
  if (config.turn_urls.empty()) return {};
  core::IceServer server;
  server.urls = config.turn_urls;
  // One entry for all URLs: stun: ignores the credential and coturn accepts it.
  if (!config.turn_secret.empty()) {
    auto c = auth::make_turn_credential(config.turn_secret, user_id, now_unix_s, config.turn_ttl_s);
    server.username = std::move(c.username);
    server.credential = std::move(c.credential);
  }
  return {std::move(server)};
}

bool origin_allowed(const config::Config& config, std::string_view origin) {
  if (origin.empty() || origin == "null") return false;
  for (const auto& allowed : config.effective_allowed_origins()) {
    if (iequals(allowed, origin)) return true;
  }
  return false;
}

}  // namespace serendip::http
