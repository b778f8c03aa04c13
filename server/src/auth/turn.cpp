#include "auth/turn.hpp"

#include "auth/crypto.hpp"

namespace serendip::auth {

TurnCredential make_turn_credential(std::string_view secret, std::string_view user_id, std::int64_t now_unix_s,
                                    std::int64_t ttl_s) {
  TurnCredential c;
  c.username = std::to_string(now_unix_s + ttl_s);
  c.username += ':';
  c.username += user_id;
  c.credential = base64_encode(hmac_sha1(secret, c.username));
  return c;
}

}  // namespace serendip::auth
