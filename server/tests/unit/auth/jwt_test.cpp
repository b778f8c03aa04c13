#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include "auth/crypto.hpp"

namespace serendip::auth {
namespace {

constexpr std::int64_t kNow = 1'790'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";

Claims sample() {
  Claims c;
  c.sub = "u_0123456789abcdef01234567";
  c.did = "5e44f1d90e83f0e7491631595ad0c3576b5c1ba1e08eeffec91d9000b4d5b5ed";
  c.jti = "00112233445566778899aabbccddeeff";
  c.iat = kNow;
  c.exp = kNow + 300;
  return c;
}

// Builds "<b64(header)>.<b64(payload)>.<sig>" with an HS256 signature over the
// first two parts (or `signature` verbatim when given).
std::string forge(std::string_view header, std::string_view payload, const std::string& secret,
                  std::optional<std::string> signature = std::nullopt) {
  std::string t = base64url_encode(header) + "." + base64url_encode(payload);
  const std::string sig = signature ? *signature : base64url_encode(hmac_sha256(secret, t));
  return t + "." + sig;
}

const char* kHs256 = R"({"alg":"HS256","typ":"JWT"})";
const char* kPayload = R"({"sub":"u_1","jti":"j1","iat":1790000000,"exp":1790000300})";

std::string part(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  const std::size_t end = token.find('.', start);
  return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(Jwt, RoundTrip) {
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(sample());
  EXPECT_EQ(*base64url_decode(part(token, 0)), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(
      *base64url_decode(part(token, 1)),
      R"({"sub":"u_0123456789abcdef01234567","did":"5e44f1d90e83f0e7491631595ad0c3576b5c1ba1e08eeffec91d9000b4d5b5ed",)"
      R"("jti":"00112233445566778899aabbccddeeff","aud":"serendip-user","iat":1790000000,"exp":1790000300})");
  const JwtResult r = codec.verify(token, kNow);
  ASSERT_TRUE(r.claims) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, sample().sub);
  EXPECT_EQ(r.claims->did, sample().did);
  EXPECT_EQ(r.claims->jti, sample().jti);
  EXPECT_EQ(r.claims->role, "");
  EXPECT_EQ(r.claims->iat, kNow);
  EXPECT_EQ(r.claims->exp, kNow + 300);
}

TEST(Jwt, RoleAndEmptyDid) {
  JwtCodec codec(kSecret);
  Claims c = sample();
  c.did.clear();
  c.role = "admin";
  const std::string token = codec.sign(c);
  EXPECT_EQ(base64url_decode(part(token, 1))->find("did"), std::string::npos);
  const JwtResult r = codec.verify(token, kNow);
  ASSERT_TRUE(r.claims);
  EXPECT_EQ(r.claims->role, "admin");
  EXPECT_EQ(r.claims->did, "");
}

TEST(Jwt, WrongSecret) {
  const std::string token = JwtCodec(kSecret).sign(sample());
  EXPECT_EQ(JwtCodec("another-secret").verify(token, kNow).error, JwtError::bad_signature);
}

TEST(Jwt, TamperedPayload) {
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(sample());
  Claims c = sample();
  c.sub = "u_victim";
  const std::string other = codec.sign(c);
  // Payload of `other`, signature of `token`.
  const std::string mixed = part(token, 0) + "." + part(other, 1) + "." + part(token, 2);
  const JwtResult r = codec.verify(mixed, kNow);
  EXPECT_FALSE(r.claims);
  EXPECT_EQ(r.error, JwtError::bad_signature);
}

TEST(Jwt, TamperedSignature) {
  JwtCodec codec(kSecret);
  std::string token = codec.sign(sample());
  token.back() = token.back() == 'A' ? 'Q' : 'A';  // still canonical base64url, different bytes
  EXPECT_EQ(codec.verify(token, kNow).error, JwtError::bad_signature);
  const std::string truncated = token.substr(0, token.size() - 4);
  EXPECT_FALSE(codec.verify(truncated, kNow).claims);
  const std::string empty_sig = token.substr(0, token.rfind('.') + 1);
  EXPECT_EQ(codec.verify(empty_sig, kNow).error, JwtError::bad_signature);
}

TEST(Jwt, AlgNoneRejected) {
  JwtCodec codec(kSecret);
  const std::string none_header = R"({"alg":"none","typ":"JWT"})";
  // Classic: empty signature.
  EXPECT_EQ(codec.verify(forge(none_header, kPayload, kSecret, std::string()), kNow).error, JwtError::bad_algorithm);
  // With a valid HS256 signature over the parts: still refused on the header.
  EXPECT_EQ(codec.verify(forge(none_header, kPayload, kSecret), kNow).error, JwtError::bad_algorithm);
  EXPECT_EQ(codec.verify(forge(R"({"alg":"None"})", kPayload, kSecret), kNow).error, JwtError::bad_algorithm);
}

TEST(Jwt, OtherAlgorithmsRejected) {
  JwtCodec codec(kSecret);
  for (const char* h : {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256"})", R"({"alg":"hs256"})",
                        R"({"typ":"JWT"})", R"({"alg":null})", R"({"alg":["HS256"]})"}) {
    EXPECT_EQ(codec.verify(forge(h, kPayload, kSecret), kNow).error, JwtError::bad_algorithm) << h;
  }
  // A correctly signed token with a critical extension we do not know.
  EXPECT_EQ(codec.verify(forge(R"({"alg":"HS256","crit":["exp"]})", kPayload, kSecret), kNow).error,
            JwtError::bad_algorithm);
}

TEST(Jwt, EquivalentHeaderSpellingStillVerifies) {
  // Another JSON spelling of the HS256 header is fine as long as it is signed.
  JwtCodec codec(kSecret);
  EXPECT_TRUE(codec.verify(forge(R"({"typ":"JWT", "alg":"HS256"})", kPayload, kSecret), kNow).claims);
}

TEST(Jwt, SwappedHeader) {
  // Header replaced after signing (HS256 -> HS256 with different bytes): signature no longer matches.
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(sample());
  const std::string swapped =
      base64url_encode(R"({"typ":"JWT","alg":"HS256"})") + "." + part(token, 1) + "." + part(token, 2);
  EXPECT_EQ(codec.verify(swapped, kNow).error, JwtError::bad_signature);
  // Header and payload swapped around.
  const std::string reordered = part(token, 1) + "." + part(token, 0) + "." + part(token, 2);
  EXPECT_FALSE(codec.verify(reordered, kNow).claims);
}

TEST(Jwt, Expiry) {
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(sample());  // exp = kNow + 300
  EXPECT_TRUE(codec.verify(token, kNow + 299).claims);
  EXPECT_EQ(codec.verify(token, kNow + 300).error, JwtError::expired);  // exp is exclusive
  EXPECT_EQ(codec.verify(token, kNow + 301).error, JwtError::expired);
  // Leeway tolerates skew.
  EXPECT_TRUE(codec.verify(token, kNow + 301, 5).claims);
  EXPECT_TRUE(codec.verify(token, kNow + 304, 5).claims);
  EXPECT_EQ(codec.verify(token, kNow + 305, 5).error, JwtError::expired);
}

TEST(Jwt, IssuedInTheFuture) {
  JwtCodec codec(kSecret);
  Claims c = sample();
  c.iat = kNow + 61;
  c.exp = kNow + 600;
  const std::string token = codec.sign(c);
  EXPECT_EQ(codec.verify(token, kNow).error, JwtError::not_yet_valid);
  EXPECT_TRUE(codec.verify(token, kNow, 1).claims);
  c.iat = kNow + 60;
  EXPECT_TRUE(codec.verify(codec.sign(c), kNow).claims);
}

TEST(Jwt, ClaimTypes) {
  JwtCodec codec(kSecret);
  const char* bad[] = {
      R"({"sub":"u_1","jti":"j1","iat":1790000000,"exp":"1790000300"})",
      R"({"sub":"u_1","jti":"j1","iat":1790000000,"exp":1790000300.5})",
      R"({"sub":"u_1","jti":"j1","iat":1790000000})",
      R"({"sub":"u_1","jti":"j1","exp":1790000300})",
      R"({"jti":"j1","iat":1790000000,"exp":1790000300})",
      R"({"sub":"u_1","iat":1790000000,"exp":1790000300})",
      R"({"sub":7,"jti":"j1","iat":1790000000,"exp":1790000300})",
      R"({"sub":"u_1","jti":"j1","role":1,"iat":1790000000,"exp":1790000300})",
      R"({"sub":"u_1","jti":"j1","iat":1790000000,"exp":18446744073709551615})",
      R"(["sub"])",
      R"(not json)",
  };
  for (const char* p : bad) {
    EXPECT_EQ(codec.verify(forge(kHs256, p, kSecret), kNow).error, JwtError::malformed) << p;
  }
  EXPECT_TRUE(codec.verify(forge(kHs256, kPayload, kSecret), kNow).claims);
}

TEST(Jwt, Garbage) {
  JwtCodec codec(kSecret);
  for (std::string_view t : {"", ".", "..", "abc", "a.b", "a.b.c", "!!.!!.!!", "eyJ.eyJ.", "a..b"}) {
    const JwtResult r = codec.verify(t, kNow);
    EXPECT_FALSE(r.claims) << t;
  }
  EXPECT_EQ(codec.verify("not a token at all", kNow).error, JwtError::malformed);
  // Header that is not JSON.
  EXPECT_EQ(codec.verify(forge("{oops", kPayload, kSecret), kNow).error, JwtError::malformed);
  EXPECT_EQ(codec.verify(forge("[]", kPayload, kSecret), kNow).error, JwtError::malformed);
  // Padded base64url in the header.
  const std::string token = codec.sign(sample());
  EXPECT_EQ(codec.verify(part(token, 0) + "=." + part(token, 1) + "." + part(token, 2), kNow).error,
            JwtError::malformed);
}

TEST(Jwt, ThreeDots) {
  JwtCodec codec(kSecret);
  const std::string token = codec.sign(sample());
  EXPECT_EQ(codec.verify(token + ".", kNow).error, JwtError::malformed);
  EXPECT_EQ(codec.verify(token + ".xyz", kNow).error, JwtError::malformed);
}

TEST(Jwt, Oversize) {
  JwtCodec codec(kSecret);
  Claims c = sample();
  c.sub = std::string(4000, 'a');  // signed by us, but too big to be a token we accept
  const std::string token = codec.sign(c);
  ASSERT_GT(token.size(), 4096u);
  EXPECT_EQ(codec.verify(token, kNow).error, JwtError::malformed);
  EXPECT_EQ(codec.verify(std::string(100'000, 'a'), kNow).error, JwtError::malformed);
}

TEST(Jwt, DeeplyNestedHeaderIsMalformed) {
  JwtCodec codec(kSecret);
  const std::string header = R"({"alg":"HS256","x":)" + std::string(50, '[') + std::string(50, ']') + "}";
  EXPECT_EQ(codec.verify(forge(header, kPayload, kSecret), kNow).error, JwtError::malformed);
}

TEST(Jwt, UserAndAdminTokensNeverTakeEachOther) {
  const JwtCodec user(kSecret, Audience::user);
  const JwtCodec admin(kSecret, Audience::admin);
  Claims c = sample();
  c.role = "admin";
  const std::string admin_token = admin.sign(c);
  const std::string user_token = user.sign(c);
  ASSERT_TRUE(admin.verify(admin_token, kNow).claims);
  ASSERT_TRUE(user.verify(user_token, kNow).claims);
  // Another key: the signature fails first, whichever way round.
  EXPECT_EQ(admin.verify(user_token, kNow).error, JwtError::bad_signature);
  EXPECT_EQ(user.verify(admin_token, kNow).error, JwtError::bad_signature);
  // What the old single key allowed: admin claims signed with the configured secret itself.
  const std::string old_style =
      forge(kHs256, R"({"sub":"root","jti":"j","role":"admin","gen":0,"iat":1790000000,"exp":1790000300})", kSecret);
  EXPECT_FALSE(admin.verify(old_style, kNow).claims);
  // The audience is checked too, even under the right key.
  const std::string admin_key = hmac_sha256(kSecret, kAdminKeyLabel);
  const std::string no_aud =
      forge(kHs256, R"({"sub":"root","jti":"j","gen":0,"iat":1790000000,"exp":1790000300})", admin_key);
  EXPECT_EQ(admin.verify(no_aud, kNow).error, JwtError::wrong_audience);
  const std::string user_aud =
      forge(kHs256, R"({"sub":"u","jti":"j","aud":"serendip-admin","iat":1790000000,"exp":1790000300})", kSecret);
  EXPECT_EQ(user.verify(user_aud, kNow).error, JwtError::wrong_audience);
  // A user token without aud (the contract's HS256 token as outside tests forge it) still verifies.
  EXPECT_TRUE(user.verify(forge(kHs256, kPayload, kSecret), kNow).claims);
  // Admin tokens carry their generation.
  c.gen = 7;
  EXPECT_EQ(admin.verify(admin.sign(c), kNow).claims->gen, 7);
  const std::string no_gen =
      forge(kHs256, R"({"sub":"root","jti":"j","aud":"serendip-admin","iat":1790000000,"exp":1790000300})", admin_key);
  EXPECT_EQ(admin.verify(no_gen, kNow).error, JwtError::malformed);
}

TEST(Jwt, NotBefore) {
  const JwtCodec codec(kSecret);
  Claims c = sample();
  c.nbf = kNow + 30;
  EXPECT_EQ(codec.verify(codec.sign(c), kNow).error, JwtError::not_yet_valid);
  EXPECT_TRUE(codec.verify(codec.sign(c), kNow + 30).claims);
  EXPECT_TRUE(codec.verify(codec.sign(c), kNow, 30).claims);  // within the leeway
  c.nbf = kNow - 5;
  EXPECT_TRUE(codec.verify(codec.sign(c), kNow).claims);
  const std::string bad =
      forge(kHs256, R"({"sub":"u","jti":"j","iat":1790000000,"exp":1790000300,"nbf":"soon"})", kSecret);
  EXPECT_EQ(codec.verify(bad, kNow).error, JwtError::malformed);
}

TEST(Jwt, LifetimeLongerThanConfiguredIsRefused) {
  const JwtCodec codec(kSecret, Audience::user, 300);
  Claims c = sample();
  EXPECT_TRUE(codec.verify(codec.sign(c), kNow).claims);  // exactly 300 s
  c.exp = c.iat + 301;
  EXPECT_EQ(codec.verify(codec.sign(c), kNow).error, JwtError::lifetime_too_long);
  // A backdated iat does not help: exp - iat is what counts.
  c.iat = kNow - 3600;
  c.exp = kNow + 60;
  EXPECT_EQ(codec.verify(codec.sign(c), kNow).error, JwtError::lifetime_too_long);
  c.iat = kNow;
  c.exp = kNow - 1 + 0;  // exp before iat is never a lifetime
  EXPECT_NE(codec.verify(codec.sign(c), kNow).error, JwtError::malformed);
  EXPECT_FALSE(codec.verify(codec.sign(c), kNow).claims);
  // Without a limit any lifetime is accepted (the CLI's codec, old callers).
  c.iat = kNow - 3600;
  c.exp = kNow + 3600;
  EXPECT_TRUE(JwtCodec(kSecret).verify(JwtCodec(kSecret).sign(c), kNow).claims);
}

TEST(Jwt, ErrorNames) {
  EXPECT_EQ(to_string(JwtError::wrong_audience), "wrong_audience");
  EXPECT_EQ(to_string(JwtError::lifetime_too_long), "lifetime_too_long");
  EXPECT_EQ(to_string(JwtError::malformed), "malformed");
  EXPECT_EQ(to_string(JwtError::bad_algorithm), "bad_algorithm");
  EXPECT_EQ(to_string(JwtError::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(JwtError::expired), "expired");
  EXPECT_EQ(to_string(JwtError::not_yet_valid), "not_yet_valid");
}

}  // namespace
}  // namespace serendip::auth
