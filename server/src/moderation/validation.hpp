// Checks on what users and moderators send before it reaches the store.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace serendip::moderation {

// The contract's report reasons.
bool valid_report_reason(std::string_view reason);
// Unicode code points in valid UTF-8; nullopt for invalid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text);
// The key an address is blocked and counted under (core/address_key.hpp):
// IPv4 as itself (IPv4-mapped IPv6 becomes plain IPv4, so "::FFFF:192.0.2.1"
// and "192.0.2.1" block the same client), IPv6 as its /64 ("2001:db8:1:2::/64").
std::optional<std::string> canonical_ip(std::string_view ip);
// A device key as made by auth::device_key (or any 1..128 chars of [A-Za-z0-9_-]).
bool valid_device_key(std::string_view key);
// 3..32 chars of [a-z0-9_.-], starting with a letter or digit.
bool valid_username(std::string_view username);

// A JSON object as text, for audit details. Keys are literals of ours.
class JsonText {
 public:
  JsonText& add(std::string_view key, std::string_view value);
  JsonText& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  JsonText& add(std::string_view key, std::int64_t value);
  JsonText& add(std::string_view key, bool value);
  JsonText& add_null(std::string_view key);
  JsonText& add_raw(std::string_view key, std::string_view json);  // already JSON (an array of ids)
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};
std::string json_quote(std::string_view s);

}  // namespace serendip::moderation
