// WebSocket frames as a client sends them (net/ws_frame.hpp): the input is cut
// into reads of sizes taken from its first bytes and fed through FrameReader as
// WsSession does (consume what an event used, keep the rest, grow for a frame
// whose header says it needs more), with the invariants checked at every step.
// The UTF-8 validator is checked against itself fed in two pieces.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "net/ws_frame.hpp"

namespace {

using serendip::net::wsproto::FrameReader;
using serendip::net::wsproto::Utf8Validator;

constexpr std::size_t kMaxMessage = 1024;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t chunk = 1 + data[0] % 64;  // bytes per read
  const std::size_t cut = data[1];             // where the UTF-8 input is split
  data += 2;
  size -= 2;

  // UTF-8: split feeding agrees with whole feeding.
  {
    Utf8Validator whole;
    const bool a = whole.feed(reinterpret_cast<const char*>(data), size) && whole.complete();
    Utf8Validator split;
    const std::size_t at = cut % (size + 1);
    const bool b = split.feed(reinterpret_cast<const char*>(data), at) &&
                   split.feed(reinterpret_cast<const char*>(data) + at, size - at) && split.complete();
    check(a == b);
  }

  FrameReader reader(kMaxMessage);
  std::string buffer;  // bytes read and not yet used
  std::size_t fed = 0;
  while (fed < size) {
    const std::size_t n = std::min(chunk, size - fed);
    buffer.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    std::size_t at = 0;
    for (;;) {
      const auto e = reader.next(buffer.data() + at, buffer.size() - at);
      check(e.consumed <= buffer.size() - at);
      if (e.kind == FrameReader::Kind::fail) {
        check(e.close_code == 1002 || e.close_code == 1007 || e.close_code == 1009);
        return 0;  // the connection ends here
      }
      if (e.kind == FrameReader::Kind::need_more) {
        check(e.consumed == 0);
        // What WsSession grows its buffer to: never more than a message and its header.
        check(e.needed == 0 || (e.needed > buffer.size() - at && e.needed <= kMaxMessage + 14));
        break;
      }
      check(e.consumed > 0);
      if (e.kind == FrameReader::Kind::message) {
        check(e.data.size() <= kMaxMessage);
        if (e.opcode == 0x1) {
          Utf8Validator v;
          check(v.feed(e.data.data(), e.data.size()) && v.complete());
        }
      }
      if (e.kind == FrameReader::Kind::control) check(e.data.size() <= 125);
      at += e.consumed;
    }
    buffer.erase(0, at);
  }
  return 0;
}
