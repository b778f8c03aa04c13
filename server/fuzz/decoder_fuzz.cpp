// The WebSocket message decoder: every client frame goes through it first.
// One decoder for the whole run, as a connection keeps one for all its frames.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static serendip::protocol::Decoder decoder;
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto decoded = decoder.decode(frame);
  // A decoded message's views point into the decoder's storage: touch them.
  if (auto* error = std::get_if<serendip::protocol::DecodeError>(&decoded)) (void)error;
  return 0;
}
