#include "moderation/password.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace serendip::moderation {
namespace {

void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      // Without libsodium no admin can log in safely: crash loudly.
      std::fprintf(stderr, "fatal: sodium_init failed\n");
      std::abort();
    }
  });
}

}  // namespace

std::optional<std::string> hash_password(std::string_view password, PasswordCost cost) {
  init_sodium();
  const bool interactive = cost == PasswordCost::interactive;
  const unsigned long long ops = interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN;
  const std::size_t mem = interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  return std::string(out);
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
  init_sodium();
  if (encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  encoded_hash.copy(buf, encoded_hash.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

}  // namespace serendip::moderation
