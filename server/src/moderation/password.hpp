// Admin password hashing: Argon2id through libsodium's crypto_pwhash_str, whose
// encoded output carries its own salt and cost, so verification needs only
// the stored string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace serendip::moderation {

enum class PasswordCost {
  interactive,  // crypto_pwhash_OPSLIMIT/MEMLIMIT_INTERACTIVE (64 MiB, 2 passes): production
  minimum,      // the smallest libsodium accepts: tests only
};

// "$argon2id$v=19$m=...,t=...,p=1$salt$hash", or nullopt when out of memory.
std::optional<std::string> hash_password(std::string_view password, PasswordCost cost);
// Constant-time in the password; false for a malformed hash.
bool verify_password(std::string_view encoded_hash, std::string_view password);

}  // namespace serendip::moderation
