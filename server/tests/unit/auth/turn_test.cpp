#include "auth/turn.hpp"

#include <gtest/gtest.h>

namespace serendip::auth {
namespace {

TEST(Turn, KnownVector) {
  // Expected credential computed independently with:
  //   printf '%s' '1790003600:u_0123456789abcdef01234567' |
  //     openssl dgst -sha1 -hmac 'turn-shared-secret' -binary | base64
  const TurnCredential c =
      make_turn_credential("turn-shared-secret", "u_0123456789abcdef01234567", 1'790'000'000, 3600);
  EXPECT_EQ(c.username, "1790003600:u_0123456789abcdef01234567");
  EXPECT_EQ(c.credential, "oP/pqfzPY92RTy07AsaAmeMbmj0=");
}

TEST(Turn, DependsOnSecretAndExpiry) {
  const auto a = make_turn_credential("s1", "u", 100, 10);
  const auto b = make_turn_credential("s2", "u", 100, 10);
  const auto c = make_turn_credential("s1", "u", 101, 10);
  EXPECT_EQ(a.username, b.username);
  EXPECT_NE(a.credential, b.credential);
  EXPECT_EQ(c.username, "111:u");
  EXPECT_NE(a.credential, c.credential);
}

}  // namespace
}  // namespace serendip::auth
