// The admin API and the public appeal/report routes, through the real Router
// (api_fallback + admit_session), over a real SQLite store in a temp dir.
#include "http/admin_api.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <tuple>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/crypto.hpp"
#include "core/time_format.hpp"
#include "http/admin_call.hpp"
#include "obs/log.hpp"
#include "store/sql.hpp"
#include "test_support.hpp"

namespace serendip::http {
namespace {

namespace json = boost::json;
using testing::make_request;

constexpr std::string_view kDeviceA = "device-aaaaaaaaaaaaaaaaaaaa";  // raw device ids (contract section 1)
constexpr std::string_view kDeviceB = "device-bbbbbbbbbbbbbbbbbbbb";
constexpr std::string_view kDeviceSecret = "device-key-secret";  // what RouterTest gives the router
constexpr std::string_view kReporterIp = "198.51.100.1";
constexpr std::string_view kReportedIp = "203.0.113.9";

const std::vector<std::string> kInjections = {
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE reports; --",
    "1; DELETE FROM blocks",
    "\" OR \"\"=\"",
    "x' UNION SELECT username, password_hash FROM admins --",
    "1 OR 1=1",
    "%27%20OR%201%3D1",
    "$1",
    "?",
};

class FakeStats final : public StatsProvider {
 public:
  LiveStats live_stats() const override {
    LiveStats s;
    s.online_users = 12;
    s.queues = {{"video", "en", 3}, {"text", "fr", 1}};
    s.active_sessions = 4;
    s.matches_per_minute = 7.5;
    s.p95_match_wait_ms = 2300;
    s.ice_success_rate = 0.9;
    return s;
  }
};

class FakeSessions final : public moderation::SessionDirectory {
 public:
  std::optional<moderation::SessionRecord> find_for_report(std::string_view session_id,
                                                           std::string_view reporter_user_id) const override {
    for (const auto& r : records) {
      if (r.session_id == session_id && r.reporter.user_id == reporter_user_id) return r;
    }
    return std::nullopt;
  }
  std::vector<moderation::SessionRecord> records;
};

class Kicks final : public moderation::BlockListener {
 public:
  void on_block(const store::Block& b) override { blocks.push_back(b); }
  std::vector<store::Block> blocks;
};

json::value parse(const std::string& s) {
  boost::system::error_code ec;
  json::value v = json::parse(s, ec);
  EXPECT_FALSE(ec) << s;
  return v;
}

std::string urlencode(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool plain =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (plain) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  return out;
}

class AdminApiTest : public testing::RouterTest {
 protected:
  AdminApiTest() {
    obs::set_level(obs::Level::error);
    db_path_ = base_ / "mod.db";
    auto db = store::open_database("sqlite://" + db_path_.string());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
    db_->ip_privacy().set_key("admin-api-test-ip-key-0123456789abcdef");  // as main.cpp does
    moderation::ModerationOptions options;
    options.password_cost = moderation::PasswordCost::minimum;
    service_ = std::make_unique<moderation::ModerationService>(*db_, clock_, jwt_, options);
    service_->set_block_listener(&kicks_);
    fallback_ =
        make_admin_api(AdminApiDeps{*service_, jwt_, clock_, stats_, sessions_, heatmap_, std::string(kDeviceSecret)});
    admit_ = at_once(make_ban_check(*service_));
    EXPECT_TRUE(service_->ensure_bootstrap_admin("root:root password").has_value());
    EXPECT_TRUE(
        service_->create_admin(moderation::Actor::system_actor("test"), "mod1", "mod1 password", store::Role::moderator)
            .has_value());
    admin_token_ = login("root", "root password");
    mod_token_ = login("mod1", "mod1 password");
  }

  Response call(std::string method, const std::string& path, const std::string& token = {}, std::string body = {},
                std::string ip = "192.0.2.10") {
    std::vector<Header> headers;
    if (!token.empty()) headers.push_back({"authorization", "Bearer " + token});
    const auto q = path.find('?');
    Request r = make_request(std::move(method), path.substr(0, q), std::move(headers), std::move(body));
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.client_ip = std::move(ip);
    return handle(r);
  }
  Response admin(std::string method, const std::string& path, std::string body = {}) {
    return call(std::move(method), path, admin_token_, std::move(body));
  }
  Response mod(std::string method, const std::string& path, std::string body = {}) {
    return call(std::move(method), path, mod_token_, std::move(body));
  }

  std::string login(const std::string& user, const std::string& password) {
    const Response r =
        call("POST", "/api/v1/admin/login", {}, R"({"username":")" + user + R"(","password":")" + password + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(parse(r.body).at("token").as_string()) : std::string();
  }

  // An anonymous session token, as POST /api/v1/session issues it.
  std::string session_token(std::string_view device_id, std::string sub = "u_reporter", std::int64_t ttl_s = 300) {
    auth::Claims c;
    c.sub = std::move(sub);
    c.did = auth::device_key(kDeviceSecret, device_id);
    c.jti = auth::random_hex(8);
    c.iat = clock_.unix_ms() / 1000;
    c.exp = c.iat + ttl_s;
    return jwt_.sign(c);
  }

  // The hub's record of a session between A (reporter) and B.
  void add_session(std::string id) {
    moderation::SessionRecord r;
    r.session_id = std::move(id);
    r.reporter = store::Party{"u_reporter", auth::device_key(kDeviceSecret, kDeviceA), std::string(kReporterIp)};
    r.peer = store::Party{"u_reported", auth::device_key(kDeviceSecret, kDeviceB), std::string(kReportedIp)};
    r.started_at = clock_.unix_ms() - 20'000;
    r.ended_at = clock_.unix_ms();
    sessions_.records.push_back(r);
  }

  std::int64_t report(const std::string& session = "s-1") {
    add_session(session);
    const Response r =
        call("POST", "/api/v1/reports", session_token(kDeviceA),
             R"({"sessionId":")" + session + R"(","reason":"harassment","comment":"rude"})", std::string(kReporterIp));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? parse(r.body).at("reportId").as_int64() : 0;
  }

  Response post_session(std::string_view device_id, std::string ip) {
    Request r = make_request("POST", "/api/v1/session", {}, R"({"deviceId":")" + std::string(device_id) + R"("})");
    r.client_ip = std::move(ip);
    return handle(r);
  }

  std::int64_t audit_count() { return service_->verify_audit()->entries; }

  std::filesystem::path db_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<moderation::ModerationService> service_;
  FakeStats stats_;
  FakeSessions sessions_;
  moderation::MatchWaitHeatmap heatmap_;
  Kicks kicks_;
  std::string admin_token_;
  std::string mod_token_;
};

// ---------------------------------------------------------------- authorization matrix

struct Endpoint {
  std::string method;
  std::string path;
  std::string body;
  bool admin_only = false;
};

const std::vector<Endpoint> kEndpoints = {
    {"GET", "/api/v1/admin/me", ""},
    {"GET", "/api/v1/admin/reports", ""},
    {"GET", "/api/v1/admin/reports/1", ""},
    {"POST", "/api/v1/admin/reports/1/decision", R"({"action":"reject","note":"n"})"},
    {"GET", "/api/v1/admin/blocks", ""},
    {"POST", "/api/v1/admin/blocks", R"({"ip":"192.0.2.77","durationS":60})"},
    {"POST", "/api/v1/admin/blocks/bulk", R"({"ips":["192.0.2.78"],"durationS":60})"},
    {"DELETE", "/api/v1/admin/blocks/1", ""},
    {"GET", "/api/v1/admin/appeals", ""},
    {"POST", "/api/v1/admin/appeals/1/decision", R"({"action":"reject"})"},
    {"GET", "/api/v1/admin/reputation?ip=192.0.2.1", ""},
    {"GET", "/api/v1/admin/stats", ""},
    {"GET", "/api/v1/admin/analytics/match-wait", ""},
    {"GET", "/api/v1/admin/audit", ""},
    {"GET", "/api/v1/admin/audit/verify", ""},
    {"GET", "/api/v1/admin/accounts", "", true},
    {"POST", "/api/v1/admin/accounts", R"({"username":"newbie","password":"newbie password","role":"moderator"})",
     true},
    {"POST", "/api/v1/admin/accounts/mod1/password", R"({"password":"another password"})", true},
    {"POST", "/api/v1/admin/accounts/mod1/disable", "", true},
    {"POST", "/api/v1/admin/accounts/mod1/enable", "", true},
};

TEST_F(AdminApiTest, EveryAdminEndpointRefusesWhoeverIsNotAnAdmin) {
  // Tokens that must all be refused with 401.
  auth::Claims expired{"root", "", "j1", "admin", clock_.unix_ms() / 1000 - 2000, clock_.unix_ms() / 1000 - 1000};
  auth::Claims forged{"root", "", "j2", "admin", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 900};
  auth::JwtCodec other_key("not-the-server-secret-0123456789ab");
  auth::Claims ghost{"ghost", "", "j3", "admin", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 900};
  const std::vector<std::pair<std::string, std::string>> bad_tokens = {
      {"no token", ""},
      {"garbage", "not-a-jwt"},
      {"anonymous user token", session_token(kDeviceA)},
      {"expired admin token", jwt_.sign(expired)},
      {"admin claims under another key", other_key.sign(forged)},
      {"token of no account", jwt_.sign(ghost)},
  };
  const std::int64_t audit_before = audit_count();
  for (const Endpoint& e : kEndpoints) {
    SCOPED_TRACE(e.method + " " + e.path);
    for (const auto& [what, token] : bad_tokens) {
      SCOPED_TRACE(what);
      const Response r = call(e.method, e.path, token, e.body);
      EXPECT_EQ(r.status, 401) << r.body;
      EXPECT_EQ(parse(r.body).at("error").at("code").as_string(), "unauthorized");
      EXPECT_EQ(r.header("www-authenticate"), "Bearer");
    }
    const Response as_mod = mod(e.method, e.path, e.body);
    if (e.admin_only) {
      EXPECT_EQ(as_mod.status, 403) << as_mod.body;
      EXPECT_EQ(parse(as_mod.body).at("error").at("code").as_string(), "forbidden");
    } else {
      EXPECT_NE(as_mod.status, 401);
      EXPECT_NE(as_mod.status, 403);
    }
  }
  // The refusals changed nothing; the moderator's allowed calls logged what they did.
  EXPECT_EQ(service_->list_admins(moderation::Actor::system_actor("t"))->size(), 2u);
  EXPECT_GE(audit_count(), audit_before);

  // An admin gets through everywhere.
  for (const Endpoint& e : kEndpoints) {
    SCOPED_TRACE(e.method + " " + e.path);
    const Response r = admin(e.method, e.path, e.body);
    EXPECT_NE(r.status, 401) << r.body;
    EXPECT_NE(r.status, 403) << r.body;
    EXPECT_LT(r.status, 500) << r.body;
  }
}

TEST_F(AdminApiTest, DisabledAccountsTokenStopsWorkingAtOnce) {
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports").status, 200);
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/mod1/disable").status, 204);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/admin/login", {}, R"({"username":"mod1","password":"mod1 password"})").status, 401);
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/mod1/enable").status, 204);
  // Disabling revoked the token for good: enabling again needs a new login.
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports").status, 401);
  mod_token_ = login("mod1", "mod1 password");
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports").status, 200);
  // Nobody disables themselves out of the system.
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/root/disable").status, 400);
}

TEST_F(AdminApiTest, ExpiredAfterFifteenMinutes) {
  EXPECT_EQ(admin("GET", "/api/v1/admin/me").status, 200);
  clock_.advance(15 * 60'000 + 1'000);
  const Response r = admin("GET", "/api/v1/admin/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(parse(r.body).at("error").at("message").as_string(), "token expired");
}

// ---------------------------------------------------------------- login

TEST_F(AdminApiTest, LoginAnswersAndIsRateLimited) {
  const Response ok = call("POST", "/api/v1/admin/login", {}, R"({"username":"root","password":"root password"})");
  ASSERT_EQ(ok.status, 200);
  const json::value body = parse(ok.body);
  EXPECT_EQ(body.at("expiresIn").as_int64(), 900);
  EXPECT_EQ(body.at("role").as_string(), "admin");
  EXPECT_EQ(ok.header("cache-control"), "no-store");
  EXPECT_EQ(call("POST", "/api/v1/admin/login", {}, "not json").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/admin/login", {}, R"({"username":"root"})").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/admin/login").status, 405);

  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(call("POST", "/api/v1/admin/login", {}, R"({"username":"root","password":"nope"})", "192.0.2.66").status,
              401);
  }
  // The guessing address waits (growing delays); another address is not held back.
  const Response limited =
      call("POST", "/api/v1/admin/login", {}, R"({"username":"root","password":"root password"})", "192.0.2.66");
  EXPECT_EQ(limited.status, 429);
  const json::value err = parse(limited.body).at("error");
  EXPECT_EQ(err.at("code").as_string(), "rate_limited");
  EXPECT_EQ(err.at("retryAfterMs").as_int64(), 1'000);
  EXPECT_EQ(limited.header("retry-after"), "1");
  EXPECT_EQ(
      call("POST", "/api/v1/admin/login", {}, R"({"username":"root","password":"root password"})", "192.0.2.67").status,
      200);
}

// ---------------------------------------------------------------- the whole flow

TEST_F(AdminApiTest, ReportDecideBanAppealAndPlayAgain) {
  // Both can get a token at first.
  ASSERT_EQ(post_session(kDeviceB, std::string(kReportedIp)).status, 200);

  const std::int64_t id = report();
  ASSERT_GT(id, 0);

  Response q = mod("GET", "/api/v1/admin/reports?status=pending");
  ASSERT_EQ(q.status, 200) << q.body;
  json::value page = parse(q.body);
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  const json::value item = page.at("items").at(0);
  EXPECT_EQ(item.at("id").as_int64(), id);
  EXPECT_EQ(item.at("reason").as_string(), "harassment");
  EXPECT_EQ(item.at("distinctReporters").as_int64(), 1);
  EXPECT_EQ(item.at("reported").at("ip").as_string(), kReportedIp);
  EXPECT_EQ(item.at("reporter").at("ip").as_string(), kReporterIp);
  EXPECT_TRUE(page.at("nextCursor").is_null());

  Response detail = mod("GET", "/api/v1/admin/reports/" + std::to_string(id));
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(parse(detail.body).at("session").at("lengthMs").as_int64(), 20'000);

  // A moderator may not block permanently.
  EXPECT_EQ(mod("POST", "/api/v1/admin/reports/" + std::to_string(id) + "/decision",
                R"({"action":"accept","blockIp":true,"blockDevice":true,"permanent":true})")
                .status,
            403);
  const Response decided = mod("POST", "/api/v1/admin/reports/" + std::to_string(id) + "/decision",
                               R"({"action":"accept","blockIp":true,"blockDevice":true,"durationS":86400,"note":"x"})");
  ASSERT_EQ(decided.status, 200) << decided.body;
  const json::value d = parse(decided.body);
  EXPECT_EQ(d.at("report").at("status").as_string(), "accepted");
  EXPECT_EQ(d.at("report").at("decidedBy").as_string(), "admin:mod1");
  EXPECT_EQ(d.at("block").at("ip").as_string(), kReportedIp);
  EXPECT_TRUE(d.at("block").at("active").as_bool());
  ASSERT_EQ(kicks_.blocks.size(), 1u);  // the hub is told at once
  EXPECT_EQ(mod("POST", "/api/v1/admin/reports/" + std::to_string(id) + "/decision", R"({"action":"reject"})").status,
            409);

  // Refused at the next session request, by device and by address alike.
  for (const auto& [device, ip] : std::vector<std::pair<std::string_view, std::string>>{
           {kDeviceB, "192.0.2.200"}, {"device-cccccccccccccccccccc", std::string(kReportedIp)}}) {
    const Response banned = post_session(device, ip);
    ASSERT_EQ(banned.status, 403) << banned.body;
    const json::value e = parse(banned.body).at("error");
    EXPECT_EQ(e.at("code").as_string(), "banned");
    EXPECT_EQ(e.at("until").as_string(), core::rfc3339(clock_.unix_ms() + 86'400'000));
    EXPECT_TRUE(e.at("appealable").as_bool());
  }
  EXPECT_EQ(post_session(kDeviceA, std::string(kReporterIp)).status, 200);

  // The blocked user appeals by device id; once only while it is open.
  EXPECT_EQ(call("POST", "/api/v1/appeals", {}, R"({"message":"sorry"})", "192.0.2.99").status, 404);
  const Response appeal =
      call("POST", "/api/v1/appeals", {},
           R"({"message":"it was not me","deviceId":")" + std::string(kDeviceB) + R"("})", "192.0.2.200");
  ASSERT_EQ(appeal.status, 201) << appeal.body;
  const std::int64_t appeal_id = parse(appeal.body).at("appealId").as_int64();
  // Again, now by an expired session token of the same device: still one open appeal.
  clock_.advance(600'000);
  EXPECT_EQ(call("POST", "/api/v1/appeals", session_token(kDeviceB, "u_reported", -1), R"({"message":"again"})",
                 "192.0.2.201")
                .status,
            409);

  const Response open = mod("GET", "/api/v1/admin/appeals?status=open");
  ASSERT_EQ(open.status, 200);
  ASSERT_EQ(parse(open.body).at("items").as_array().size(), 1u);
  const Response accepted = mod("POST", "/api/v1/admin/appeals/" + std::to_string(appeal_id) + "/decision",
                                R"({"action":"accept","note":"benefit of the doubt"})");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(parse(accepted.body).at("status").as_string(), "accepted");

  // Playing again.
  EXPECT_EQ(post_session(kDeviceB, std::string(kReportedIp)).status, 200);

  // Every step is in the audit log, and the chain verifies.
  const Response audit = mod("GET", "/api/v1/admin/audit?limit=50");
  ASSERT_EQ(audit.status, 200);
  std::vector<std::string> actions;
  const json::value audit_page = parse(audit.body);
  for (const auto& e : audit_page.at("items").as_array()) actions.emplace_back(e.at("action").as_string());
  std::reverse(actions.begin(), actions.end());
  const std::vector<std::string> expected = {"report.create", "report.accept", "block.create",
                                             "appeal.create", "appeal.accept", "block.lift"};
  std::vector<std::string> moderation_actions;
  for (const auto& a : actions) {
    if (a != "admin.login" && a != "account.create") moderation_actions.push_back(a);
  }
  EXPECT_EQ(moderation_actions, expected);
  const Response verify = mod("GET", "/api/v1/admin/audit/verify");
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(parse(verify.body).at("ok").as_bool());

  // Someone edits a row in the database file: verify names it.
  {
    auto raw = store::sql::open_sqlite(db_path_.string());
    ASSERT_TRUE(raw.has_value());
    ASSERT_TRUE((*raw)->exec("UPDATE audit_log SET actor = 'nobody' WHERE action = 'report.accept'").has_value());
  }
  const Response broken = mod("GET", "/api/v1/admin/audit/verify");
  const json::value b = parse(broken.body);
  EXPECT_FALSE(b.at("ok").as_bool());
  EXPECT_FALSE(b.at("firstBadSeq").is_null());
}

TEST_F(AdminApiTest, PublicReportNeedsASessionTokenAndAKnownSession) {
  add_session("s-9");
  const std::string body = R"({"sessionId":"s-9","reason":"spam"})";
  EXPECT_EQ(call("POST", "/api/v1/reports", {}, body).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/reports", admin_token_, body).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/reports", session_token(kDeviceA, "u_someone_else"), body).status, 409);
  EXPECT_EQ(call("POST", "/api/v1/reports", session_token(kDeviceA), R"({"sessionId":"s-9","reason":"meh"})").status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/reports", session_token(kDeviceA), R"({"sessionId":"s-9"})").status, 400);
  const Response ok = call("POST", "/api/v1/reports", session_token(kDeviceA), body);
  EXPECT_EQ(ok.status, 201) << ok.body;
  const Response twice = call("POST", "/api/v1/reports", session_token(kDeviceA), body);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(parse(twice.body).at("error").at("code").as_string(), "conflict");
  const Response gone =
      call("POST", "/api/v1/reports", session_token(kDeviceA), R"({"sessionId":"s-10","reason":"spam"})");
  EXPECT_EQ(parse(gone.body).at("error").at("code").as_string(), "not_in_session");
  EXPECT_EQ(call("GET", "/api/v1/reports").status, 405);
}

// ---------------------------------------------------------------- blocks

TEST_F(AdminApiTest, BlocksCreateBulkListLift) {
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks", R"({"ip":"192.0.2.1","permanent":true})").status, 403);
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks", R"({"ip":"192.0.2.1"})").status, 400);
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks", R"({"ip":"nope","durationS":60})").status, 400);
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks", R"({"durationS":60})").status, 400);
  const Response one = admin("POST", "/api/v1/admin/blocks", R"({"ip":"192.0.2.1","permanent":true,"reason":"bot"})");
  ASSERT_EQ(one.status, 201) << one.body;
  EXPECT_TRUE(parse(one.body).at("expiresAt").is_null());
  EXPECT_EQ(parse(one.body).at("createdBy").as_string(), "admin:root");

  const Response bulk = mod("POST", "/api/v1/admin/blocks/bulk",
                            R"({"ips":["192.0.2.2","192.0.2.3","2001:db8::9"],"durationS":3600,"reason":"wave"})");
  ASSERT_EQ(bulk.status, 201) << bulk.body;
  EXPECT_EQ(parse(bulk.body).at("items").as_array().size(), 3u);
  const std::string dev = auth::device_key(kDeviceSecret, kDeviceB);
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks/bulk", R"({"devices":[")" + dev + R"("],"durationS":60})").status, 201);
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks/bulk", R"({"ips":["192.0.2.2"],"devices":["x"],"durationS":60})").status,
            400);
  EXPECT_EQ(mod("POST", "/api/v1/admin/blocks/bulk", R"({"ips":["192.0.2.2", 5],"durationS":60})").status, 400);
  EXPECT_EQ(kicks_.blocks.size(), 5u);

  // Pages of two, newest first.
  std::vector<std::int64_t> ids;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    const Response r = mod("GET", "/api/v1/admin/blocks?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value p = parse(r.body);
    for (const auto& b : p.at("items").as_array()) ids.push_back(b.at("id").as_int64());
    if (p.at("nextCursor").is_null()) break;
    cursor = urlencode(p.at("nextCursor").as_string());
  }
  EXPECT_EQ(ids, (std::vector<std::int64_t>{5, 4, 3, 2, 1}));
  const json::value v6 = parse(mod("GET", "/api/v1/admin/blocks?ip=2001:DB8:0::77").body);  // same /64
  ASSERT_EQ(v6.at("items").as_array().size(), 1u);
  EXPECT_EQ(v6.at("items").as_array()[0].at("ip").as_string(), "2001:db8::/64");
  EXPECT_EQ(parse(mod("GET", "/api/v1/admin/blocks?device=" + dev).body).at("items").as_array().size(), 1u);

  // Block 1 is the admin's permanent block: a moderator cannot lift it.
  EXPECT_EQ(mod("DELETE", "/api/v1/admin/blocks/1?reason=undo").status, 403);
  const Response lifted = admin("DELETE", "/api/v1/admin/blocks/1?reason=appeal%20by%20mail");
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_FALSE(parse(lifted.body).at("active").as_bool());
  EXPECT_EQ(mod("DELETE", "/api/v1/admin/blocks/1").status, 409);
  EXPECT_EQ(mod("DELETE", "/api/v1/admin/blocks/99").status, 404);
  EXPECT_EQ(mod("DELETE", "/api/v1/admin/blocks/abc").status, 404);
  EXPECT_EQ(parse(mod("GET", "/api/v1/admin/blocks?active=true").body).at("items").as_array().size(), 4u);
  EXPECT_EQ(parse(mod("GET", "/api/v1/admin/blocks?active=false").body).at("items").as_array().size(), 1u);
  EXPECT_EQ(mod("PUT", "/api/v1/admin/blocks").status, 405);
}

// ---------------------------------------------------------------- filters

TEST_F(AdminApiTest, FilterValidation) {
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?status=bogus").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?reason=bogus").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?limit=0").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?limit=201").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?since=yesterday").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?cursor=garbage").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports?ip=%zz").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reputation").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/reputation?ip=192.0.2.1&device=abc").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/nothing-here").status, 404);
}

TEST_F(AdminApiTest, InjectionInEveryFilterChangesNothing) {
  report("s-1");
  ASSERT_EQ(admin("POST", "/api/v1/admin/blocks", R"({"ip":"192.0.2.5","durationS":60})").status, 201);
  const std::int64_t audit_before = audit_count();
  const std::vector<std::pair<std::string, std::vector<std::string>>> lists = {
      {"/api/v1/admin/reports", {"status", "reason", "device", "ip", "since", "until", "cursor", "limit"}},
      {"/api/v1/admin/blocks", {"active", "ip", "device", "reportId", "cursor", "limit"}},
      {"/api/v1/admin/appeals", {"status", "blockId", "cursor", "limit"}},
      {"/api/v1/admin/audit", {"actor", "action", "target", "since", "until", "cursor", "limit"}},
      {"/api/v1/admin/reputation", {"ip", "device"}},
  };
  for (const auto& [path, params] : lists) {
    for (const auto& name : params) {
      for (const auto& evil : kInjections) {
        SCOPED_TRACE(::testing::Message() << path << "?" << name << "=" << evil);
        std::string target = path;
        target += "?";
        target += name;
        target += "=";
        target += urlencode(evil);
        const Response r = mod("GET", target);
        // Refused as malformed, or answered with nothing that matches.
        if (r.status == 200) {
          const json::value v = parse(r.body);
          if (v.as_object().contains("items")) {
            EXPECT_TRUE(v.at("items").as_array().empty()) << r.body;
          }
        } else {
          EXPECT_EQ(r.status, 400) << r.body;
        }
      }
    }
  }
  // Path segments too.
  for (const auto& evil : kInjections) {
    const Response r = mod("GET", "/api/v1/admin/reports/" + urlencode(evil));
    EXPECT_EQ(r.status, 404) << evil;
  }
  EXPECT_EQ(parse(mod("GET", "/api/v1/admin/reports").body).at("items").as_array().size(), 1u);
  EXPECT_EQ(parse(mod("GET", "/api/v1/admin/blocks").body).at("items").as_array().size(), 1u);
  EXPECT_EQ(service_->list_admins(moderation::Actor::system_actor("t"))->size(), 2u);
  EXPECT_EQ(audit_count(), audit_before);
  EXPECT_TRUE(service_->verify_audit()->ok);
}

// ---------------------------------------------------------------- insight, accounts

TEST_F(AdminApiTest, StatsReputationAndHeatmap) {
  report("s-1");
  const Response s = mod("GET", "/api/v1/admin/stats");
  ASSERT_EQ(s.status, 200);
  const json::value st = parse(s.body);
  EXPECT_EQ(st.at("onlineUsers").as_int64(), 12);
  EXPECT_EQ(st.at("queues").as_array().size(), 2u);
  EXPECT_EQ(st.at("queues").at(0).at("language").as_string(), "en");
  EXPECT_DOUBLE_EQ(st.at("matchesPerMinute").as_double(), 7.5);
  EXPECT_TRUE(st.at("turnShare").is_null());
  EXPECT_EQ(st.at("moderation").at("pendingReports").as_int64(), 1);

  service_->record_session(std::string(kReportedIp), auth::device_key(kDeviceSecret, kDeviceB), 20'000);
  const Response rep = mod("GET", "/api/v1/admin/reputation?ip=" + std::string(kReportedIp));
  ASSERT_EQ(rep.status, 200) << rep.body;
  const json::value r = parse(rep.body);
  EXPECT_EQ(r.at("sessions").as_int64(), 1);
  EXPECT_EQ(r.at("reportsReceived").as_int64(), 1);
  EXPECT_TRUE(r.at("activeBlock").is_null());
  const Response by_dev = mod("GET", "/api/v1/admin/reputation?device=" + auth::device_key(kDeviceSecret, kDeviceA));
  EXPECT_EQ(parse(by_dev.body).at("reportsMade").as_int64(), 1);

  heatmap_.record_match_wait("eu", clock_.unix_ms(), 1200);
  const Response h = mod("GET", "/api/v1/admin/analytics/match-wait");
  ASSERT_EQ(h.status, 200);
  const json::value hm = parse(h.body);
  EXPECT_EQ(hm.at("timezone").as_string(), "UTC");
  EXPECT_EQ(hm.at("regions").at(0).at("region").as_string(), "eu");
  EXPECT_EQ(hm.at("regions").at(0).at("cells").at(0).at("count").as_int64(), 1);
}

TEST_F(AdminApiTest, Accounts) {
  const Response list = admin("GET", "/api/v1/admin/accounts");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(parse(list.body).at("items").as_array().size(), 2u);
  EXPECT_EQ(list.body.find("argon2"), std::string::npos);  // hashes never leave the server
  EXPECT_EQ(
      admin("POST", "/api/v1/admin/accounts", R"({"username":"eve","password":"eve password","role":"god"})").status,
      400);
  EXPECT_EQ(
      admin("POST", "/api/v1/admin/accounts", R"({"username":"eve","password":"eve password","role":"admin"})").status,
      201);
  EXPECT_EQ(
      admin("POST", "/api/v1/admin/accounts", R"({"username":"eve","password":"eve password","role":"admin"})").status,
      409);
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/eve/password", R"({"password":"new eve password"})").status, 204);
  EXPECT_FALSE(login("eve", "new eve password").empty());
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/nobody/password", R"({"password":"new eve password"})").status, 404);
  const Response me = mod("GET", "/api/v1/admin/me");
  EXPECT_EQ(parse(me.body).at("role").as_string(), "moderator");
}

// ---------------------------------------------------------------- the route table

constexpr std::string_view kNoSuchEndpoint = R"({"error":{"code":"not_found","message":"no such endpoint"}})";
constexpr std::string_view kMethodNotAllowed =
    R"({"error":{"code":"method_not_allowed","message":"method not allowed"}})";

TEST_F(AdminApiTest, PathsNotInTheTableAreLeftToTheRoutersNotFound) {
  for (const std::string_view path :
       {"/api/v1/admin", "/api/v1/admin/", "/api/v1/admin/nothing-here", "/api/v1/admin/reports/1/other",
        "/api/v1/admin/reports/1/decision/x", "/api/v1/admin/appeals/1", "/api/v1/admin/analytics",
        "/api/v1/admin/accounts/mod1", "/api/v1/admin/accounts/mod1/other", "/api/v1/admin/ME", "/api/v1/adminx",
        "/api/v1/admin/reports%2F1"}) {
    SCOPED_TRACE(path);
    for (const std::string& token : {std::string(), admin_token_}) {
      const Response r = call("GET", std::string(path), token);
      EXPECT_EQ(r.status, 404);
      EXPECT_EQ(r.body, kNoSuchEndpoint);
      EXPECT_EQ(r.header("allow"), "");
    }
  }
}

TEST_F(AdminApiTest, WrongMethodIs405WithAllowBeforeAnyTokenIsRead) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"PUT", "/api/v1/admin/blocks", "GET, HEAD, POST, OPTIONS"},
      {"PATCH", "/api/v1/admin/accounts", "GET, HEAD, POST, OPTIONS"},
      {"DELETE", "/api/v1/admin/reports/1", "GET, HEAD, OPTIONS"},
      {"POST", "/api/v1/admin/stats", "GET, HEAD, OPTIONS"},
      {"GET", "/api/v1/admin/blocks/1", "DELETE, OPTIONS"},
      {"DELETE", "/api/v1/admin/blocks/bulk", "POST, OPTIONS"},  // bulk, not the block called "bulk"
      {"GET", "/api/v1/admin/reports/1/decision", "POST, OPTIONS"},
      {"GET", "/api/v1/admin/accounts/mod1/disable", "POST, OPTIONS"},
      {"GET", "/api/v1/admin/login", "POST, OPTIONS"},
      {"GET", "/api/v1/appeals", "POST, OPTIONS"},
      {"HEAD", "/api/v1/reports", "POST, OPTIONS"},
  };
  for (const auto& [method, path, allow] : cases) {
    SCOPED_TRACE(::testing::Message() << method << " " << path);
    for (const std::string& token : {std::string(), std::string("garbage"), mod_token_}) {
      const Response r = call(method, path, token);
      EXPECT_EQ(r.status, 405);
      EXPECT_EQ(r.header("allow"), allow);
      EXPECT_EQ(r.header("cache-control"), "no-store");
      EXPECT_EQ(r.header("www-authenticate"), "");
      if (method != "HEAD") {
        EXPECT_EQ(r.body, kMethodNotAllowed);
      }
    }
  }
}

TEST_F(AdminApiTest, RefusalOrderIsTokenThenRoleThenQuery) {
  const std::string accounts = "/api/v1/admin/accounts";
  for (const std::string& token : {std::string(), std::string("garbage"), session_token(kDeviceA)}) {
    // No valid account: 401 even on an admin-only route, even with a malformed query.
    for (const std::string& path : {accounts, accounts + "?%zz"}) {
      const Response r = call("GET", path, token);
      EXPECT_EQ(r.status, 401) << path;
      EXPECT_EQ(r.header("www-authenticate"), "Bearer");
    }
  }
  // A moderator on an admin-only route: 403, before the query is read.
  for (const std::string& path : {accounts, accounts + "?%zz"}) {
    const Response r = mod("GET", path);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(r.body, R"({"error":{"code":"forbidden","message":"admin role required"}})");
    EXPECT_EQ(r.header("www-authenticate"), "");
  }
  // Allowed callers: then the query.
  const Response bad_query = admin("GET", accounts + "?%zz");
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_EQ(bad_query.body, R"({"error":{"code":"bad_request","message":"malformed query string"}})");
  EXPECT_EQ(mod("GET", "/api/v1/admin/me?a=%zz").status, 400);
  EXPECT_EQ(mod("GET", "/api/v1/admin/me?a=b").status, 200);
}

TEST_F(AdminApiTest, PublicRoutesNeedNoAccountAndIgnoreTheQuery) {
  const Response r = call("POST", "/api/v1/admin/login?%zz", {}, R"({"username":"root","password":"root password"})");
  EXPECT_EQ(r.status, 200) << r.body;
  // An admin token is not what the public report route wants.
  EXPECT_EQ(call("POST", "/api/v1/reports?%zz", admin_token_, R"({"sessionId":"s","reason":"spam"})").status, 401);
}

TEST_F(AdminApiTest, AdminPathsAreReadLenientlyPublicOnesExactly) {
  for (const std::string_view path : {"/api/v1/admin//reports/", "/api/v1/admin/%72eports", "/api/v1/admin/reports?"}) {
    EXPECT_EQ(mod("GET", std::string(path)).status, 200) << path;
  }
  const Response malformed = call("GET", "/api/v1/admin/%zz");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body, R"({"error":{"code":"bad_request","message":"malformed path"}})");
  EXPECT_EQ(mod("GET", "/api/v1/admin/reports/%zz").status, 400);
  // The router answers the preflight, whatever the path.
  EXPECT_EQ(call("OPTIONS", "/api/v1/admin/%zz").status, 204);
  EXPECT_EQ(call("OPTIONS", "/api/v1/admin/reports").status, 204);

  add_session("s-1");
  const std::string body = R"({"sessionId":"s-1","reason":"spam"})";
  for (const std::string_view path : {"/api/v1/reports/", "/api/v1//reports", "/api/v1/%72eports"}) {
    const Response r = call("POST", std::string(path), session_token(kDeviceA), body);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, kNoSuchEndpoint);
  }
  EXPECT_EQ(call("POST", "/api/v1/appeals/", {}, R"({"message":"m"})").status, 404);
}

TEST(BannedResponse, AnUnavailableCheckIsA503NotABan) {
  moderation::BlockInfo unknown;
  unknown.unavailable = true;
  const Response r = banned_response(unknown);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("retry-after"), "5");
  EXPECT_EQ(parse(r.body).at("error").at("code").as_string(), "unavailable");
  moderation::BlockInfo block{7, std::nullopt, "spam"};
  EXPECT_EQ(banned_response(block).status, 403);
}

TEST_F(AdminApiTest, LogoutRevokesEveryTokenOfTheAccount) {
  const std::string second = login("mod1", "mod1 password");
  EXPECT_EQ(mod("POST", "/api/v1/admin/logout").status, 204);
  const Response after = mod("GET", "/api/v1/admin/me");
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.body, R"({"error":{"code":"unauthorized","message":"token revoked"}})");
  EXPECT_EQ(call("GET", "/api/v1/admin/me", second).status, 401);  // every sign-in of the account
  EXPECT_EQ(admin("GET", "/api/v1/admin/me").status, 200);         // other accounts keep theirs
  EXPECT_EQ(call("POST", "/api/v1/admin/logout").status, 401);
  EXPECT_EQ(call("POST", "/api/v1/admin/logout", session_token(kDeviceA)).status, 401);
  EXPECT_EQ(mod("GET", "/api/v1/admin/logout").status, 405);
  const json::value audit = parse(admin("GET", "/api/v1/admin/audit?action=admin.logout").body);
  ASSERT_EQ(audit.at("items").as_array().size(), 1u);
  EXPECT_EQ(audit.at("items").as_array()[0].at("actor").as_string(), "admin:mod1");
  mod_token_ = login("mod1", "mod1 password");
  EXPECT_EQ(mod("GET", "/api/v1/admin/me").status, 200);
}

TEST_F(AdminApiTest, PathParametersArePercentDecoded) {
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/mod%31/disable").status, 204);
  EXPECT_EQ(mod("GET", "/api/v1/admin/me").status, 401);
  EXPECT_EQ(admin("POST", "/api/v1/admin/accounts/%6Dod1/enable").status, 204);
  mod_token_ = login("mod1", "mod1 password");
  EXPECT_EQ(mod("GET", "/api/v1/admin/me").status, 200);
  // An id that is not a positive integer is the handler's own 404.
  for (const std::string_view id : {"0", "-1", "abc", "1.5", "%31%32x"}) {
    const Response r = mod("GET", "/api/v1/admin/reports/" + std::string(id));
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no such report"}})");
  }
}

TEST_F(AdminApiTest, HeadAnswersLikeGetWithoutTheBody) {
  const Response get = mod("GET", "/api/v1/admin/me");
  const Response head = mod("HEAD", "/api/v1/admin/me");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
}

TEST_F(AdminApiTest, CallerOnAPublicRouteIsATableMistake) {
  const AdminApiDeps deps{*service_, jwt_, clock_, stats_, sessions_, heatmap_, std::string(kDeviceSecret)};
  const Request req;
  const PathParams params;
  const Query query;
  const admin::Call anonymous{deps, req, params, query, nullptr};
  EXPECT_THROW(anonymous.actor(), std::logic_error);
  const moderation::Actor someone = moderation::Actor::admin("alice", store::Role::moderator);
  const admin::Call signed_in{deps, req, params, query, &someone};
  EXPECT_EQ(signed_in.actor().username, "alice");
  EXPECT_EQ(signed_in.now(), clock_.unix_ms());
}

}  // namespace
}  // namespace serendip::http
