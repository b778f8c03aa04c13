// The hot-path promise of the Decoder: once warmed up, decoding a relay frame
// (offer/answer/ice, the bulk of all traffic) does not touch the heap.
//
// This file replaces the global operator new/delete of the whole test binary
// with malloc/free plus a counter; counting is harmless for the other tests.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../../support/counting_new.hpp"
#include "protocol/codec.hpp"

namespace serendip::protocol {
namespace {

std::string typical_sdp() {
  // ~5 KB of real-looking SDP, with the \r\n escapes a browser's JSON.stringify produces.
  std::string sdp = "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n";
  while (sdp.size() < 5000) {
    sdp += "a=rtpmap:111 opus/48000/2\\r\\na=fmtp:111 minptime=10;useinbandfec=1\\r\\n";
    sdp += "a=candidate:842163049 1 udp 1677729535 192.0.2.3 54400 typ srflx raddr 10.0.0.1 rport 54400\\r\\n";
  }
  return sdp;
}

TEST(RelayAllocation, DecodingRelayFramesDoesNotAllocate) {
  Decoder d;
  const std::string offer =
      R"({"type":"offer","id":17,"sessionId":"0123456789abcdef0123456789abcdef","sdp":")" + typical_sdp() + R"("})";
  const std::string answer =
      R"({"type":"answer","sessionId":"0123456789abcdef0123456789abcdef","sdp":")" + typical_sdp() + R"("})";
  const std::string ice =
      R"({"type":"ice","sessionId":"0123456789abcdef0123456789abcdef","candidate":{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.3 54400 typ srflx raddr 10.0.0.1 rport 54400 generation 0 ufrag EsAw network-cost 999","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}})";
  const std::string end_of_candidates =
      R"({"type":"ice","sessionId":"0123456789abcdef0123456789abcdef","candidate":null})";
  const std::string* frames[] = {&offer, &answer, &ice, &end_of_candidates};

  // Warm-up: the parser's temporary stack may size itself once.
  for (const std::string* f : frames) ASSERT_TRUE(std::holds_alternative<ClientMessage>(d.decode(*f)));

  std::uint64_t before = g_allocations.load();
  std::size_t accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    for (const std::string* f : frames) {
      auto r = d.decode(*f);
      accepted += std::holds_alternative<ClientMessage>(r) ? 1 : 0;
    }
  }
  std::uint64_t allocations = g_allocations.load() - before;
  EXPECT_EQ(accepted, 4000u);
  EXPECT_EQ(allocations, 0u);
}

TEST(RelayAllocation, CounterSeesAllocations) {
  // Guards the test above against a counter that silently counts nothing.
  std::uint64_t before = g_allocations.load();
  void* p = ::operator new(64);  // a direct call: a new-expression could be elided
  ::operator delete(p);
  EXPECT_GE(g_allocations.load() - before, 1u);
}

}  // namespace
}  // namespace serendip::protocol
