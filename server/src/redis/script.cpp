#include "redis/script.hpp"

#include <openssl/sha.h>

namespace serendip::redis {

Script::Script(std::string body) : body_(std::make_shared<const std::string>(std::move(body))) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body_->data()), body_->size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  sha1_.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    sha1_ += kHex[b >> 4];
    sha1_ += kHex[b & 0xf];
  }
}

}  // namespace serendip::redis
