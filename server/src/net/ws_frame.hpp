// RFC 6455 framing for the server side, without I/O (and without Boost): the
// opening handshake's accept key, the client frame header parser, unmasking,
// the server frame header, close frame checks and an incremental UTF-8
// validator. WsSession (ws_session_impl.hpp) does the reading and writing.
//
// What a server must refuse (section 5): an unmasked client frame, reserved
// bits without an extension (none is negotiated), an unknown opcode, a control
// frame over 125 bytes or fragmented, a length that is not minimal or has its
// top bit set. Each is a protocol error: close 1002. A message over the size
// limit is close 1009, known from the header alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error_code.hpp"

namespace serendip::net::wsproto {

enum Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline bool is_control(std::uint8_t opcode) { return (opcode & 0x8) != 0; }

// Close codes the server sends for the framing itself (core::close_code).
inline constexpr std::uint16_t kCloseNormal = core::close_code::normal;
inline constexpr std::uint16_t kCloseProtocolError = core::close_code::protocol_error;
inline constexpr std::uint16_t kCloseInvalidPayload = core::close_code::invalid_payload;
inline constexpr std::uint16_t kCloseTooBig = core::close_code::too_big;

// The largest header a client frame can have: 2 + 8 (length) + 4 (mask).
inline constexpr std::size_t kMaxClientHeader = 14;
inline constexpr std::size_t kMaxControlPayload = 125;

// Sec-WebSocket-Accept for a request's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);
// A Sec-WebSocket-Key is base64 text (the RFC's is 16 bytes: 24 characters).
bool valid_client_key(std::string_view client_key);

struct FrameHeader {
  bool fin = false;
  std::uint8_t opcode = 0;
  std::uint64_t length = 0;  // payload bytes
  std::uint8_t mask[4] = {};
  std::size_t header_bytes = 0;
};

enum class Parse : std::uint8_t { need_more, frame, fail };

// Reads a client frame's header from the first `n` bytes at `p`. `max_payload`
// is what the message may still grow by (data frames); over it: fail with 1009.
// On fail, `close_code` says why (1002 or 1009).
Parse parse_client_header(const std::uint8_t* p, std::size_t n, std::uint64_t max_payload, FrameHeader& out,
                          std::uint16_t& close_code);

// XORs `n` bytes with the mask; `offset` is where in the payload `p` starts.
void unmask(char* p, std::size_t n, const std::uint8_t mask[4], std::size_t offset = 0);

// Writes a server frame header (FIN set, unmasked) for `length` payload bytes;
// returns its size (2, 4 or 10).
std::size_t write_server_header(std::uint8_t* out, std::uint8_t opcode, std::uint64_t length);

// Close codes a peer may send in a close frame (RFC 6455 7.4; 1005, 1006 and
// 1015 are for reporting only and never on the wire).
bool valid_close_code(std::uint16_t code);

// Incremental UTF-8 check, for messages that arrive in fragments: a character
// may be split between two of them. Rejects overlong forms, surrogates and
// code points over U+10FFFF as soon as the offending byte is seen.
class Utf8Validator {
 public:
  // False once the bytes so far cannot be the start of valid UTF-8.
  bool feed(const char* p, std::size_t n);
  // True when the bytes so far are valid and end on a character boundary.
  bool complete() const { return state_ == 0; }
  void reset() {
    state_ = 0;
    lower_ = 0x80;
    upper_ = 0xBF;
  }

 private:
  std::uint8_t state_ = 0;  // continuation bytes still expected
  std::uint8_t lower_ = 0x80;
  std::uint8_t upper_ = 0xBF;  // bounds of the next continuation byte
};

// Whole-buffer check (ASCII runs are checked eight bytes at a time).
bool valid_utf8(const char* p, std::size_t n);

// The close frame a client sent: none (empty payload) or a code and a reason.
struct ClosePayload {
  std::optional<std::uint16_t> code;
  std::string_view reason;
};
// Checks a received close frame's payload. On failure, `close_code` is 1002
// (1 byte, or a code not allowed on the wire) or 1007 (reason not UTF-8).
bool parse_close(std::string_view payload, ClosePayload& out, std::uint16_t& close_code);

// The frame reader of one connection: takes the bytes read so far, and gives
// back one event at a time (a whole message, a control frame, a protocol
// failure, or "need more bytes"), unmasking payloads in place. A message that
// arrives in fragments is assembled here (its UTF-8 checked as it comes), and
// control frames between its fragments are given back as they arrive.
class FrameReader {
 public:
  // fragment: a data frame that is part of a message under way (nothing to hand out yet).
  enum class Kind : std::uint8_t { need_more, fragment, message, control, fail };
  struct Event {
    Kind kind = Kind::need_more;
    std::uint8_t opcode = 0;       // control: kPing, kPong or kClose; message: kText or kBinary
    std::string_view data;         // message or control payload, valid until the next call
    std::size_t consumed = 0;      // bytes of the input this event used
    std::size_t needed = 0;        // need_more: the whole frame's size when its header is known, else 0
    std::uint16_t close_code = 0;  // fail: 1002, 1007 or 1009
    ClosePayload close;            // control kClose: its code and reason (checked)
  };

  explicit FrameReader(std::size_t max_message) : max_message_(max_message) {}

  // The next event from `p[0..n)`. Unmasks the frame it reads in place.
  Event next(char* p, std::size_t n);
  // A message is being assembled from fragments.
  bool in_message() const { return opcode_ != 0; }
  // Forgets a message under way and its memory.
  void reset();

 private:
  Event fail(std::uint16_t code, std::size_t consumed);

  std::size_t max_message_;
  std::string fragments_;
  Utf8Validator utf8_;
  std::uint8_t opcode_ = 0;  // of the message under way (0: none)
  bool delivered_ = false;   // fragments_ was handed out: cleared at the next call
};

}  // namespace serendip::net::wsproto
