// Anonymous session tokens: HS256 JWTs. The algorithm is pinned: a header that
// says anything but {"alg":"HS256"} (including "none") is rejected, and the
// signature is compared in constant time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serendip::auth {

struct Claims {
  std::string sub;       // opaque anonymous user id
  std::string did;       // keyed hash of the device id
  std::string jti;       // unique token id
  std::string role;      // empty for anonymous users; "moderator" / "admin" for admin tokens
  std::int64_t iat = 0;  // unix seconds
  std::int64_t exp = 0;  // unix seconds
};

enum class JwtError : std::uint8_t { malformed, bad_algorithm, bad_signature, expired, not_yet_valid };
std::string_view to_string(JwtError e);

struct JwtResult {
  std::optional<Claims> claims;
  JwtError error = JwtError::malformed;  // meaningful when !claims
};

class JwtCodec {
 public:
  explicit JwtCodec(std::string secret) : secret_(std::move(secret)) {}

  std::string sign(const Claims& claims) const;
  // now_unix_s: current unix time in seconds. leeway_s tolerates clock skew on exp/iat.
  JwtResult verify(std::string_view token, std::int64_t now_unix_s, std::int64_t leeway_s = 0) const;

 private:
  std::string secret_;  // never logged
};

}  // namespace serendip::auth
