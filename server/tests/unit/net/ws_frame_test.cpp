// The WebSocket framing primitives (RFC 6455): the handshake's accept key,
// the client header parser's refusals, unmasking, server headers, close
// payloads and the UTF-8 validator, including characters split between feeds.
#include "net/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace serendip::net::wsproto {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<std::uint8_t> out;
  for (int b : list) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

Parse parse(const std::vector<std::uint8_t>& b, FrameHeader& h, std::uint16_t& code, std::uint64_t max = 1 << 20) {
  return parse_client_header(b.data(), b.size(), max, h, code);
}

TEST(WsHandshake, AcceptKeyIsTheRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, ClientKeyIsShortBase64Text) {
  EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(valid_client_key("c2VyZW5kaXAtbG9hZC1rZXk="));  // 17 bytes: taken, as other servers do
  EXPECT_FALSE(valid_client_key(""));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub2 jZQ=="));  // a space
  EXPECT_FALSE(valid_client_key("key\r\nX-Injected: 1"));
  EXPECT_FALSE(valid_client_key(std::string(65, 'A')));
}

TEST(WsFrame, ParsesAMaskedTextFrame) {
  FrameHeader h;
  std::uint16_t code = 0;
  auto b = bytes({0x81, 0x85, 1, 2, 3, 4});
  ASSERT_EQ(parse(b, h, code), Parse::frame);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, kText);
  EXPECT_EQ(h.length, 5u);
  EXPECT_EQ(h.header_bytes, 6u);
  EXPECT_EQ(h.mask[3], 4);
}

TEST(WsFrame, AsksForMoreUntilTheHeaderIsWhole) {
  FrameHeader h;
  std::uint16_t code = 0;
  auto full = bytes({0x82, 0xFE, 0x01, 0x00, 9, 9, 9, 9});  // 256-byte binary frame
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::vector<std::uint8_t> part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(parse(part, h, code), Parse::need_more) << n;
  }
  ASSERT_EQ(parse(full, h, code), Parse::frame);
  EXPECT_EQ(h.length, 256u);
  EXPECT_EQ(h.header_bytes, 8u);
}

TEST(WsFrame, RefusesWhatAServerMustRefuse) {
  FrameHeader h;
  std::uint16_t code = 0;
  const std::vector<std::vector<std::uint8_t>> protocol_errors = {
      bytes({0x81, 0x05}),                                            // unmasked
      bytes({0xC1, 0x80, 0, 0, 0, 0}),                                // RSV1
      bytes({0xA1, 0x80, 0, 0, 0, 0}),                                // RSV2
      bytes({0x91, 0x80, 0, 0, 0, 0}),                                // RSV3
      bytes({0x83, 0x80, 0, 0, 0, 0}),                                // reserved opcode 3
      bytes({0x8B, 0x80, 0, 0, 0, 0}),                                // reserved opcode 11
      bytes({0x09, 0x80, 0, 0, 0, 0}),                                // fragmented ping
      bytes({0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0}),                    // ping over 125 bytes
      bytes({0x81, 0xFE, 0x00, 0x05, 0, 0, 0, 0}),                    // 16-bit length for 5 bytes
      bytes({0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0}),  // 64-bit length for 256
      bytes({0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),     // top bit set
  };
  for (const auto& b : protocol_errors) {
    code = 0;
    EXPECT_EQ(parse(b, h, code), Parse::fail) << int(b[0]) << " " << int(b[1]);
    EXPECT_EQ(code, kCloseProtocolError);
  }
}

TEST(WsFrame, AMessageOverTheLimitIsKnownFromItsHeader) {
  FrameHeader h;
  std::uint16_t code = 0;
  auto b = bytes({0x81, 0xFE, 0x01, 0x01});  // 257 bytes, mask not here yet
  EXPECT_EQ(parse(b, h, code, 256), Parse::fail);
  EXPECT_EQ(code, kCloseTooBig);
  auto exact = bytes({0x81, 0xFE, 0x01, 0x00, 0, 0, 0, 0});
  EXPECT_EQ(parse(exact, h, code, 256), Parse::frame);
  // A control frame is not held to the data limit.
  auto ping = bytes({0x89, 0xFD, 0, 0, 0, 0});
  EXPECT_EQ(parse(ping, h, code, 0), Parse::frame);
}

TEST(WsFrame, UnmaskIsItsOwnInverseAtAnyOffset) {
  const std::uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  std::string text = "a message long enough to use the eight-byte path, and a tail";
  std::string work = text;
  unmask(work.data(), work.size(), mask);
  EXPECT_NE(work, text);
  // Unmasking in two pieces, the second at an offset, gives the original.
  unmask(work.data(), 13, mask);
  unmask(work.data() + 13, work.size() - 13, mask, 13);
  EXPECT_EQ(work, text);
}

TEST(WsFrame, ServerHeadersUseTheShortestLength) {
  std::uint8_t h[10];
  EXPECT_EQ(write_server_header(h, kText, 125), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(write_server_header(h, kText, 126), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0);
  EXPECT_EQ(h[3], 126);
  EXPECT_EQ(write_server_header(h, kClose, 70000), 10u);
  EXPECT_EQ(h[0], 0x88);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 0x01);
  EXPECT_EQ(h[8], 0x11);
  EXPECT_EQ(h[9], 0x70);
}

TEST(WsClose, CodesAllowedOnTheWire) {
  for (int c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999}) {
    EXPECT_TRUE(valid_close_code(static_cast<std::uint16_t>(c))) << c;
  }
  for (int c : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    EXPECT_FALSE(valid_close_code(static_cast<std::uint16_t>(c))) << c;
  }
}

TEST(WsClose, ParsesAndRefusesPayloads) {
  ClosePayload c;
  std::uint16_t code = 0;
  EXPECT_TRUE(parse_close("", c, code));
  EXPECT_FALSE(c.code.has_value());
  const std::string normal(
      "\x03\xE8"
      "bye",
      5);  // the reason is a view into it
  EXPECT_TRUE(parse_close(normal, c, code));
  EXPECT_EQ(c.code, 1000);
  EXPECT_EQ(c.reason, "bye");
  EXPECT_FALSE(parse_close("\x03", c, code));
  EXPECT_EQ(code, kCloseProtocolError);
  EXPECT_FALSE(parse_close(std::string("\x03\xED", 2), c, code));  // 1005
  EXPECT_EQ(code, kCloseProtocolError);
  EXPECT_FALSE(parse_close(std::string("\x03\xE8\xC3\x28", 4), c, code));
  EXPECT_EQ(code, kCloseInvalidPayload);
}

TEST(Utf8, AcceptsValidText) {
  for (std::string s : {"", "plain ascii, longer than eight bytes", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
                        "\xED\x9F\xBF", "\xEE\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(valid_utf8(s.data(), s.size())) << s;
  }
}

TEST(Utf8, RefusesInvalidText) {
  for (std::string s : {"\xC3\x28", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF0\x80\x80\xAF",
                        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\x80", "\xFF", "ok\xC3", "\xE2\x82"}) {
    EXPECT_FALSE(valid_utf8(s.data(), s.size())) << s.size();
  }
}

TEST(Utf8, CharactersSplitBetweenFeeds) {
  const std::string s = "a \xF0\x9F\x98\x80 and \xE2\x82\xAC end";
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(s.data(), cut)) << cut;
    EXPECT_TRUE(v.feed(s.data() + cut, s.size() - cut)) << cut;
    EXPECT_TRUE(v.complete()) << cut;
  }
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xF0\x9F", 2));
  EXPECT_FALSE(v.complete());  // ends inside a character
  EXPECT_FALSE(v.feed("\x28", 1));
  EXPECT_FALSE(v.feed("a", 1));  // stays failed
}

// A masked client frame.
std::string client_frame(std::uint8_t first_byte, std::string_view payload) {
  const std::uint8_t mask[4] = {0xA1, 0x5C, 0x07, 0xE3};
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  out.append(reinterpret_cast<const char*>(mask), 4);
  std::string body(payload);
  unmask(body.data(), body.size(), mask);
  return out + body;
}

using Kind = FrameReader::Kind;

TEST(FrameReader, HandsOutAWholeMessageUnmaskedInPlace) {
  FrameReader r(1024);
  std::string in = client_frame(0x81, "{\"type\":\"leave\"}");
  auto e = r.next(in.data(), in.size());
  ASSERT_EQ(e.kind, Kind::message);
  EXPECT_EQ(e.opcode, kText);
  EXPECT_EQ(e.data, "{\"type\":\"leave\"}");
  EXPECT_EQ(e.consumed, in.size());
  EXPECT_GE(e.data.data(), in.data());  // a view into the input, not a copy
  EXPECT_LT(e.data.data(), in.data() + in.size());
}

TEST(FrameReader, SaysHowMuchAFrameNeedsOnceItsHeaderIsIn) {
  FrameReader r(1024);
  std::string in = client_frame(0x81, std::string(300, 'x'));
  auto e = r.next(in.data(), 1);
  EXPECT_EQ(e.kind, Kind::need_more);
  EXPECT_EQ(e.needed, 0u);
  e = r.next(in.data(), 20);
  EXPECT_EQ(e.kind, Kind::need_more);
  EXPECT_EQ(e.needed, in.size());
  EXPECT_EQ(e.consumed, 0u);
}

TEST(FrameReader, AssemblesFragmentsWithControlFramesBetween) {
  FrameReader r(1024);
  // "caf\xC3\xA9" with the two-byte character split between fragments, a ping in the middle.
  std::string in =
      client_frame(0x01, "caf\xC3") + client_frame(0x89, "p") + client_frame(0x00, "") + client_frame(0x80, "\xA9!");
  std::size_t at = 0;
  std::vector<Kind> kinds;
  std::string message;
  while (at < in.size()) {
    auto e = r.next(in.data() + at, in.size() - at);
    ASSERT_NE(e.kind, Kind::fail);
    ASSERT_NE(e.kind, Kind::need_more);
    kinds.push_back(e.kind);
    if (e.kind == Kind::control) EXPECT_EQ(e.data, "p");
    if (e.kind == Kind::message) message = std::string(e.data);
    at += e.consumed;
  }
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::fragment, Kind::control, Kind::fragment, Kind::message}));
  EXPECT_EQ(message, "caf\xC3\xA9!");
  EXPECT_FALSE(r.in_message());
}

TEST(FrameReader, RefusesBrokenFragmentation) {
  {
    FrameReader r(1024);
    std::string in = client_frame(0x80, "x");  // continuation with nothing started
    EXPECT_EQ(r.next(in.data(), in.size()).close_code, kCloseProtocolError);
  }
  {
    FrameReader r(1024);
    std::string in = client_frame(0x01, "a") + client_frame(0x81, "b");  // new message inside one
    auto first = r.next(in.data(), in.size());
    ASSERT_EQ(first.kind, Kind::fragment);
    auto e = r.next(in.data() + first.consumed, in.size() - first.consumed);
    EXPECT_EQ(e.kind, Kind::fail);
    EXPECT_EQ(e.close_code, kCloseProtocolError);
  }
  {
    FrameReader r(1024);
    std::string in = client_frame(0x01, "ok\xE2") + client_frame(0x80, "\x82");  // ends inside a character
    auto first = r.next(in.data(), in.size());
    auto e = r.next(in.data() + first.consumed, in.size() - first.consumed);
    EXPECT_EQ(e.close_code, kCloseInvalidPayload);
  }
}

TEST(FrameReader, CountsTheLimitOverAWholeFragmentedMessage) {
  FrameReader r(10);
  std::string in = client_frame(0x01, "123456") + client_frame(0x80, "12345");
  auto first = r.next(in.data(), in.size());
  ASSERT_EQ(first.kind, Kind::fragment);
  auto e = r.next(in.data() + first.consumed, in.size() - first.consumed);
  EXPECT_EQ(e.kind, Kind::fail);
  EXPECT_EQ(e.close_code, kCloseTooBig);
}

TEST(FrameReader, ChecksCloseFrames) {
  FrameReader r(1024);
  std::string good = client_frame(0x88, std::string("\x0F\xA0"
                                                    "bye",
                                                    5));  // 4000
  auto e = r.next(good.data(), good.size());
  ASSERT_EQ(e.kind, Kind::control);
  EXPECT_EQ(e.opcode, kClose);
  EXPECT_EQ(e.close.code, 4000);
  EXPECT_EQ(e.close.reason, "bye");
  std::string bad = client_frame(0x88, std::string("\x03\xEE", 2));  // 1006
  EXPECT_EQ(r.next(bad.data(), bad.size()).close_code, kCloseProtocolError);
}

}  // namespace
}  // namespace serendip::net::wsproto
