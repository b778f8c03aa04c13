// RESP2 on the wire, through hiredis's reader and formatter only (its own
// sockets and async API are not used: 0.14.1 has no SSUBSCRIBE). Free of I/O,
// so the decoding is unit-tested on byte strings.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "redis/reply.hpp"

struct redisReader;

namespace serendip::redis {

// One command as RESP bytes ("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n").
std::string format_command(std::span<const std::string_view> args);
std::string format_command(std::initializer_list<std::string_view> args);
// `wire` (one formatted command) with its first two arguments replaced by
// `first` and `second` (EVALSHA <sha> ... -> EVAL <body> ...); nullopt when
// `wire` is not a command of at least two arguments.
std::optional<std::string> replace_head(std::string_view wire, std::string_view first, std::string_view second);

// Incremental reply decoder for one connection's byte stream.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  void feed(std::string_view bytes);
  // The next complete reply, or nullopt when more bytes are needed or the
  // stream is broken (then error() is non-empty and the connection must go).
  std::optional<Reply> next();
  const std::string& error() const { return error_; }

 private:
  struct Free {
    void operator()(redisReader* r) const;
  };
  std::unique_ptr<redisReader, Free> reader_;
  std::string error_;
};

}  // namespace serendip::redis
