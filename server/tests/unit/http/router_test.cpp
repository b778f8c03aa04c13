#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/crypto.hpp"
#include "auth/turn.hpp"
#include "http/request.hpp"
#include "test_support.hpp"

namespace serendip::http {
namespace {

namespace json = boost::json;
using testing::make_request;
using testing::RouterTest;

constexpr std::string_view kDevice = "3f2b1c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";

json::value parse(const std::string& s) { return json::parse(s); }

class ApiTest : public RouterTest {
 protected:
  Response post_session(std::string body, std::vector<Header> headers = {}) {
    return handle(make_request("POST", "/api/v1/session", std::move(headers), std::move(body)));
  }
  std::string new_token() {
    const Response res = post_session(R"({"deviceId":")" + std::string(kDevice) + R"("})");
    EXPECT_EQ(res.status, 200) << res.body;
    return std::string(parse(res.body).at("token").as_string());
  }
  static Header bearer(const std::string& token) { return {"authorization", "Bearer " + token}; }
};

// ---------------------------------------------------------------- health

TEST_F(ApiTest, Healthz) {
  const Response res = get("/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"status":"ok"})");
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(handle(make_request("POST", "/healthz")).status, 405);
}

TEST_F(ApiTest, Readyz) {
  EXPECT_EQ(get("/readyz").status, 200);
  EXPECT_EQ(get("/readyz").body, R"({"status":"ready"})");
  status_.ready_ = false;
  EXPECT_EQ(get("/readyz").status, 503);
  EXPECT_EQ(get("/readyz").body, R"({"status":"unavailable"})");
  status_.draining_ = true;
  EXPECT_EQ(get("/readyz").body, R"({"status":"draining"})");
}

TEST_F(ApiTest, Metrics) {
  metrics_.counter("serendip_test_total", "A test counter.").inc(5);
  const Response res = get("/metrics");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body.find("serendip_test_total 5\n"), std::string::npos);
  EXPECT_NE(res.body.find("# TYPE serendip_http_tokens_issued_total counter"), std::string::npos);
}

TEST_F(ApiTest, MetricsOnlyOnTheInternalListenerWhenItHasOne) {
  config_.metrics_host = "127.0.0.1";
  config_.metrics_port = 9090;
  const Response public_side = get("/metrics");
  EXPECT_EQ(public_side.status, 404);
  EXPECT_EQ(public_side.body.find("serendip_"), std::string::npos);
  auto internal = make_request("GET", "/metrics");
  internal.internal = true;
  const Response res = handle(internal);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("# TYPE serendip_http_tokens_issued_total counter"), std::string::npos);
  // The probes stay on the public listener too (the kubelet may use either).
  EXPECT_EQ(get("/healthz").status, 200);
}

// ---------------------------------------------------------------- session

TEST_F(ApiTest, SessionIssuesToken) {
  const Response res = post_session(R"({"deviceId":")" + std::string(kDevice) + R"(","extra":1})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.header("cache-control"), "no-store");
  const json::value body = parse(res.body);
  EXPECT_EQ(body.at("expiresIn").as_int64(), 300);
  const auth::JwtResult r = jwt_.verify(body.at("token").as_string(), clock_.unix_ms() / 1000);
  ASSERT_TRUE(r.claims);
  EXPECT_EQ(r.claims->sub.rfind("u_", 0), 0u);
  EXPECT_EQ(r.claims->sub.size(), 2u + 24u);
  EXPECT_EQ(r.claims->did, auth::device_key("device-key-secret", kDevice));
  EXPECT_EQ(r.claims->did.find(kDevice), std::string::npos);  // never the raw id
  EXPECT_EQ(r.claims->jti.size(), 32u);
  EXPECT_EQ(r.claims->role, "");
  EXPECT_EQ(r.claims->iat, clock_.unix_ms() / 1000);
  EXPECT_EQ(r.claims->exp, clock_.unix_ms() / 1000 + 300);

  // Each token gets its own token id; every token of one device names the
  // same opaque user (so a TURN quota per user binds per device), another
  // device another.
  const auth::JwtResult r2 = jwt_.verify(new_token(), clock_.unix_ms() / 1000);
  ASSERT_TRUE(r2.claims);
  EXPECT_EQ(r2.claims->sub, r.claims->sub);
  EXPECT_NE(r2.claims->jti, r.claims->jti);
  EXPECT_EQ(r2.claims->did, r.claims->did);
  EXPECT_EQ(r.claims->sub, auth::user_id_for_device("device-key-secret", r.claims->did));
  const Response other = post_session(R"({"deviceId":"another-device-0123456789"})");
  const auth::JwtResult r3 = jwt_.verify(parse(other.body).at("token").as_string(), clock_.unix_ms() / 1000);
  ASSERT_TRUE(r3.claims);
  EXPECT_NE(r3.claims->sub, r.claims->sub);
  EXPECT_EQ(r3.claims->sub.size(), 2u + 24u);
  // The user id reveals neither the device id nor its key.
  EXPECT_EQ(r.claims->sub.find(r.claims->did.substr(0, 24)), std::string::npos);
}

TEST_F(ApiTest, SessionTtlFromConfig) {
  config_.token_ttl_s = 120;
  const Response res = post_session(R"({"deviceId":")" + std::string(kDevice) + R"("})");
  const json::value body = parse(res.body);
  EXPECT_EQ(body.at("expiresIn").as_int64(), 120);
  const auto r = jwt_.verify(body.at("token").as_string(), clock_.unix_ms() / 1000);
  ASSERT_TRUE(r.claims);
  EXPECT_EQ(r.claims->exp - r.claims->iat, 120);
}

TEST_F(ApiTest, SessionBadRequests) {
  for (const std::string& body :
       std::vector<std::string>{"", "not json", "[]", "{}", R"({"deviceId":42})", R"({"deviceId":"short"})",
                                R"({"deviceid":"3f2b1c4d-5e6f-4a8b"})", R"({"deviceId":"3f2b1c4d 5e6f 4a8b 9c0d"})",
                                R"({"deviceId":")" + std::string(129, 'a') + R"("})",
                                R"({"deviceId":"3f2b1c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d")"}) {
    const Response res = post_session(body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "bad_request") << body;
  }
  const Response big = post_session(std::string(config_.max_http_body_bytes + 1, ' '));
  EXPECT_EQ(big.status, 413);
}

TEST_F(ApiTest, SessionAdmissionSeam) {
  std::string seen_device;
  admit_ = at_once([&](const Request& req, std::string_view device) -> std::optional<Response> {
    seen_device = std::string(device);
    if (req.client_ip == "203.0.113.7") {
      return error_response(core::ErrorCode::banned, "blocked", {{"until", nullptr}, {"appealable", true}});
    }
    return std::nullopt;
  });
  const Response res = post_session(R"({"deviceId":")" + std::string(kDevice) + R"("})");
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "banned");
  EXPECT_EQ(seen_device, auth::device_key("device-key-secret", kDevice));
}

TEST_F(ApiTest, SessionAdmissionMayAnswerLater) {
  // As a rate limit shared through Redis does: the answer comes after the call.
  std::vector<std::function<void(std::optional<Response>)>> pending;
  admit_ = [&](const Request&, std::string_view, std::function<void(std::optional<Response>)> done) {
    pending.push_back(std::move(done));
  };
  std::vector<Response> answers;
  auto ask = [&] {
    router().handle(make_request("POST", "/api/v1/session", {{"origin", "http://localhost:5173"}},
                                 R"({"deviceId":")" + std::string(kDevice) + R"("})"),
                    [&answers](Response r) { answers.push_back(std::move(r)); });
  };
  config_.allowed_origins = {"http://localhost:5173"};
  ask();
  ask();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_TRUE(answers.empty());
  pending[0](std::nullopt);
  pending[1](error_response(core::ErrorCode::rate_limited, "too many session requests"));
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].status, 200) << answers[0].body;
  EXPECT_TRUE(parse(answers[0].body).at("token").is_string());
  EXPECT_EQ(answers[1].status, 429);
  for (const Response& r : answers) {
    // The late answer is dressed as any other: CORS and security headers.
    EXPECT_EQ(r.header("access-control-allow-origin"), "http://localhost:5173");
    EXPECT_FALSE(r.header("x-content-type-options").empty());
  }
  // The synchronous form cannot wait: it says so instead of hanging.
  EXPECT_EQ(post_session(R"({"deviceId":")" + std::string(kDevice) + R"("})").status, 500);
}

TEST_F(ApiTest, ALoginCheckRunsBeforeTheAdminApiAndHearsTheOutcome) {
  // As the login throttle shared through Redis: asked first, told after.
  std::vector<std::string> asked;
  std::vector<std::pair<std::string, int>> told;
  bool refuse = false;
  admit_login_ = [&](const Request&, std::string_view username, std::function<void(std::optional<Response>)> done) {
    asked.emplace_back(username);
    if (refuse) {
      done(rate_limited("too many failed logins", 9'000));
    } else {
      done(std::nullopt);
    }
  };
  login_outcome_ = [&](const Request&, std::string_view username, int status) { told.emplace_back(username, status); };
  int reached = 0;
  fallback_ = [&](const Request& r) -> std::optional<Response> {
    ++reached;
    return r.path == "/api/v1/admin/login"
               ? std::optional<Response>(error_response(core::ErrorCode::unauthorized, "no"))
               : std::nullopt;
  };
  std::vector<Response> answers;
  auto login = [&](std::string body) {
    router().handle(make_request("POST", "/api/v1/admin/login", {}, std::move(body)),
                    [&answers](Response r) { answers.push_back(std::move(r)); });
  };
  login(R"({"username":"alice","password":"x"})");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 401);
  EXPECT_EQ(reached, 1);
  EXPECT_EQ(told, (std::vector<std::pair<std::string, int>>{{"alice", 401}}));
  refuse = true;
  login("not json");
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[1].status, 429);
  EXPECT_EQ(answers[1].header("retry-after"), "9");
  EXPECT_FALSE(answers[1].header("x-content-type-options").empty());
  EXPECT_EQ(reached, 1) << "a refused login never reaches the admin API";
  EXPECT_EQ(asked, (std::vector<std::string>{"alice", ""}));
  EXPECT_EQ(told.size(), 1u);
}

TEST_F(ApiTest, ALoginRunsOnTheHashingPoolAndAFullQueueAnswers503WithRetryAfter) {
  // The pool as a queue the test drains by hand: nothing of the login (its
  // password hash) runs on the calling thread.
  std::vector<std::function<void()>> queued;
  std::size_t capacity = 2;
  run_login_ = [&](std::function<void()> job) {
    if (queued.size() >= capacity) return false;
    queued.push_back(std::move(job));
    return true;
  };
  std::vector<std::pair<std::string, int>> told;
  login_outcome_ = [&](const Request&, std::string_view username, int status) { told.emplace_back(username, status); };
  int reached = 0;
  fallback_ = [&](const Request& r) -> std::optional<Response> {
    ++reached;
    return r.path == "/api/v1/admin/login"
               ? std::optional<Response>(error_response(core::ErrorCode::unauthorized, "no"))
               : std::nullopt;
  };
  std::vector<Response> answers;
  auto login = [&](const std::string& user) {
    router().handle(make_request("POST", "/api/v1/admin/login", {{"origin", "http://127.0.0.1:8080"}},
                                 R"({"username":")" + user + R"(","password":"x"})"),
                    [&answers](Response r) { answers.push_back(std::move(r)); });
  };
  login("a");
  login("b");
  EXPECT_TRUE(answers.empty()) << "queued logins answer from the pool";
  EXPECT_EQ(reached, 0);
  login("c");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 503);
  EXPECT_EQ(answers[0].header("retry-after"), "1");
  EXPECT_EQ(answers[0].header("content-type"), "application/json");
  const json::value err = parse(answers[0].body).at("error");
  EXPECT_EQ(err.at("code").as_string(), "unavailable");
  EXPECT_EQ(err.at("retryAfterMs").as_int64(), kLoginBusyRetryMs);
  EXPECT_FALSE(answers[0].header("x-content-type-options").empty());
  EXPECT_EQ(answers[0].header("access-control-allow-origin"), "http://127.0.0.1:8080");

  for (auto& job : queued) job();
  queued.clear();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[1].status, 401);
  EXPECT_EQ(answers[2].status, 401);
  EXPECT_EQ(reached, 2);
  EXPECT_EQ(told, (std::vector<std::pair<std::string, int>>{{"a", 401}, {"b", 401}}));
  login("d");
  EXPECT_EQ(queued.size(), 1u) << "room again once the queue drained";
}

TEST_F(ApiTest, AReportCheckTakesTheTokensDeviceBeforeTheAdminApi) {
  std::vector<std::string> devices;
  bool refuse = false;
  admit_report_ = [&](const Request&, std::string_view device, std::function<void(std::optional<Response>)> done) {
    devices.emplace_back(device);
    done(refuse ? std::optional<Response>(rate_limited("too many reports", 2'000)) : std::nullopt);
  };
  int reached = 0;
  fallback_ = [&](const Request& r) -> std::optional<Response> {
    ++reached;
    return r.path == "/api/v1/reports" ? std::optional<Response>(json_response(201, R"({"reportId":"1"})"))
                                       : std::nullopt;
  };
  const std::string token = new_token();
  std::vector<Response> answers;
  auto post = [&](std::vector<Header> headers) {
    router().handle(make_request("POST", "/api/v1/reports", std::move(headers), R"({"sessionId":"s","reason":"spam"})"),
                    [&answers](Response r) { answers.push_back(std::move(r)); });
  };
  post({bearer(token)});
  refuse = true;
  post({bearer(token)});
  post({});  // no token: the admin API says why
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].status, 201);
  EXPECT_EQ(answers[1].status, 429);
  EXPECT_EQ(answers[1].header("retry-after"), "2");
  EXPECT_EQ(reached, 2);
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0], auth::device_key("device-key-secret", kDevice));
}

// ---------------------------------------------------------------- refresh

TEST_F(ApiTest, RefreshKeepsSubAndDid) {
  const std::string token = new_token();
  const auto old_claims = *jwt_.verify(token, clock_.unix_ms() / 1000).claims;
  clock_.advance(100'000);
  const Response res = handle(make_request("POST", "/api/v1/session/refresh", {bearer(token)}));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("cache-control"), "no-store");
  const auto fresh = jwt_.verify(parse(res.body).at("token").as_string(), clock_.unix_ms() / 1000);
  ASSERT_TRUE(fresh.claims);
  EXPECT_EQ(fresh.claims->sub, old_claims.sub);
  EXPECT_EQ(fresh.claims->did, old_claims.did);
  EXPECT_NE(fresh.claims->jti, old_claims.jti);
  EXPECT_EQ(fresh.claims->exp, old_claims.exp + 100);
}

TEST_F(ApiTest, RefreshRefusesExpiredAndInvalid) {
  const std::string token = new_token();
  clock_.advance(300'000);  // exactly at exp
  Response res = handle(make_request("POST", "/api/v1/session/refresh", {bearer(token)}));
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.header("www-authenticate"), "Bearer");
  EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "unauthorized");

  EXPECT_EQ(handle(make_request("POST", "/api/v1/session/refresh")).status, 401);
  EXPECT_EQ(handle(make_request("POST", "/api/v1/session/refresh", {{"authorization", "Bearer"}})).status, 401);
  EXPECT_EQ(handle(make_request("POST", "/api/v1/session/refresh", {{"authorization", "Basic abc"}})).status, 401);
  EXPECT_EQ(handle(make_request("POST", "/api/v1/session/refresh", {bearer("a.b.c")})).status, 401);
  // Signed with another key.
  auth::Claims c{"u_1", "d", "j", "", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 60};
  EXPECT_EQ(handle(make_request("POST", "/api/v1/session/refresh", {bearer(auth::JwtCodec("other").sign(c))})).status,
            401);
  // Admin tokens are not session tokens.
  c.role = "admin";
  EXPECT_EQ(handle(make_request("POST", "/api/v1/session/refresh", {bearer(jwt_.sign(c))})).status, 401);
  // Scheme is case-insensitive.
  c.role.clear();
  EXPECT_EQ(
      handle(make_request("POST", "/api/v1/session/refresh", {{"authorization", "bearer " + jwt_.sign(c)}})).status,
      200);
  EXPECT_NE(metrics_.render().find("serendip_http_auth_failures_total{reason=\"expired\"} 1\n"), std::string::npos);
}

// ---------------------------------------------------------------- TURN

TEST_F(ApiTest, TurnCredentials) {
  config_.turn_urls = {"stun:turn.example:3478", "turn:turn.example:3478?transport=udp",
                       "turns:turn.example:5349?transport=tcp"};
  config_.turn_secret = "turn-shared-secret";
  const std::string token = new_token();
  const auto claims = *jwt_.verify(token, clock_.unix_ms() / 1000).claims;
  const Response res = get("/api/v1/turn-credentials", {bearer(token)});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("cache-control"), "no-store");
  const json::value body = parse(res.body);
  EXPECT_EQ(body.at("ttl").as_int64(), 3600);
  const auto& servers = body.at("iceServers").as_array();
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].at("urls").as_array().size(), 3u);
  EXPECT_EQ(servers[0].at("urls").as_array()[1].as_string(), "turn:turn.example:3478?transport=udp");
  const std::int64_t now = clock_.unix_ms() / 1000;
  const auto expected = auth::make_turn_credential("turn-shared-secret", claims.sub, now, 3600);
  EXPECT_EQ(servers[0].at("username").as_string(), std::to_string(now + 3600) + ":" + claims.sub);
  EXPECT_EQ(servers[0].at("credential").as_string(), expected.credential);
}

TEST_F(ApiTest, TurnCredentialsRefusedToABlockedDeviceOrAddress) {
  config_.turn_urls = {"turn:turn.example:3478?transport=udp"};
  config_.turn_secret = "turn-shared-secret";
  std::vector<std::pair<std::string, std::string>> asked;  // (ip, device key)
  bool blocked = false;
  check_ban_ = [&](const Request& req, std::string_view device_key) -> std::optional<Response> {
    asked.emplace_back(req.client_ip, std::string(device_key));
    if (!blocked) return std::nullopt;
    return error_response(core::ErrorCode::banned, "this device or network is blocked");
  };
  const std::string token = new_token();
  const std::string did = jwt_.verify(token, clock_.unix_ms() / 1000).claims->did;
  EXPECT_EQ(get("/api/v1/turn-credentials", {bearer(token)}).status, 200);
  blocked = true;  // banned after the token was issued
  const Response res = get("/api/v1/turn-credentials", {bearer(token)});
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "banned");
  EXPECT_EQ(res.body.find("credential"), std::string::npos);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[1].second, did);
  EXPECT_NE(metrics_.render().find("serendip_http_turn_credentials_refused_total 1\n"), std::string::npos);
  // No token, no ban check: 401 first.
  EXPECT_EQ(get("/api/v1/turn-credentials").status, 401);
  EXPECT_EQ(asked.size(), 2u);
}

TEST_F(ApiTest, TurnCredentialsWithoutTurn) {
  const Response res = get("/api/v1/turn-credentials", {bearer(new_token())});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"iceServers":[],"ttl":3600})");
  EXPECT_EQ(get("/api/v1/turn-credentials").status, 401);
}

TEST(IceServersFor, Shapes) {
  config::Config c;
  EXPECT_TRUE(ice_servers_for(c, "u", 100).empty());
  c.turn_urls = {"stun:s:3478"};
  auto servers = ice_servers_for(c, "u", 100);
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].username, "");
  EXPECT_EQ(servers[0].credential, "");
  c.turn_secret = "x";
  c.turn_ttl_s = 60;
  servers = ice_servers_for(c, "u", 100);
  EXPECT_EQ(servers[0].username, "160:u");
  EXPECT_EQ(servers[0].credential, auth::base64_encode(auth::hmac_sha1("x", "160:u")));
}

// ---------------------------------------------------------------- routing

TEST_F(ApiTest, UnknownAndWrongMethod) {
  Response res = get("/api/v1/nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "not_found");
  EXPECT_EQ(get("/api").status, 404);
  res = get("/api/v1/session");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "POST, OPTIONS");
  EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "method_not_allowed");
  res = handle(make_request("DELETE", "/api/v1/turn-credentials"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "GET, OPTIONS");
  res = handle(make_request("POST", "/index.html"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "GET, HEAD");
}

TEST_F(ApiTest, ApiFallbackSeam) {
  fallback_ = [](const Request& req) -> std::optional<Response> {
    if (req.path == "/api/v1/admin/ping") return json_response(200, R"({"pong":true})");
    return std::nullopt;
  };
  EXPECT_EQ(get("/api/v1/admin/ping").body, R"({"pong":true})");
  EXPECT_EQ(get("/api/v1/admin/other").status, 404);
}

TEST_F(ApiTest, WsWithoutUpgrade) { EXPECT_EQ(get("/ws").status, 400); }

// ---------------------------------------------------------------- CORS

TEST_F(ApiTest, CorsAllowedOrigin) {
  const Response res =
      post_session(R"({"deviceId":")" + std::string(kDevice) + R"("})", {{"origin", "http://localhost:8080"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("access-control-allow-origin"), "http://localhost:8080");
  EXPECT_EQ(res.header("vary"), "Origin");
}

TEST_F(ApiTest, CorsConfiguredOriginsCaseInsensitive) {
  config_.allowed_origins = {"https://chat.example"};
  EXPECT_TRUE(origin_allowed(config_, "https://CHAT.example"));
  EXPECT_FALSE(origin_allowed(config_, "http://localhost:8080"));
  EXPECT_FALSE(origin_allowed(config_, "https://chat.example.evil"));
  EXPECT_FALSE(origin_allowed(config_, "null"));
  EXPECT_FALSE(origin_allowed(config_, ""));
  const Response res = get("/api/v1/turn-credentials", {{"origin", "https://Chat.Example"}});
  EXPECT_EQ(res.header("access-control-allow-origin"), "https://Chat.Example");
}

TEST_F(ApiTest, CorsDeniedOrigin) {
  Response res =
      post_session(R"({"deviceId":")" + std::string(kDevice) + R"("})", {{"origin", "https://evil.example"}});
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  EXPECT_EQ(res.header("access-control-allow-methods"), "");
  res = handle(make_request("OPTIONS", "/api/v1/session",
                            {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}}));
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(parse(res.body).at("error").at("code").as_string(), "forbidden");
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
}

TEST_F(ApiTest, CorsPreflight) {
  const Response res = handle(make_request("OPTIONS", "/api/v1/session",
                                           {{"origin", "http://127.0.0.1:8080"},
                                            {"access-control-request-method", "POST"},
                                            {"access-control-request-headers", "content-type"}}));
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.header("access-control-allow-origin"), "http://127.0.0.1:8080");
  EXPECT_EQ(res.header("access-control-allow-methods"), "POST, OPTIONS");
  EXPECT_EQ(res.header("access-control-allow-headers"), "Authorization, Content-Type");
  EXPECT_EQ(res.header("access-control-max-age"), "600");
  EXPECT_EQ(res.header("vary"), "Origin");

  const Response turn =
      handle(make_request("OPTIONS", "/api/v1/turn-credentials", {{"origin", "http://127.0.0.1:8080"}}));
  EXPECT_EQ(turn.status, 204);
  EXPECT_EQ(turn.header("access-control-allow-methods"), "GET, OPTIONS");
}

// ---------------------------------------------------------------- security headers

TEST_F(ApiTest, SecurityHeadersEverywhere) {
  write("index.html", "<!doctype html><title>app</title>");
  for (const Response& res : {get("/healthz"), get("/api/v1/nope"), get("/"), get("/missing.js"), get("/metrics"),
                              handle(make_request("OPTIONS", "/api/v1/session"))}) {
    EXPECT_EQ(res.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(res.header("referrer-policy"), "no-referrer");
    EXPECT_EQ(res.header("permissions-policy"), "camera=(self), microphone=(self), geolocation=()");
    EXPECT_EQ(res.header("x-frame-options"), "DENY");
    EXPECT_EQ(res.header("strict-transport-security"), "");
  }
  EXPECT_NE(get("/").header("content-security-policy").find("frame-ancestors 'none'"), std::string_view::npos);
  EXPECT_EQ(get("/healthz").header("content-security-policy"), "");
  Request tls = make_request("GET", "/healthz");
  tls.tls = true;
  EXPECT_EQ(handle(tls).header("strict-transport-security"), "max-age=31536000");
}

TEST_F(ApiTest, HeadOnHealth) {
  const Response res = handle(make_request("HEAD", "/healthz"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.header("content-length"), std::to_string(std::string(R"({"status":"ok"})").size()));
}

}  // namespace
}  // namespace serendip::http
