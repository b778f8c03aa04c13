// WebSocket framing for the load benchmark (RFC 6455, text frames, no
// extensions): what a client sends (masked) and what a server sends
// (unmasked), and an incremental parser for either. Header-only, no Boost, so
// the load generator and the epoll floor stay small.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace serendip::bench {

inline constexpr std::uint8_t kOpText = 0x1;
inline constexpr std::uint8_t kOpClose = 0x8;
inline constexpr std::uint8_t kOpPing = 0x9;
inline constexpr std::uint8_t kOpPong = 0xA;

// One frame with FIN set. `mask`: the client's masking key (nullopt: a server frame).
inline std::string encode_frame(std::uint8_t opcode, std::string_view payload,
                                std::optional<std::array<std::uint8_t, 4>> mask) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>(0x80 | opcode));
  const std::uint8_t mask_bit = mask ? 0x80 : 0x00;
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  if (mask) {
    out.append(reinterpret_cast<const char*>(mask->data()), 4);
    for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ (*mask)[i % 4]));
  } else {
    out.append(payload);
  }
  return out;
}

struct Frame {
  std::uint8_t opcode = 0;
  std::size_t header_bytes = 0;  // bytes before the payload
  std::size_t payload_bytes = 0;
  bool masked = false;
  std::array<std::uint8_t, 4> mask{};
  std::size_t total() const { return header_bytes + payload_bytes; }
};

// The frame at the start of `buf`, or nullopt until all of it has arrived.
inline std::optional<Frame> parse_frame(const char* buf, std::size_t size) {
  if (size < 2) return std::nullopt;
  Frame f;
  const auto b0 = static_cast<std::uint8_t>(buf[0]);
  const auto b1 = static_cast<std::uint8_t>(buf[1]);
  f.opcode = b0 & 0x0F;
  f.masked = (b1 & 0x80) != 0;
  std::uint64_t len = b1 & 0x7F;
  std::size_t at = 2;
  if (len == 126) {
    if (size < 4) return std::nullopt;
    len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(buf[2])) << 8) | static_cast<std::uint8_t>(buf[3]);
    at = 4;
  } else if (len == 127) {
    if (size < 10) return std::nullopt;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(buf[2 + i]);
    at = 10;
  }
  if (f.masked) {
    if (size < at + 4) return std::nullopt;
    std::memcpy(f.mask.data(), buf + at, 4);
    at += 4;
  }
  f.header_bytes = at;
  f.payload_bytes = static_cast<std::size_t>(len);
  if (size < f.total()) return std::nullopt;
  return f;
}

// The value of a string member `"key":"value"` in a flat JSON text (no escapes
// in the value): enough to read sessionId and type from the server's frames.
inline std::string_view json_string(std::string_view json, std::string_view key) {
  std::string pattern = "\"";
  pattern += key;
  pattern += "\":\"";
  const auto at = json.find(pattern);
  if (at == std::string_view::npos) return {};
  const auto start = at + pattern.size();
  const auto end = json.find('"', start);
  return end == std::string_view::npos ? std::string_view{} : json.substr(start, end - start);
}

}  // namespace serendip::bench
