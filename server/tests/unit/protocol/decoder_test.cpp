// Decoder behaviour the fixtures cannot express: lifetime of the returned
// views, reuse over many frames, frames that outgrow the arena, custom limits,
// and robustness against arbitrary bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "protocol/codec.hpp"

namespace serendip::protocol {
namespace {

using core::ErrorCode;

const ClientMessage& ok(const std::variant<ClientMessage, DecodeError>& r) {
  if (const auto* e = std::get_if<DecodeError>(&r)) ADD_FAILURE() << "refused: " << e->message;
  return std::get<ClientMessage>(r);
}

const DecodeError& refused(const std::variant<ClientMessage, DecodeError>& r) {
  if (std::holds_alternative<ClientMessage>(r)) ADD_FAILURE() << "accepted";
  return std::get<DecodeError>(r);
}

std::string offer_frame(std::string_view session_id, std::size_t sdp_bytes) {
  return R"({"type":"offer","sessionId":")" + std::string(session_id) + R"(","sdp":")" + std::string(sdp_bytes, 'a') +
         R"("})";
}

TEST(Decoder, ViewsStayValidUntilTheNextDecode) {
  Decoder d;
  // Long enough not to fit a small-string buffer: the view points into the arena.
  std::string token(300, 'k');
  auto r = d.decode(R"({"type":"hello","token":")" + token + R"("})");
  std::string_view view = std::get<HelloMsg>(ok(r).body).token;

  // Unrelated heap traffic does not disturb the decoder's storage.
  std::vector<std::string> noise;
  noise.reserve(1000);
  for (int i = 0; i < 1000; ++i) noise.emplace_back(1000, 'x');
  EXPECT_EQ(view, token);

  // The frame's own buffer may go away right after decode: nothing points into it.
  {
    std::string frame = R"({"type":"report","sessionId":"abc","reason":"spam","comment":"hello there"})";
    auto r2 = d.decode(frame);
    frame.assign(frame.size(), '#');
    const auto& report = std::get<ReportMsg>(ok(r2).body);
    EXPECT_EQ(report.session_id, "abc");
    EXPECT_EQ(report.comment, "hello there");
  }
}

TEST(Decoder, CaptchaObjectPayloadIsOwnedByTheDecoder) {
  Decoder d;
  auto r = d.decode(R"({"type":"captcha","payload":{"algorithm":"SHA-256","number":7}})");
  std::string_view payload = std::get<CaptchaMsg>(ok(r).body).payload;
  EXPECT_EQ(payload, R"({"algorithm":"SHA-256","number":7})");
  auto r2 = d.decode(R"({"type":"captcha","payload":"c3RyaW5n"})");
  EXPECT_EQ(std::get<CaptchaMsg>(ok(r2).body).payload, "c3RyaW5n");
}

TEST(Decoder, ReusedAcrossTenThousandFrames) {
  Decoder d;
  const std::string offer = offer_frame("s1", 4000);
  const std::string big_offer = offer_frame("s2", 16 * 1024);
  const std::string ice =
      R"({"type":"ice","sessionId":"s3","candidate":{"candidate":"candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host","sdpMid":"0","sdpMLineIndex":0}})";
  const std::string join = R"({"type":"join","id":5,"mode":"text","languages":["en-US","de"],"interests":[" A "]})";
  const std::string junk = R"({"type":"offer","sessionId":"s1"})";
  for (int i = 0; i < 10'000; ++i) {
    switch (i % 5) {
      case 0: EXPECT_EQ(std::get<RelayMsg>(ok(d.decode(offer)).body).session_id, "s1"); break;
      case 1: EXPECT_EQ(std::get<RelayMsg>(ok(d.decode(big_offer)).body).session_id, "s2"); break;
      case 2: EXPECT_EQ(std::get<RelayMsg>(ok(d.decode(ice)).body).session_id, "s3"); break;
      case 3: {
        auto r = d.decode(join);
        const auto& prefs = std::get<JoinMsg>(ok(r).body).prefs;
        EXPECT_EQ(prefs.languages, (std::vector<std::string>{"en", "de"}));
        EXPECT_EQ(prefs.interests, (std::vector<std::string>{"a"}));
        EXPECT_EQ(ok(r).id, 5);
        break;
      }
      case 4: EXPECT_EQ(refused(d.decode(junk)).code, ErrorCode::bad_request); break;
    }
    if (::testing::Test::HasFailure()) FAIL() << "at frame " << i;
  }
}

TEST(Decoder, FramesLargerThanTheArenaStillWork) {
  // A deployment may raise the limits; the arena then spills to the heap and
  // is released again on the next decode.
  Limits big;
  big.max_frame_bytes = 1 << 20;
  big.max_sdp_bytes = 1 << 20;
  Decoder d(big);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(std::get<RelayMsg>(ok(d.decode(offer_frame("big", 500'000))).body).session_id, "big");
    EXPECT_EQ(std::get<RelayMsg>(ok(d.decode(offer_frame("small", 10))).body).session_id, "small");
  }
  // Many small values, more than the arena holds as a document.
  std::string many = R"({"type":"next","junk":[)";
  for (int i = 0; i < 20'000; ++i) many += (i ? ",\"x\"" : "\"x\"");
  // Failing after the document spilled: partial results must not outlive the spill.
  EXPECT_EQ(refused(d.decode(many + ",")).code, ErrorCode::bad_request);
  EXPECT_EQ(ok(d.decode(R"({"type":"leave"})")).type, ClientType::leave);
  many += "]}";
  EXPECT_EQ(ok(d.decode(many)).type, ClientType::next);
  EXPECT_EQ(ok(d.decode(R"({"type":"leave"})")).type, ClientType::leave);
}

TEST(Decoder, LimitsAreConfigurable) {
  Limits l;
  l.max_languages = 2;
  l.max_sdp_bytes = 10;
  l.max_comment_chars = 3;
  Decoder d(l);
  EXPECT_EQ(d.limits().max_languages, 2u);
  EXPECT_EQ(refused(d.decode(R"({"type":"join","mode":"video","languages":["en","de","fr"]})")).code,
            ErrorCode::bad_request);
  EXPECT_EQ(refused(d.decode(offer_frame("s", 11))).code, ErrorCode::too_large);
  EXPECT_EQ(ok(d.decode(offer_frame("s", 10))).type, ClientType::offer);
  EXPECT_EQ(refused(d.decode(R"({"type":"report","sessionId":"s","reason":"spam","comment":"abcd"})")).code,
            ErrorCode::bad_request);
}

TEST(Decoder, OversizeFrameIsTooLargeBeforeParsing) {
  Decoder d;
  auto r = d.decode(offer_frame("s", 40'000));
  EXPECT_EQ(refused(r).code, ErrorCode::too_large);
  EXPECT_EQ(refused(r).id, std::nullopt);
}

TEST(Decoder, NulBytesAnywhereAreHandled) {
  Decoder d;
  std::string raw_nul_in_string = std::string(R"({"type":"hello","token":"a)") + '\0' + R"(b"})";
  EXPECT_EQ(refused(d.decode(raw_nul_in_string)).code, ErrorCode::bad_request);  // unescaped control char
  std::string nul_after = std::string(R"({"type":"next"})") + '\0';
  EXPECT_EQ(refused(d.decode(nul_after)).code, ErrorCode::bad_request);
  auto r = d.decode(R"({"type":"hello","token":"a\u0000b"})");
  EXPECT_EQ(std::get<HelloMsg>(ok(r).body).token, std::string_view("a\0b", 3));
}

TEST(Decoder, VeryDeepNestingStopsAtTheDepthLimit) {
  std::string deep = R"({"type":"next","x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  Limits big;
  big.max_frame_bytes = deep.size();
  Decoder roomy(big);
  EXPECT_EQ(refused(roomy.decode(deep)).code, ErrorCode::bad_request);
  EXPECT_EQ(ok(roomy.decode(R"({"type":"next"})")).type, ClientType::next);
}

TEST(Decoder, UnknownTypeIsEchoedOnlyWhenHarmless) {
  Decoder d;
  EXPECT_NE(refused(d.decode(R"({"type":"chat"})")).message.find("\"chat\""), std::string::npos);
  std::string long_type(100, 'z');
  EXPECT_EQ(refused(d.decode(R"({"type":")" + long_type + R"("})")).message.find(long_type), std::string::npos);
  EXPECT_EQ(refused(d.decode(R"({"type":"a\nb"})")).message.find('\n'), std::string::npos);
}

// Random bytes and random corruptions of valid frames: never crashes (the
// sanitizer build makes this meaningful), always answers, and the decoder
// keeps working afterwards.
TEST(Decoder, SurvivesArbitraryInput) {
  Decoder d;
  std::mt19937 rng(12345);
  const std::vector<std::string> seeds = {
      R"({"type":"join","mode":"video","languages":["en-US"],"region":"eu","interests":["a","b"]})",
      R"({"type":"ice","sessionId":"s","candidate":{"candidate":"candidate:1 1 udp 1 1.2.3.4 1 typ host","sdpMid":"0"}})",
      R"({"type":"report","id":3,"sessionId":"s","reason":"other","comment":"\u00e9\ud83d\ude00"})",
      R"({"type":"ice_result","sessionId":"s","connected":true,"candidateType":"relay","timeToConnectMs":5})",
      R"({"type":"captcha","payload":{"a":[1,2,{"b":null}],"c":"d"}})",
  };
  constexpr std::string_view kInserts = "{}[]\":,\\0ae-\x80\xff";
  for (int i = 0; i < 20'000; ++i) {
    std::string frame = seeds[i % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !frame.empty(); ++e) {
      std::size_t pos = rng() % frame.size();
      switch (rng() % 3) {
        case 0: frame[pos] = static_cast<char>(rng() % 256); break;
        case 1: frame.erase(pos, 1 + rng() % 8); break;
        case 2: frame.insert(pos, 1, kInserts[rng() % kInserts.size()]); break;
      }
    }
    auto r = d.decode(frame);
    if (const auto* err = std::get_if<DecodeError>(&r)) {
      ASSERT_TRUE(err->code == ErrorCode::bad_request || err->code == ErrorCode::too_large) << frame;
      ASSERT_FALSE(err->message.empty());
    }
  }
  EXPECT_EQ(ok(d.decode(R"({"type":"leave"})")).type, ClientType::leave);
}

TEST(Decoder, ReportShieldVerdictIsOptionalBoundedMetadata) {
  Decoder d;
  // Without the field, and with null: no shield.
  EXPECT_FALSE(std::get<ReportMsg>(ok(d.decode(R"({"type":"report","sessionId":"s","reason":"nudity"})")).body).shield);
  EXPECT_FALSE(
      std::get<ReportMsg>(ok(d.decode(R"({"type":"report","sessionId":"s","reason":"nudity","shield":null})")).body)
          .shield);
  // A verdict and a score from 0 to 1, stored in thousandths; extra keys are ignored.
  auto r = d.decode(
      R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"nudity","score":0.9346,"x":1}})");
  const auto& m = std::get<ReportMsg>(ok(r).body);
  ASSERT_TRUE(m.shield);
  EXPECT_EQ(m.shield->verdict, ShieldVerdict::nudity);
  EXPECT_EQ(m.shield->score_permille, 935);
  auto one =
      d.decode(R"({"type":"report","sessionId":"s","reason":"other","shield":{"verdict":"suggestive","score":1}})");
  EXPECT_EQ(std::get<ReportMsg>(ok(one).body).shield->score_permille, 1000);
  EXPECT_EQ(std::get<ReportMsg>(ok(one).body).shield->verdict, ShieldVerdict::suggestive);

  for (const char* bad : {
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":"nudity"})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"score":0.5}})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"porn","score":0.5}})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"nudity"}})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"nudity","score":1.01}})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"nudity","score":-0.1}})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"nudity","score":"0.5"}})",
           R"({"type":"report","sessionId":"s","reason":"nudity","shield":{"verdict":"nudity","score":[1]}})",
       }) {
    const DecodeError e = refused(d.decode(bad));
    EXPECT_EQ(e.code, core::ErrorCode::bad_request) << bad;
    EXPECT_NE(e.message.find("shield"), std::string::npos) << e.message;
  }
}

}  // namespace
}  // namespace serendip::protocol
