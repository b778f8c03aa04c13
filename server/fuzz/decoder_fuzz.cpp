// The WebSocket message decoder: every client frame goes through it first.
// One decoder for the whole run, as a connection keeps one for all its frames.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static serendip::protocol::Decoder decoder;
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  (void)decoder.decode(frame);
  return 0;
}
