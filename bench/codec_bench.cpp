// Protocol codec: decode of the relay frames that make up most of the traffic
// (offer, ice), decode of a join for comparison, encode of matched.
//
// Reports items/s (frames decoded or encoded per second) and
// allocs_per_item: heap allocations per frame, counted by replacing the global
// operator new/delete below. The promise under test is 0 for relay decodes.
// The replacement is program-wide: no other *_bench.cpp may define one.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "../server/tests/support/counting_new.hpp"
#include "protocol/codec.hpp"

namespace {

using serendip::protocol::ClientMessage;
using serendip::protocol::Decoder;

// A Chrome-like offer: ~5 KB of SDP with the \r\n escapes JSON.stringify makes.
std::string offer_frame() {
  std::string sdp =
      "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"
      "a=group:BUNDLE 0 1\\r\\na=msid-semantic: WMS stream\\r\\n";
  while (sdp.size() < 5000) {
    sdp +=
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\\r\\nc=IN IP4 0.0.0.0\\r\\n"
        "a=ice-ufrag:EsAw\\r\\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\\r\\na=ice-options:trickle\\r\\n"
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:"
        "6F:AF:52:CE:E6:0F\\r\\na=setup:actpass\\r\\na=mid:0\\r\\na=rtpmap:111 opus/48000/2\\r\\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\\r\\n";
  }
  return R"({"type":"offer","id":17,"sessionId":"0123456789abcdef0123456789abcdef","sdp":")" + sdp + R"("})";
}

const std::string kIceFrame =
    R"({"type":"ice","sessionId":"0123456789abcdef0123456789abcdef","candidate":{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.3 54400 typ srflx raddr 10.0.0.1 rport 54400 generation 0 ufrag EsAw network-cost 999","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}})";

const std::string kJoinFrame =
    R"({"type":"join","id":3,"mode":"video","languages":["en-US","de"],"region":"eu","interests":["music","chess"]})";

void run_decode(benchmark::State& state, const std::string& frame) {
  Decoder decoder;
  decoder.decode(frame);  // warm-up: the parser's stack may size itself once
  std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for ([[maybe_unused]] auto _ : state) {
    auto result = decoder.decode(frame);
    benchmark::DoNotOptimize(result);
    if (!std::holds_alternative<ClientMessage>(result)) state.SkipWithError("frame refused");
  }
  auto allocations = static_cast<double>(g_allocations.load(std::memory_order_relaxed) - before);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
  state.counters["allocs_per_item"] = benchmark::Counter(allocations, benchmark::Counter::kAvgIterations);
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

void BM_DecodeOffer(benchmark::State& state) { run_decode(state, offer_frame()); }
void BM_DecodeIce(benchmark::State& state) { run_decode(state, kIceFrame); }
void BM_DecodeJoin(benchmark::State& state) { run_decode(state, kJoinFrame); }

void BM_EncodeMatched(benchmark::State& state) {
  serendip::core::MatchedEvent e{1,
                                 2,
                                 "0123456789abcdef0123456789abcdef",
                                 serendip::core::Role::offerer,
                                 serendip::core::PeerInfo{{"en", "de"}, "EU", {"music"}},
                                 1200};
  std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
  std::size_t bytes = 0;
  for ([[maybe_unused]] auto _ : state) {
    std::string frame = serendip::protocol::encode_matched(e);
    bytes += frame.size();
    benchmark::DoNotOptimize(frame);
  }
  auto allocations = static_cast<double>(g_allocations.load(std::memory_order_relaxed) - before);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["allocs_per_item"] = benchmark::Counter(allocations, benchmark::Counter::kAvgIterations);
}

}  // namespace

BENCHMARK(BM_DecodeOffer);
BENCHMARK(BM_DecodeIce);
BENCHMARK(BM_DecodeJoin);
BENCHMARK(BM_EncodeMatched);
