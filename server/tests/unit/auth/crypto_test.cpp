#include "auth/crypto.hpp"

#include <gtest/gtest.h>

#include <set>

namespace serendip::auth {
namespace {

TEST(Crypto, RandomBytesHaveRequestedLengthAndDiffer) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(32).size(), 32u);
  const std::string hex = random_hex(16);
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(random_hex(8));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Crypto, KnownDigests) {
  // printf 'hello' | openssl dgst -sha256 -hex
  EXPECT_EQ(to_hex(sha256("hello")), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  // printf 'abc' | openssl dgst -sha256 -hmac key -hex
  EXPECT_EQ(to_hex(hmac_sha256("key", "abc")), "9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab");
  // RFC 2202 test case 2 for HMAC-SHA1.
  EXPECT_EQ(to_hex(hmac_sha1("Jefe", "what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(hmac_sha256("", "").size(), 32u);  // empty key and data are fine
}

TEST(Crypto, Base64Standard) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Crypto, Base64UrlRoundTrip) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  for (std::size_t n = 0; n < 70; ++n) {
    const std::string bytes = random_bytes(n);
    const auto back = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Crypto, Base64UrlDecodeRejects) {
  EXPECT_EQ(base64url_decode(""), std::optional<std::string>(""));
  EXPECT_FALSE(base64url_decode("Zm9vYg=="));  // padding
  EXPECT_FALSE(base64url_decode("Zm9vYg="));
  EXPECT_FALSE(base64url_decode("+/8"));    // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9 v"));  // whitespace
  EXPECT_FALSE(base64url_decode("Z"));      // 4k+1 is impossible
  EXPECT_FALSE(base64url_decode("Zm9vY"));
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero leftover bits (non-canonical "Zg")
  EXPECT_FALSE(base64url_decode(std::string_view("Zg\0", 3)));
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
}

TEST(Crypto, DeviceKeyKnownVector) {
  // Computed with:
  //   K=$(printf '%s' 'serendip/device-key/v1' | openssl dgst -sha256 -hmac 'jwt-secret-for-tests' -hex)
  //   printf '%s' 'device-0123456789abcdef' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K -hex
  EXPECT_EQ(device_key("jwt-secret-for-tests", "device-0123456789abcdef"),
            "5e44f1d90e83f0e7491631595ad0c3576b5c1ba1e08eeffec91d9000b4d5b5ed");
  EXPECT_NE(device_key("other-secret", "device-0123456789abcdef"),
            device_key("jwt-secret-for-tests", "device-0123456789abcdef"));
}

TEST(Crypto, ValidDeviceId) {
  EXPECT_TRUE(valid_device_id("0123456789abcdef"));                      // 16
  EXPECT_TRUE(valid_device_id("3f2b1c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"));  // randomUUID
  EXPECT_TRUE(valid_device_id(std::string(128, 'A')));
  EXPECT_TRUE(valid_device_id("under_score-dash_AZaz09"));
  EXPECT_FALSE(valid_device_id("0123456789abcde"));  // 15
  EXPECT_FALSE(valid_device_id(std::string(129, 'A')));
  EXPECT_FALSE(valid_device_id("0123456789abcdef!"));
  EXPECT_FALSE(valid_device_id("0123456789abcdef "));
  EXPECT_FALSE(valid_device_id("0123456789abcdef\xc3\xa9"));
  EXPECT_FALSE(valid_device_id(std::string_view("0123456789abcdef\0", 17)));
}

}  // namespace
}  // namespace serendip::auth
