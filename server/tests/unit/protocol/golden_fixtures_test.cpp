// Golden fixtures (protocol/fixtures, format in protocol/README.md): every
// client case goes through the Decoder, every server case through its encoder.
// The web client's tests read the same files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/matchmaker.hpp"
#include "protocol/codec.hpp"

namespace json = boost::json;

namespace serendip::protocol {
namespace {

struct FixtureCase {
  std::string file;  // e.g. "client-join.json"
  std::size_t index = 0;
  std::string name;
  boost::json::object spec;  // the case object, `$repeat` helpers not yet expanded
  std::string load_error;    // set when the file could not be read; the case then fails
};

// gtest prints parameters on failure; keep that short.
void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.file << " #" << c.index << " \"" << c.name << "\""; }

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

json::string_view jsv(std::string_view s) { return json::string_view(s.data(), s.size()); }

// Every case of every fixture file whose name starts with `prefix`, files in
// name order. Never throws: problems become cases with load_error set.
std::vector<FixtureCase> load_fixture_cases(const std::string& prefix) {
  std::vector<FixtureCase> out;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(SERENDIP_FIXTURES_DIR, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (ec || files.empty()) {
    out.push_back(FixtureCase{prefix, 0, "missing", {}, "no " + prefix + "*.json in " SERENDIP_FIXTURES_DIR});
  }
  for (const auto& path : files) {
    std::string file = path.filename().string();
    json::error_code pec;
    json::value doc = json::parse(read_file(path), pec);
    const json::object* root = pec ? nullptr : doc.if_object();
    const json::value* cases = root ? root->if_contains("cases") : nullptr;
    if (cases == nullptr || !cases->is_array() || !root->contains("description")) {
      out.push_back(FixtureCase{file, 0, "unreadable", {}, file + ": not {description, cases: [...]}"});
      continue;
    }
    std::size_t i = 0;
    for (const json::value& c : cases->get_array()) {
      FixtureCase fc{file, i++, "", {}, ""};
      if (const json::object* o = c.if_object(); o && o->contains("name") && (*o).at("name").is_string()) {
        fc.name = std::string(o->at("name").get_string());
        fc.spec = *o;
      } else {
        fc.load_error = file + ": case without a name";
      }
      out.push_back(std::move(fc));
    }
  }
  return out;
}

// Replaces every {"$repeat": s, "count": n} by s repeated n times.
json::value expand_helpers(const json::value& v) {
  if (const json::object* o = v.if_object()) {
    if (o->size() == 2 && o->contains("$repeat") && o->contains("count")) {
      std::string unit(o->at("$repeat").as_string());
      std::int64_t n = o->at("count").as_int64();
      std::string s;
      s.reserve(unit.size() * static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) s += unit;
      return json::value(s);
    }
    json::object out;
    for (const auto& kv : *o) out[kv.key()] = expand_helpers(kv.value());
    return out;
  }
  if (const json::array* a = v.if_array()) {
    json::array out;
    for (const json::value& e : *a) out.push_back(expand_helpers(e));
    return out;
  }
  return v;
}

// The bytes of the frame a client case sends (`frame`, `raw` or `rawHex`).
std::string frame_bytes(const json::object& spec) {
  if (const json::value* raw = spec.if_contains("raw")) return std::string(raw->as_string());
  if (const json::value* hex = spec.if_contains("rawHex")) {
    std::string_view h = hex->as_string();
    std::string bytes;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
      bytes.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    }
    return bytes;
  }
  return json::serialize(expand_helpers(spec.at("frame")));
}

// The normalized content of a decoded message, in the shape of expect.fields.
json::object fields_of(const ClientMessage& m) {
  json::object f;
  if (const auto* b = std::get_if<HelloMsg>(&m.body)) {
    f["token"] = jsv(b->token);
  } else if (const auto* b = std::get_if<JoinMsg>(&m.body)) {
    f["mode"] = jsv(core::to_string(b->prefs.mode));
    f["languages"] = string_array(b->prefs.languages);
    f["region"] = b->prefs.region;
    f["interests"] = string_array(b->prefs.interests);
    if (!b->time_zone_area.empty()) f["timeZone"] = b->time_zone_area;  // present only when kept
  } else if (const auto* b = std::get_if<RelayMsg>(&m.body)) {
    f["sessionId"] = jsv(b->session_id);
  } else if (const auto* b = std::get_if<ReportMsg>(&m.body)) {
    f["sessionId"] = jsv(b->session_id);
    f["reason"] = jsv(to_string(b->reason));
    f["comment"] = jsv(b->comment);
    // Only when present, so the cases without it keep their shape.
    if (b->shield) {
      f["shield"] =
          json::object{{"verdict", jsv(to_string(b->shield->verdict))}, {"scorePermille", b->shield->score_permille}};
    }
  } else if (const auto* b = std::get_if<ShieldBlurMsg>(&m.body)) {
    f["sessionId"] = jsv(b->session_id);
  } else if (const auto* b = std::get_if<IceResultMsg>(&m.body)) {
    f["sessionId"] = jsv(b->session_id);
    f["connected"] = b->connected;
    f["candidateType"] = b->candidate_type ? json::value(jsv(to_string(*b->candidate_type))) : json::value(nullptr);
    f["timeToConnectMs"] = b->time_to_connect_ms ? json::value(*b->time_to_connect_ms) : json::value(nullptr);
  } else if (const auto* b = std::get_if<CaptchaMsg>(&m.body)) {
    f["payload"] = jsv(b->payload);
  }
  return f;  // next, leave: no fields
}

// A unique gtest name: "client_join_03".
std::string case_test_name(const FixtureCase& c) {
  std::string stem = c.file.substr(0, c.file.rfind('.'));
  std::string name;
  for (char ch : stem) name.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  std::string idx = std::to_string(c.index);
  return name + "_" + std::string(idx.size() < 2 ? 2 - idx.size() : 0, '0') + idx;
}

template <class Enum, std::size_t N>
Enum enum_from(std::string_view wire, const Enum (&all)[N]) {
  for (Enum e : all) {
    if (core::to_string(e) == wire) return e;
  }
  ADD_FAILURE() << "unknown enum value " << wire;
  return all[0];
}

core::ErrorCode error_code_from(std::string_view wire) {
  for (int i = 0; i <= static_cast<int>(core::ErrorCode::internal); ++i) {
    auto c = static_cast<core::ErrorCode>(i);
    if (core::wire_name(c) == wire) return c;
  }
  ADD_FAILURE() << "unknown error code " << wire;
  return core::ErrorCode::internal;
}

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? std::optional<std::int64_t>(v->as_int64()) : std::nullopt;
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const json::value& e : v.as_array()) out.emplace_back(e.as_string());
  return out;
}

// Calls the encoder a server case names, with the case's input.
std::string encode_case(std::string_view encoder, const json::object& in) {
  if (encoder == "welcome") {
    std::vector<core::IceServer> servers;
    for (const json::value& s : in.at("iceServers").as_array()) {
      const json::object& o = s.as_object();
      core::IceServer server{strings(o.at("urls")), "", ""};
      if (o.contains("username")) server.username = o.at("username").as_string();
      if (o.contains("credential")) server.credential = o.at("credential").as_string();
      servers.push_back(std::move(server));
    }
    const json::object& l = in.at("limits").as_object();
    WireLimits limits{static_cast<std::size_t>(l.at("maxFrameBytes").as_int64()),
                      static_cast<std::size_t>(l.at("maxSdpBytes").as_int64()),
                      static_cast<std::size_t>(l.at("maxCandidateBytes").as_int64()),
                      static_cast<int>(l.at("messagesPerSecond").as_int64()),
                      static_cast<int>(l.at("messagesBurst").as_int64())};
    return encode_welcome(in.at("userId").as_string(), servers, limits, opt_int(in, "re"));
  }
  if (encoder == "queued") return encode_queued(opt_int(in, "estimatedWaitMs"), opt_int(in, "re"));
  if (encoder == "matched") {
    const json::object& peer = in.at("peer").as_object();
    core::MatchedEvent e{1,
                         2,
                         std::string(in.at("sessionId").as_string()),
                         enum_from(in.at("role").as_string(), {core::Role::offerer, core::Role::answerer}),
                         core::PeerInfo{strings(peer.at("languages")), std::string(peer.at("region").as_string()),
                                        strings(peer.at("commonInterests"))},
                         0};
    return encode_matched(e);
  }
  if (encoder == "peer_left") {
    core::LeaveReason reason = enum_from(
        in.at("reason").as_string(),
        {core::LeaveReason::next, core::LeaveReason::leave, core::LeaveReason::disconnect, core::LeaveReason::blocked});
    return encode_peer_left(in.at("sessionId").as_string(), reason);
  }
  if (encoder == "left") return encode_left(opt_int(in, "re"));
  if (encoder == "report_ack") return encode_report_ack(in.at("reportId").as_string(), opt_int(in, "re"));
  if (encoder == "draining") return encode_draining(in.at("reconnectAfterMs").as_int64());
  if (encoder == "banned") {
    const json::value& until = in.at("until");
    std::optional<std::string_view> u;
    if (until.is_string()) u = std::string_view(until.get_string());
    return encode_banned(u, in.at("reason").as_string(), in.at("appealable").as_bool());
  }
  if (encoder == "error") {
    return encode_error(error_code_from(in.at("code").as_string()), in.at("message").as_string(), opt_int(in, "re"),
                        opt_int(in, "retryAfterMs"));
  }
  ADD_FAILURE() << "unknown encoder " << encoder;
  return {};
}

class ClientFixture : public ::testing::TestWithParam<FixtureCase> {};
class ServerFixture : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(ClientFixture, DecodesAsExpected) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  SCOPED_TRACE(c.file + ": " + c.name);
  const json::object expect = expand_helpers(c.spec.at("expect")).as_object();

  Decoder decoder;
  auto result = decoder.decode(frame_bytes(c.spec));

  if (expect.at("ok").as_bool()) {
    const DecodeError* err = std::get_if<DecodeError>(&result);
    ASSERT_EQ(err, nullptr) << "refused: " << core::wire_name(err->code) << ": " << err->message;
    const ClientMessage& m = std::get<ClientMessage>(result);
    EXPECT_EQ(to_string(m.type), expect.at("type").as_string());
    EXPECT_EQ(m.id, opt_int(expect, "id"));
    EXPECT_EQ(json::value(fields_of(m)), expect.at("fields"))
        << "got " << json::serialize(fields_of(m)) << "\nwant " << json::serialize(expect.at("fields"));
  } else {
    const ClientMessage* msg = std::get_if<ClientMessage>(&result);
    ASSERT_EQ(msg, nullptr) << "accepted as " << to_string(msg->type);
    const DecodeError& err = std::get<DecodeError>(result);
    EXPECT_EQ(core::wire_name(err.code), expect.at("code").as_string()) << err.message;
    EXPECT_EQ(err.id, opt_int(expect, "re")) << err.message;
    EXPECT_FALSE(err.message.empty());
    if (const json::value* part = expect.if_contains("messageIncludes")) {
      EXPECT_NE(err.message.find(part->as_string()), std::string::npos)
          << "message \"" << err.message << "\" lacks \"" << part->as_string().c_str() << "\"";
    }
  }
}

TEST_P(ServerFixture, EncodesExactly) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  SCOPED_TRACE(c.file + ": " + c.name);
  std::string frame = encode_case(c.spec.at("encoder").as_string(), expand_helpers(c.spec.at("input")).as_object());
  json::error_code ec;
  json::value got = json::parse(frame, ec);
  ASSERT_FALSE(ec) << "not JSON: " << frame;
  EXPECT_EQ(got, expand_helpers(c.spec.at("expect"))) << "got " << frame;
  // Clients may sniff the type cheaply: it always comes first.
  EXPECT_EQ(frame.rfind("{\"type\":", 0), 0u) << frame;
}

std::string param_name(const ::testing::TestParamInfo<FixtureCase>& info) { return case_test_name(info.param); }

INSTANTIATE_TEST_SUITE_P(Golden, ClientFixture, ::testing::ValuesIn(load_fixture_cases("client-")), param_name);
INSTANTIATE_TEST_SUITE_P(Golden, ServerFixture, ::testing::ValuesIn(load_fixture_cases("server-")), param_name);

// The fixtures must keep covering every message: a deleted file or case shows up here.
TEST(GoldenCoverage, EveryClientTypeAccepted) {
  std::set<std::string> accepted;
  for (const FixtureCase& c : load_fixture_cases("client-")) {
    ASSERT_TRUE(c.load_error.empty()) << c.load_error;
    const json::object& expect = c.spec.at("expect").as_object();
    if (expect.at("ok").as_bool()) accepted.insert(std::string(expect.at("type").as_string()));
  }
  for (ClientType t :
       {ClientType::hello, ClientType::join, ClientType::offer, ClientType::answer, ClientType::ice, ClientType::next,
        ClientType::leave, ClientType::report, ClientType::ice_result, ClientType::captcha, ClientType::shield_blur}) {
    EXPECT_TRUE(accepted.count(std::string(to_string(t)))) << "no accepted case for " << to_string(t);
  }
}

TEST(GoldenCoverage, EveryEncoderExercised) {
  std::set<std::string> encoders;
  for (const FixtureCase& c : load_fixture_cases("server-")) {
    ASSERT_TRUE(c.load_error.empty()) << c.load_error;
    encoders.insert(std::string(c.spec.at("encoder").as_string()));
  }
  for (const char* e :
       {"welcome", "queued", "matched", "peer_left", "left", "report_ack", "draining", "banned", "error"}) {
    EXPECT_TRUE(encoders.count(e)) << "no case for encoder " << e;
  }
}

}  // namespace
}  // namespace serendip::protocol
