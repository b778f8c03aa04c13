// redis::Reply: one decoded RESP2 value, owned by us so that callers never see
// hiredis structs. Errors produced by the client itself (timeout, connection
// down, queue full) are error replies too, tagged with a ClientError so that
// callers can tell "Redis said no" from "Redis was not reached".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace serendip::redis {

// Why the client produced an error reply itself. `none` on replies from Redis.
enum class ClientError : std::uint8_t {
  none,
  timeout,   // no reply within the command's timeout; the connection was recycled
  down,      // not connected (or the connection was lost with the command in flight)
  overload,  // too many commands queued on the connection
  closed,    // the client is shutting down
  protocol,  // the server sent bytes that are not RESP; the connection was recycled
  redirect,  // too many MOVED/ASK hops
};
std::string_view to_string(ClientError e);

class Reply {
 public:
  enum class Type : std::uint8_t { nil, status, error, integer, string, array };

  Reply() = default;  // nil
  static Reply nil() { return {}; }
  static Reply status(std::string s) { return Reply(Type::status, std::move(s)); }
  static Reply error(std::string s) { return Reply(Type::error, std::move(s)); }
  static Reply client_error(ClientError kind, std::string message);
  static Reply integer(std::int64_t v);
  static Reply string(std::string s) { return Reply(Type::string, std::move(s)); }
  static Reply array(std::vector<Reply> elements);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::nil; }
  bool is_error() const { return type_ == Type::error; }
  bool is_array() const { return type_ == Type::array; }
  bool is_string() const { return type_ == Type::string; }
  bool is_integer() const { return type_ == Type::integer; }
  // Status "OK".
  bool ok() const { return type_ == Type::status && str_ == "OK"; }

  // Text of a status, error or string reply; empty for the others.
  const std::string& str() const { return str_; }
  std::int64_t integer() const { return int_; }
  const std::vector<Reply>& elements() const { return elements_; }
  std::vector<Reply>& elements() { return elements_; }

  // Set on errors the client made up; `none` otherwise.
  ClientError client_error() const { return client_error_; }
  // The error's first word ("MOVED", "NOSCRIPT", "WRONGTYPE"...); empty if not an error.
  std::string_view error_code() const;

  // Helpers for common shapes: nullopt when the reply has another type.
  std::optional<std::string_view> as_string() const;  // string or status
  std::optional<std::int64_t> as_integer() const;     // integer, or a string holding one
  // Array of strings (nil elements become empty strings), e.g. LRANGE, SMEMBERS.
  std::optional<std::vector<std::string>> as_strings() const;

  // Debug rendering, e.g. `["smessage", "ch", "hi"]` or `(error) ERR ...`.
  std::string to_debug_string() const;

  friend bool operator==(const Reply& a, const Reply& b);

 private:
  Reply(Type t, std::string s) : type_(t), str_(std::move(s)) {}

  Type type_ = Type::nil;
  ClientError client_error_ = ClientError::none;
  std::int64_t int_ = 0;
  std::string str_;
  std::vector<Reply> elements_;
};

// Every callback gets exactly one Reply, on the client's io_context thread.
// std::function: libstdc++ stores a callable of up to 16 bytes that is
// trivially copyable (a `this` plus one pointer) inline, anything bigger is
// one heap allocation per command.
using Callback = std::function<void(Reply)>;

}  // namespace serendip::redis
