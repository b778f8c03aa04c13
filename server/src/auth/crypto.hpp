// Small cryptographic helpers over OpenSSL: keyed hashes, secure randomness,
// base64, and constant-time comparison. Every secret comparison in Serendip
// goes through constant_time_equal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serendip::auth {

// Cryptographically secure random bytes (RAND_bytes). Aborts if the OS RNG fails.
std::string random_bytes(std::size_t n);
// n random bytes as lowercase hex (2n chars).
std::string random_hex(std::size_t n);

std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string hmac_sha1(std::string_view key, std::string_view data);    // 20 raw bytes
std::string sha256(std::string_view data);                             // 32 raw bytes
std::string to_hex(std::string_view bytes);

std::string base64_encode(std::string_view bytes);                   // standard alphabet, padded
std::string base64url_encode(std::string_view bytes);                // URL alphabet, unpadded
std::optional<std::string> base64url_decode(std::string_view text);  // rejects bad chars/padding

// True when a and b are equal; time depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// The device id is never stored: only this keyed hash (hex of HMAC-SHA256 under
// a server key derived from the JWT secret with a fixed label).
std::string device_key(std::string_view server_secret, std::string_view device_id);

// The anonymous user id (`sub`) of a device's tokens: "u_" and 24 hex digits of
// an HMAC of its device key under a key derived from `server_secret`. Stable
// per device, so every token of one device names the same user and coturn's
// per-user allocation quota (keyed on the TURN username's user part) binds to
// the device, not to one token; it reveals nothing of the device key.
std::string user_id_for_device(std::string_view server_secret, std::string_view device_key);

// Valid device id per contract section 1: 16..128 chars of [A-Za-z0-9_-].
bool valid_device_id(std::string_view device_id);

}  // namespace serendip::auth
