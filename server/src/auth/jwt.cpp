#include "auth/jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/crypto.hpp"

namespace serendip::auth {
namespace {

namespace json = boost::json;

// The only header we emit. verify() does not require these exact bytes (any
// JSON object whose alg is HS256 and that the signature covers is accepted).
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
// Anything longer is not one of ours; refuse before decoding or parsing.
constexpr std::size_t kMaxTokenBytes = 4096;
// Accepted skew on iat beyond the caller's leeway (seconds).
constexpr std::int64_t kIatSkewS = 60;

std::optional<json::object> parse_object(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 8;  // claims are flat; deep nesting is an attack, not a token
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::int64_t> integer_claim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return std::nullopt;  // doubles ("1.5e9"), strings, null: not a NumericDate we accept
}

// Optional string claim: absent => "", present but not a string => error.
bool string_claim(const json::object& o, std::string_view name, std::string& out, bool required) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return !required;
  if (!v->is_string()) return false;
  out.assign(v->as_string().data(), v->as_string().size());
  return true;
}

JwtResult fail(JwtError e) {
  JwtResult r;
  r.error = e;
  return r;
}

}  // namespace

std::string_view to_string(JwtError e) {
  switch (e) {
    case JwtError::malformed: return "malformed";
    case JwtError::bad_algorithm: return "bad_algorithm";
    case JwtError::bad_signature: return "bad_signature";
    case JwtError::expired: return "expired";
    case JwtError::not_yet_valid: return "not_yet_valid";
    case JwtError::wrong_audience: return "wrong_audience";
    case JwtError::lifetime_too_long: return "lifetime_too_long";
  }
  return "malformed";
}

JwtCodec::JwtCodec(std::string_view secret, Audience audience, std::int64_t max_lifetime_s)
    : key_(audience == Audience::admin ? hmac_sha256(secret, kAdminKeyLabel) : std::string(secret)),
      audience_(audience),
      max_lifetime_s_(max_lifetime_s) {}

std::string JwtCodec::sign(const Claims& claims) const {
  json::object payload;
  payload["sub"] = claims.sub;
  if (!claims.did.empty()) payload["did"] = claims.did;
  payload["jti"] = claims.jti;
  if (!claims.role.empty()) payload["role"] = claims.role;
  payload["aud"] = audience_ == Audience::admin ? kAdminAudience : kUserAudience;
  payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  if (claims.nbf != 0) payload["nbf"] = claims.nbf;
  if (audience_ == Audience::admin || claims.gen != 0) payload["gen"] = claims.gen;

  std::string token = base64url_encode(kHeader);
  token += '.';
  token += base64url_encode(json::serialize(payload));
  const std::string signature = hmac_sha256(key_, token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

JwtResult JwtCodec::verify(std::string_view token, std::int64_t now_unix_s, std::int64_t leeway_s) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return fail(JwtError::malformed);
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(JwtError::malformed);
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtError::malformed);
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  // 1. Header: the algorithm is pinned, whatever the token claims.
  const auto header_text = base64url_decode(header_b64);
  if (!header_text) return fail(JwtError::malformed);
  const auto header = parse_object(*header_text);
  if (!header) return fail(JwtError::malformed);
  const json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") return fail(JwtError::bad_algorithm);
  // We understand no extensions, so a token that marks any as critical is refused (RFC 7515 4.1.11).
  if (header->contains("crit")) return fail(JwtError::bad_algorithm);

  // 2. Signature, in constant time, before looking at any claim.
  const auto signature = base64url_decode(signature_b64);
  if (!signature) return fail(JwtError::bad_signature);
  const std::string expected = hmac_sha256(key_, token.substr(0, dot2));
  if (!constant_time_equal(expected, *signature)) return fail(JwtError::bad_signature);

  // 3. Claims.
  const auto payload_text = base64url_decode(payload_b64);
  if (!payload_text) return fail(JwtError::malformed);
  const auto payload = parse_object(*payload_text);
  if (!payload) return fail(JwtError::malformed);

  Claims c;
  const auto exp = integer_claim(*payload, "exp");
  const auto iat = integer_claim(*payload, "iat");
  if (!exp || !iat) return fail(JwtError::malformed);
  c.exp = *exp;
  c.iat = *iat;
  if (!string_claim(*payload, "sub", c.sub, true) || !string_claim(*payload, "jti", c.jti, true) ||
      !string_claim(*payload, "did", c.did, false) || !string_claim(*payload, "role", c.role, false)) {
    return fail(JwtError::malformed);
  }
  // The audience, both ways: an admin codec takes only "serendip-admin"; a
  // user codec takes "serendip-user" or none (tokens forged by the contract's
  // tests carry none), never an admin one.
  std::string aud;
  if (!string_claim(*payload, "aud", aud, false)) return fail(JwtError::malformed);
  if (audience_ == Audience::admin ? aud != kAdminAudience : (!aud.empty() && aud != kUserAudience)) {
    return fail(JwtError::wrong_audience);
  }
  // Required on admin tokens (revocation compares it with the account's).
  if (audience_ == Audience::admin || payload->contains("gen")) {
    const auto gen = integer_claim(*payload, "gen");
    if (!gen) return fail(JwtError::malformed);
    c.gen = *gen;
  }
  if (payload->contains("nbf")) {
    const auto nbf = integer_claim(*payload, "nbf");
    if (!nbf) return fail(JwtError::malformed);
    c.nbf = *nbf;
  }
  // Compared as exp + leeway <= now, written without overflow for extreme values.
  if (c.exp <= now_unix_s - leeway_s) return fail(JwtError::expired);
  if (c.iat > now_unix_s + leeway_s + kIatSkewS) return fail(JwtError::not_yet_valid);
  if (c.nbf != 0 && c.nbf > now_unix_s + leeway_s) return fail(JwtError::not_yet_valid);
  // Checked on the difference of two values bounded above: iat may be
  // anything in the past, so compute without overflow.
  if (max_lifetime_s_ > 0 && (c.exp < c.iat || c.exp - c.iat > max_lifetime_s_)) {
    return fail(JwtError::lifetime_too_long);
  }

  JwtResult r;
  r.claims = std::move(c);
  return r;
}

}  // namespace serendip::auth
