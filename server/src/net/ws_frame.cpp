#include "net/ws_frame.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace serendip::net::wsproto {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string input;
  input.reserve(client_key.size() + kGuid.size());
  input.append(client_key);
  input.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

bool valid_client_key(std::string_view key) {
  // The RFC's key is the base64 of 16 random bytes (24 characters). Like most
  // servers, take any short base64 text: the key only proves the server read
  // the handshake, and some clients send a longer one.
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!is_base64_char(c) && c != '=') return false;
  }
  return true;
}

Parse parse_client_header(const std::uint8_t* p, std::size_t n, std::uint64_t max_payload, FrameHeader& out,
                          std::uint16_t& close_code) {
  if (n < 2) return Parse::need_more;
  const std::uint8_t b0 = p[0];
  const std::uint8_t b1 = p[1];
  out.fin = (b0 & 0x80) != 0;
  out.opcode = b0 & 0x0F;
  close_code = kCloseProtocolError;
  if ((b0 & 0x70) != 0) return Parse::fail;  // reserved bits: no extension is negotiated
  switch (out.opcode) {
    case kContinuation:
    case kText:
    case kBinary:
    case kClose:
    case kPing:
    case kPong: break;
    default: return Parse::fail;
  }
  if ((b1 & 0x80) == 0) return Parse::fail;  // a client must mask every frame
  std::uint64_t length = b1 & 0x7F;
  std::size_t at = 2;
  if (is_control(out.opcode) && (!out.fin || length > kMaxControlPayload)) return Parse::fail;
  if (length == 126) {
    if (n < at + 2) return Parse::need_more;
    length = (std::uint64_t{p[2]} << 8) | p[3];
    at += 2;
    if (length < 126) return Parse::fail;  // not the shortest form
  } else if (length == 127) {
    if (n < at + 8) return Parse::need_more;
    length = 0;
    for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
    at += 8;
    if ((length >> 63) != 0 || length <= 0xFFFF) return Parse::fail;
  }
  if (!is_control(out.opcode) && length > max_payload) {
    close_code = kCloseTooBig;
    return Parse::fail;
  }
  if (n < at + 4) return Parse::need_more;
  std::memcpy(out.mask, p + at, 4);
  at += 4;
  out.length = length;
  out.header_bytes = at;
  return Parse::frame;
}

void unmask(char* p, std::size_t n, const std::uint8_t mask[4], std::size_t offset) {
  std::uint8_t key[8];
  for (std::size_t i = 0; i < 8; ++i) key[i] = mask[(offset + i) & 3];
  std::uint64_t wide;
  std::memcpy(&wide, key, 8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, p + i, 8);
    chunk ^= wide;
    std::memcpy(p + i, &chunk, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(static_cast<std::uint8_t>(p[i]) ^ key[i & 7]);
}

std::size_t write_server_header(std::uint8_t* out, std::uint8_t opcode, std::uint64_t length) {
  out[0] = static_cast<std::uint8_t>(0x80 | opcode);
  if (length < 126) {
    out[1] = static_cast<std::uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(length >> 8);
    out[3] = static_cast<std::uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (std::size_t i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
  return 10;
}

bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012:
    case 1013:
    case 1014: return true;
    default: return false;
  }
}

bool Utf8Validator::feed(const char* text, std::size_t n) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text);
  std::size_t i = 0;
  while (i < n) {
    if (state_ == 0) {
      // ASCII runs, eight bytes at a time.
      while (i + 8 <= n) {
        std::uint64_t chunk;
        std::memcpy(&chunk, p + i, 8);
        if ((chunk & 0x8080808080808080ULL) != 0) break;
        i += 8;
      }
      if (i == n) break;
      const std::uint8_t b = p[i++];
      if (b < 0x80) continue;
      lower_ = 0x80;
      upper_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        state_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        state_ = 2;
        if (b == 0xE0) lower_ = 0xA0;  // no overlong three-byte forms
        if (b == 0xED) upper_ = 0x9F;  // no surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        state_ = 3;
        if (b == 0xF0) lower_ = 0x90;  // no overlong four-byte forms
        if (b == 0xF4) upper_ = 0x8F;  // nothing over U+10FFFF
      } else {
        state_ = 0xFF;
        return false;
      }
      continue;
    }
    if (state_ == 0xFF) return false;
    const std::uint8_t b = p[i++];
    if (b < lower_ || b > upper_) {
      state_ = 0xFF;
      return false;
    }
    --state_;
    lower_ = 0x80;
    upper_ = 0xBF;
  }
  return state_ != 0xFF;
}

bool valid_utf8(const char* p, std::size_t n) {
  Utf8Validator v;
  return v.feed(p, n) && v.complete();
}

bool parse_close(std::string_view payload, ClosePayload& out, std::uint16_t& close_code) {
  out = {};
  if (payload.empty()) return true;
  if (payload.size() == 1) {
    close_code = kCloseProtocolError;
    return false;
  }
  const auto code =
      static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]));
  if (!valid_close_code(code)) {
    close_code = kCloseProtocolError;
    return false;
  }
  out.code = code;
  out.reason = payload.substr(2);
  if (!valid_utf8(out.reason.data(), out.reason.size())) {
    close_code = kCloseInvalidPayload;
    return false;
  }
  return true;
}

void FrameReader::reset() {
  opcode_ = 0;
  delivered_ = false;
  std::string().swap(fragments_);
}

FrameReader::Event FrameReader::fail(std::uint16_t code, std::size_t consumed) {
  Event e;
  e.kind = Kind::fail;
  e.close_code = code;
  e.consumed = consumed;
  return e;
}

FrameReader::Event FrameReader::next(char* p, std::size_t n) {
  if (delivered_) {
    // The assembled message was handed out by the last call: its memory goes
    // back unless small.
    delivered_ = false;
    if (fragments_.capacity() > 4096) {
      std::string().swap(fragments_);
    } else {
      fragments_.clear();
    }
  }
  FrameHeader h;
  std::uint16_t code = 0;
  const std::size_t room = opcode_ != 0 ? max_message_ - fragments_.size() : max_message_;
  const Parse parsed = parse_client_header(reinterpret_cast<const std::uint8_t*>(p), n, room, h, code);
  if (parsed == Parse::fail) return fail(code, 0);
  Event e;
  if (parsed == Parse::need_more) return e;
  const std::size_t total = h.header_bytes + static_cast<std::size_t>(h.length);
  if (n < total) {
    e.needed = total;
    return e;
  }
  char* payload = p + h.header_bytes;
  const std::string_view data(payload, static_cast<std::size_t>(h.length));
  unmask(payload, data.size(), h.mask);
  e.consumed = total;

  if (is_control(h.opcode)) {
    e.kind = Kind::control;
    e.opcode = h.opcode;
    e.data = data;
    if (h.opcode == kClose && !parse_close(data, e.close, code)) return fail(code, total);
    return e;
  }
  e.kind = Kind::fragment;
  if (h.opcode == kContinuation) {
    if (opcode_ == 0) return fail(kCloseProtocolError, total);  // nothing to continue
    if (opcode_ == kText && !utf8_.feed(data.data(), data.size())) return fail(kCloseInvalidPayload, total);
    fragments_.append(data);
    if (!h.fin) return e;
    if (opcode_ == kText && !utf8_.complete()) return fail(kCloseInvalidPayload, total);
    e.kind = Kind::message;
    e.opcode = opcode_;
    e.data = fragments_;
    opcode_ = 0;
    delivered_ = true;
    return e;
  }
  if (opcode_ != 0) return fail(kCloseProtocolError, total);  // a new message inside a fragmented one
  if (!h.fin) {
    opcode_ = h.opcode;
    utf8_.reset();
    if (opcode_ == kText && !utf8_.feed(data.data(), data.size())) return fail(kCloseInvalidPayload, total);
    fragments_.assign(data);
    return e;
  }
  if (h.opcode == kText && !valid_utf8(data.data(), data.size())) return fail(kCloseInvalidPayload, total);
  e.kind = Kind::message;
  e.opcode = h.opcode;
  e.data = data;
  return e;
}

}  // namespace serendip::net::wsproto
