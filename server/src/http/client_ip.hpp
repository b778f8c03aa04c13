// Which address a request comes from, for rate limits and blocks. The socket's
// peer address, unless that peer is a configured trusted proxy: then the
// right-most address of X-Forwarded-For that is not itself a trusted proxy
// (everything left of it could have been written by the client).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace serendip::http {

class TrustedProxies {
 public:
  // Entries are addresses or CIDRs ("10.0.0.0/8", "::1", "fd00::/8"); invalid ones are ignored
  // (config validation rejects them earlier).
  explicit TrustedProxies(const std::vector<std::string>& cidrs);
  bool contains(std::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    unsigned char bytes[16];
    int family;  // 4 or 6
    int prefix;  // bits
  };
  std::vector<Range> ranges_;
};

// `socket_ip` is the peer address of the TCP connection; `forwarded_for` the
// X-Forwarded-For header (may be empty or hold several comma-separated hops).
// Returns the address's key (core/address_key.hpp): IPv4 as itself, IPv6 as
// its /64 ("2001:db8:1:2::/64"), so every limit, block, count and Redis key
// downstream treats one /64 as one client.
std::string resolve_client_ip(const TrustedProxies& proxies, std::string_view socket_ip,
                              std::string_view forwarded_for);

}  // namespace serendip::http
