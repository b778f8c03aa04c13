// Bearer tokens (session and admin JWTs): parsed and checked before anything
// else reads a request. Both audiences, with and without a lifetime limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using serendip::auth::Audience;
  using serendip::auth::JwtCodec;
  static const JwtCodec user("fuzz-secret-0123456789abcdef0123456789", Audience::user, 3600);
  static const JwtCodec admin("fuzz-secret-0123456789abcdef0123456789", Audience::admin, 0);
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  for (const JwtCodec* codec : {&user, &admin}) {
    auto result = codec->verify(token, 1'800'000'000, 30);
    if (result.claims) {
      // Only a token this codec signed can verify: the fuzzer cannot forge one.
      __builtin_trap();
    }
  }
  return 0;
}
