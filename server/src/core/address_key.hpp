// The key under which an address is counted and blocked. An IPv4 address is
// its own key; an IPv6 address is keyed by its /64, because one subscriber
// (a home, a phone, a rented server) gets a whole /64 and picks addresses in
// it at will: per-address limits and blocks on the exact IPv6 address would
// be evaded by changing the last 64 bits. IPv4-mapped IPv6 (::ffff:a.b.c.d)
// is the IPv4 address.
//
//   "192.0.2.7"           -> "192.0.2.7"
//   "::ffff:192.0.2.7"    -> "192.0.2.7"
//   "2001:db8:1:2:aa::5"  -> "2001:db8:1:2::/64"
//   "2001:db8:1:2::/64"   -> "2001:db8:1:2::/64"  (a key is its own key)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace serendip::core {

// nullopt for anything that is not an IPv4 or IPv6 literal (an optional
// "[...]" around IPv6 is accepted; of prefixes only "/32" on IPv4 and "/64"
// on IPv6, the two a key can carry).
std::optional<std::string> address_key(std::string_view address);

}  // namespace serendip::core
