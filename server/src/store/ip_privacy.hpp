// How the database keeps IP addresses where the address itself is not needed
// (docs/moderation.md section 13): as a keyed hash, "iph:" followed by the hex
// HMAC-SHA256 of the address's stored text under the IP key.
//
//  - Session counters are keyed by the hash from the start: a reputation
//    lookup hashes the address it is asked about, so it needs no raw IP.
//  - Reports, appeals and blocks keep the raw address while a moderator may
//    act on it (a pending report, an open appeal, an active block) and for
//    the retention period after that; then the retention job replaces it by
//    its hash. Lookups by IP match both forms, so counts stay whole.
//
// The IP key is derived from the audit key (derive_ip_key): like it, it never
// lives in the database, and every instance sharing a database has it. IPv4
// has only 2^32 addresses, so a hash without a secret key would be reversed
// by trying them all; with the key kept apart, it cannot be.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace serendip::store {

inline constexpr std::string_view kIpHashPrefix = "iph:";

// Whether a stored IP column holds a hash rather than an address. IP text
// (digits, hex, '.', ':', '/') never contains 'h' or 'p'.
bool is_ip_hash(std::string_view stored);

// kIpHashPrefix + hex(HMAC-SHA256(key, ip)). `ip` as stored (canonical, or an
// IPv6 /64 as "2001:db8:1:2::/64" for blocks); an already hashed value is
// returned unchanged.
std::string ip_hash(std::string_view key, std::string_view ip);

// The IP key: HMAC-SHA256(audit key, "serendip ip hash key v1"), 32 raw
// bytes. A key of its own, so the two uses of the audit key never meet.
std::string derive_ip_key(std::string_view audit_key);

// A stored IP as the model shows it: the address, or "" once it was replaced
// by its hash (erased after the retention period).
inline std::string shown_ip(std::string stored) { return is_ip_hash(stored) ? std::string() : std::move(stored); }

}  // namespace serendip::store
