// Anonymous session tokens: HS256 JWTs. The algorithm is pinned: a header that
// says anything but {"alg":"HS256"} (including "none") is rejected, and the
// signature is compared in constant time.
//
// Two audiences never take each other's tokens: anonymous user tokens are
// signed with the configured secret itself (the contract's HS256 key, so an
// outside test can forge one), admin tokens with a key derived from it
// (HMAC-SHA256(secret, kAdminKeyLabel)) and carry "aud":"serendip-admin",
// which each codec checks both ways. A codec with a lifetime refuses tokens
// whose exp - iat exceeds it, and every codec honours `nbf`.
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
  std::int64_t nbf = 0;  // unix seconds; 0 = absent (sign() leaves it out)
  std::int64_t gen = 0;  // admin tokens: the account's token generation when signed (revocation)
};

enum class JwtError : std::uint8_t {
  malformed,
  bad_algorithm,
  bad_signature,
  expired,
  not_yet_valid,
  wrong_audience,     // an admin token where a user token belongs, or the reverse
  lifetime_too_long,  // exp - iat longer than the codec allows
};
std::string_view to_string(JwtError e);

struct JwtResult {
  std::optional<Claims> claims;
  JwtError error = JwtError::malformed;  // meaningful when !claims
};

enum class Audience : std::uint8_t { user, admin };

// The label the admin key is derived with: admin key = HMAC-SHA256(secret, label).
inline constexpr std::string_view kAdminKeyLabel = "serendip admin token key v1";
inline constexpr std::string_view kAdminAudience = "serendip-admin";
inline constexpr std::string_view kUserAudience = "serendip-user";
// The shortest signing secret the server accepts (bytes).
inline constexpr std::size_t kMinSecretBytes = 32;

class JwtCodec {
 public:
  // max_lifetime_s: tokens whose exp - iat exceeds it are refused (0 = no limit).
  explicit JwtCodec(std::string_view secret, Audience audience = Audience::user, std::int64_t max_lifetime_s = 0);

  std::string sign(const Claims& claims) const;
  // now_unix_s: current unix time in seconds. leeway_s tolerates clock skew on exp/iat/nbf.
  JwtResult verify(std::string_view token, std::int64_t now_unix_s, std::int64_t leeway_s = 0) const;

  Audience audience() const { return audience_; }

 private:
  std::string key_;  // never logged
  Audience audience_;
  std::int64_t max_lifetime_s_;
};

}  // namespace serendip::auth
