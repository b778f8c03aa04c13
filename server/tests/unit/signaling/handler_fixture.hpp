// Shared by the signaling handler tests: one Handler wired to a recording
// Port, a fake Moderation and the real abuse machinery (MemoryRateLimiter,
// MemoryAbuseDetector, Altcha, JwtCodec) on one ManualClock, with a real
// obs::Registry behind SignalingMetrics and a real protocol::Decoder.
//
// The Port records everything the handler asks of its connection: frames
// (parsed as JSON objects, so tests compare whole messages), closes, relayed
// bytes, hub commands and offloaded jobs. Offloaded jobs wait in a queue until
// the test completes them, which is how a report's database commit finishing
// later (even after the connection closed) is simulated. Like net's
// WsSession, the Port tells the handler on_closed() as soon as it is asked to
// close, so nothing reaches the handler afterwards.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"
#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/drain.hpp"
#include "core/random.hpp"
#include "obs/metrics.hpp"
#include "protocol/codec.hpp"
#include "signaling/admission.hpp"
#include "signaling/handler.hpp"
#include "signaling/metrics.hpp"
#include "signaling/ports.hpp"

namespace serendip::signaling::testing {

namespace json = boost::json;

inline constexpr char kJwtSecret[] = "0123456789abcdef0123456789abcdef";
inline constexpr char kAltchaKey[] = "serendip-test-altcha-key";
inline constexpr char kUserId[] = "u_0123456789abcdef01234567";
inline constexpr char kDevice[] = "5e44f1d90e83f0e7491631595ad0c3576b5c1ba1e08eeffec91d9000b4d5b5ed";
inline constexpr char kClientIp[] = "203.0.113.7";
inline constexpr char kSession[] = "9c524e6a338248324272ae7cee3719e1";
inline constexpr char kOtherSession[] = "0123456789abcdef0123456789abcdef";
// Small enough that a test solves a challenge in a few milliseconds, even
// under the sanitizers.
inline constexpr std::int64_t kCaptchaDifficulty = 1'000;

// `text` as a JSON object; a test failure (and an empty object) otherwise.
inline json::object obj(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << text;
    return {};
  }
  return std::move(v.as_object());
}

// ---- the connection

struct Close {
  std::uint16_t code = 0;
  std::string reason;
  bool operator==(const Close&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const Close& c) { return os << c.code << " \"" << c.reason << "\""; }

enum class HubOp : std::uint8_t { connect, join, next, leave };

// One matchmaking command the handler gave the hub.
struct HubCall {
  HubOp op;
  std::optional<std::int64_t> re;  // join, next, leave
  core::Preferences prefs;         // join
  store::Party party;              // connect
};

class RecordingPort final : public Port {
 public:
  struct Job {
    std::function<void()> work;
    std::function<void()> done;
  };

  void send(std::string frame) override {
    sent.push_back(obj(frame));
    trace.push_back("send " + type_of(sent.back()));
  }
  void close(std::uint16_t code, std::string_view reason) override {
    closes.push_back(Close{code, std::string(reason)});
    trace.push_back("close " + std::to_string(code));
    if (on_close) on_close();  // as WsSession::close does
  }
  bool relay(std::string_view frame) override {
    relays.emplace_back(frame);
    trace.emplace_back("relay");
    return relay_result;
  }
  void connect(store::Party who) override {
    hub.push_back(HubCall{HubOp::connect, std::nullopt, {}, std::move(who)});
    trace.emplace_back("connect");
  }
  void join(core::Preferences prefs, std::optional<std::int64_t> re) override {
    hub.push_back(HubCall{HubOp::join, re, std::move(prefs), {}});
    trace.emplace_back("join");
  }
  bool next(std::optional<std::int64_t> re) override {
    hub.push_back(HubCall{HubOp::next, re, {}, {}});
    trace.emplace_back("next");
    return next_result;
  }
  void leave(std::optional<std::int64_t> re) override {
    hub.push_back(HubCall{HubOp::leave, re, {}, {}});
    trace.emplace_back("leave");
  }
  void offload(std::function<void()> work, std::function<void()> done) override {
    jobs.push_back(Job{std::move(work), std::move(done)});
    trace.emplace_back("offload");
  }
  void hold() override {
    held = true;
    trace.emplace_back("hold");
  }
  void release() override {
    held = false;
    trace.emplace_back("release");
  }
  std::shared_ptr<void> keep_alive() override { return alive; }

  // Runs the oldest offloaded job: its work (off the connection's thread in
  // production), then its completion (back on it).
  void complete_next_job() {
    ASSERT_FALSE(jobs.empty()) << "nothing was offloaded";
    Job job = std::move(jobs.front());
    jobs.pop_front();
    job.work();
    job.done();
  }

  // Forgets everything recorded (not the queued jobs).
  void forget() {
    sent.clear();
    closes.clear();
    relays.clear();
    hub.clear();
    trace.clear();
  }

  std::vector<HubCall> hub_calls(HubOp op) const {
    std::vector<HubCall> out;
    for (const HubCall& c : hub) {
      if (c.op == op) out.push_back(c);
    }
    return out;
  }

  static std::string type_of(const json::object& o) {
    const json::value* t = o.if_contains("type");
    return t != nullptr && t->is_string() ? std::string(t->as_string()) : std::string("?");
  }

  // Recorded calls.
  std::vector<json::object> sent;
  std::vector<Close> closes;
  std::vector<std::string> relays;
  std::vector<HubCall> hub;
  std::deque<Job> jobs;
  std::vector<std::string> trace;  // every call in order: "send welcome", "close 4001", "connect", ...

  bool held = false;                                      // between hold() and release()
  std::shared_ptr<int> alive = std::make_shared<int>(0);  // use_count() > 1: a callback keeps us

  // Answers.
  bool relay_result = true;  // false: the peer's connection is gone
  bool next_result = true;   // false: never joined
  std::function<void()> on_close;
};

// ---- moderation

class FakeModeration final : public Moderation {
 public:
  std::optional<moderation::BlockInfo> active_block(std::string_view ip, std::string_view device_key) override {
    block_checks.emplace_back(std::string(ip), std::string(device_key));
    if (auto it = blocks.find(std::string(ip)); it != blocks.end()) return it->second;
    if (auto it = blocks.find(std::string(device_key)); it != blocks.end()) return it->second;
    return std::nullopt;
  }
  bool knows_session(std::string_view session_id, std::string_view user_id) const override {
    return sessions.contains({std::string(session_id), std::string(user_id)});
  }
  moderation::Outcome<std::int64_t> file_report(const ReportJob& job) override {
    filed.push_back(job);
    return report_result;
  }
  std::optional<std::string> peer_device(std::string_view session_id, std::string_view user_id) const override {
    if (!knows_session(session_id, user_id)) return std::nullopt;
    auto it = peers.find(std::string(session_id));
    return it == peers.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void shield_flagged(const std::string& device) override { flagged.push_back(device); }

  // Blocks by IP or device key.
  std::map<std::string, moderation::BlockInfo> blocks;
  // (session id, user id) pairs the directory remembers.
  std::set<std::pair<std::string, std::string>> sessions;
  moderation::Outcome<std::int64_t> report_result{std::int64_t{42}};

  std::vector<std::pair<std::string, std::string>> block_checks;  // (ip, device key)
  std::vector<ReportJob> filed;
  std::map<std::string, std::string> peers;  // session id -> the peer's device key
  std::vector<std::string> flagged;          // shield_flagged devices
};

// ---- the admission gate

// The real LocalGate, whose answers can be held back (`defer`) and handed
// over later with answer_next(), as a gate shared through Redis answers.
class DeferringGate final : public AdmissionGate {
 public:
  explicit DeferringGate(LocalGate& local) : local_(local) {}

  void check(abuse::Limit limit, std::string_view key, Done done) override {
    local_.check(limit, key, hand(std::move(done)));
  }
  void matchmaking(MatchCommand command, std::string_view device, std::string_view ip, Done done) override {
    local_.matchmaking(command, device, ip, hand(std::move(done)));
  }
  void connected(std::string_view device, std::string_view ip) override { local_.connected(device, ip); }
  void shield_blur(std::string_view device, std::string_view viewer, std::function<void(ShieldSignal)> done) override {
    local_.shield_blur(device, viewer, hand(std::move(done)));
  }
  void solve_captcha(std::string_view device, std::string_view payload,
                     std::function<void(CaptchaVerdict)> done) override {
    local_.solve_captcha(device, payload, hand(std::move(done)));
  }

  // Hands the oldest held answer to its caller.
  void answer_next() {
    ASSERT_FALSE(answers.empty()) << "no answer is held";
    auto a = std::move(answers.front());
    answers.pop_front();
    a();
  }

  bool defer = false;
  std::deque<std::function<void()>> answers;

 private:
  template <class T>
  std::function<void(T)> hand(std::function<void(T)> done) {
    return [this, done = std::move(done)](T answer) {
      if (!defer) {
        done(std::move(answer));
        return;
      }
      answers.emplace_back([done, answer = std::move(answer)] { done(answer); });
    };
  }

  LocalGate& local_;  // Passed by argument.
};

// ---- the handler and everything around it

inline abuse::AbuseConfig test_abuse_config() {
  abuse::AbuseConfig c;
  c.captcha.base_difficulty = kCaptchaDifficulty;
  return c;
}

struct RigOptions {
  abuse::RateLimitConfig rate_limits{};
  abuse::AbuseConfig abuse = test_abuse_config();
  protocol::WireLimits limits{32 * 1024, 16 * 1024, 1024, 50, 100};
  std::string client_ip = kClientIp;
  const geo::Regions* regions = nullptr;  // Passed by argument; null: the client's region only
};

struct IceRequest {
  std::string user_id;
  std::int64_t now_unix_s = 0;
};

struct Rig {
  explicit Rig(RigOptions o = {})
      : options(std::move(o)),
        limiter(options.rate_limits, clock),
        detector(options.abuse, clock),
        altcha(kAltchaKey, clock, random),
        local_gate(limiter, detector, altcha),
        gate(local_gate),
        metrics(registry),
        services{clock,      jwt,  drain,  options.limits, ice_servers_fn(),
                 moderation, gate, altcha, metrics,        options.regions},
        handler(services, port, decoder, options.client_ip, clock.now_ms()) {
    port.on_close = [this] { handler.on_closed(); };
  }

  // ---- tokens (HS256 with kJwtSecret unless told otherwise)
  std::int64_t now_s() const { return clock.unix_ms() / 1000; }
  auth::Claims claims(std::string sub = kUserId, std::string did = kDevice) const {
    auth::Claims c;
    c.sub = std::move(sub);
    c.did = std::move(did);
    c.jti = "00112233445566778899aabbccddeeff";
    c.iat = now_s();
    c.exp = now_s() + 300;
    return c;
  }
  std::string user_token() const { return jwt.sign(claims()); }
  std::string admin_token(std::string role = "admin") const {
    auth::Claims c = claims("admin-1", "");
    c.role = std::move(role);
    return jwt.sign(c);
  }

  // ---- frames from the client, at the clock's monotonic time
  void text(std::string_view frame) { handler.on_frame(true, frame, clock.now_ms()); }
  void binary(std::string_view data) { handler.on_frame(false, data, clock.now_ms()); }
  void hello(std::string_view token, std::optional<std::int64_t> id = std::nullopt) {
    std::string f = R"({"type":"hello","token":")" + std::string(token) + "\"";
    if (id) f += ",\"id\":" + std::to_string(*id);
    text(f + "}");
  }

  // A valid hello answered by `welcome`; then forgets what was recorded.
  void ready() {
    hello(user_token(), 1);
    ASSERT_EQ(port.sent.size(), 1u);
    ASSERT_EQ(RecordingPort::type_of(port.sent[0]), "welcome") << port.sent[0];
    ASSERT_TRUE(port.closes.empty());
    port.forget();
    moderation.block_checks.clear();
  }

  // The hub pairs this connection in `session` (the moderation directory
  // remembers it for reports); then forgets what was recorded.
  void matched(std::string session = kSession, core::Role role = core::Role::offerer) {
    moderation.sessions.insert({session, kUserId});
    ASSERT_TRUE(handler.on_matched(matched_event(std::move(session), role)));
    port.forget();
  }
  static core::MatchedEvent matched_event(std::string session, core::Role role = core::Role::offerer) {
    return core::MatchedEvent{1, 2, std::move(session), role, core::PeerInfo{{"en", "de"}, "EU", {"music"}}, 1'500};
  }

  // ---- CAPTCHAs
  // The challenge a captcha_required frame carries.
  static abuse::AltchaChallenge challenge_of(const json::object& frame) {
    abuse::AltchaChallenge c;
    const json::object& ch = frame.at("challenge").as_object();
    c.algorithm = std::string(ch.at("algorithm").as_string());
    c.challenge = std::string(ch.at("challenge").as_string());
    c.salt = std::string(ch.at("salt").as_string());
    c.signature = std::string(ch.at("signature").as_string());
    c.maxnumber = ch.at("maxnumber").as_int64();
    return c;
  }
  // The payload the widget would send for `c`.
  static std::string solved(const abuse::AltchaChallenge& c) {
    const auto n = abuse::solve_challenge(c);
    EXPECT_TRUE(n.has_value());
    return abuse::solution_payload(c, n.value_or(0));
  }
  static std::string captcha_frame(std::string_view payload, std::optional<std::int64_t> id = std::nullopt) {
    std::string f = R"({"type":"captcha","payload":")" + std::string(payload) + "\"";
    if (id) f += ",\"id\":" + std::to_string(*id);
    return f + "}";
  }

  std::function<std::vector<core::IceServer>(std::string_view, std::int64_t)> ice_servers_fn() {
    return [this](std::string_view user_id, std::int64_t now_unix_s) {
      ice_requests.push_back(IceRequest{std::string(user_id), now_unix_s});
      return std::vector<core::IceServer>{
          core::IceServer{{"stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp"},
                          std::to_string(now_unix_s + 3600) + ":" + std::string(user_id),
                          "Ac6W0EnFyKmlHssTXGNGTuV4lhg="}};
    };
  }

  RigOptions options;
  core::ManualClock clock;
  core::SeededRandom random{7};
  auth::JwtCodec jwt{kJwtSecret};
  core::DrainFlag drain;
  abuse::MemoryRateLimiter limiter;
  abuse::MemoryAbuseDetector detector;
  abuse::Altcha altcha;
  LocalGate local_gate;
  DeferringGate gate;  // answers at once unless told to defer
  obs::Registry registry;
  SignalingMetrics metrics;
  FakeModeration moderation;
  std::vector<IceRequest> ice_requests;
  Services services;
  protocol::Decoder decoder;
  RecordingPort port;
  Handler handler;
};

}  // namespace serendip::signaling::testing
