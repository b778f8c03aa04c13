// TURN credentials in coturn's "TURN REST API" scheme (use-auth-secret):
// username "<expiry-unix-seconds>:<user>", credential base64(HMAC-SHA1(secret, username)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace serendip::auth {

struct TurnCredential {
  std::string username;
  std::string credential;
};

TurnCredential make_turn_credential(std::string_view secret, std::string_view user_id, std::int64_t now_unix_s,
                                    std::int64_t ttl_s);

}  // namespace serendip::auth
