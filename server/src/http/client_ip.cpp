#include "http/client_ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "core/address_key.hpp"

namespace serendip::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses an IPv4 or IPv6 literal; IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4.
bool parse_address(std::string_view text, unsigned char out[16], int& family) {
  std::string s(trim(text));
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (inet_pton(AF_INET, s.c_str(), out) == 1) {
    family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out, kMapped, 12) == 0) {
      std::memmove(out, out + 12, 4);
      family = 4;
    } else {
      family = 6;
    }
    return true;
  }
  return false;
}

bool prefix_equal(const unsigned char* a, const unsigned char* b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& cidrs) {
  for (const auto& entry : cidrs) {
    std::string_view e = trim(entry);
    auto slash = e.find('/');
    Range r{};
    if (!parse_address(e.substr(0, slash), r.bytes, r.family)) continue;
    int max_bits = r.family == 4 ? 32 : 128;
    r.prefix = max_bits;
    if (slash != std::string_view::npos) {
      auto bits = e.substr(slash + 1);
      int p = -1;
      auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), p);
      if (ec != std::errc() || ptr != bits.data() + bits.size() || p < 0 || p > max_bits) continue;
      r.prefix = p;
    }
    ranges_.push_back(r);
  }
}

bool TrustedProxies::contains(std::string_view address) const {
  unsigned char bytes[16];
  int family = 0;
  if (!parse_address(address, bytes, family)) return false;
  for (const auto& r : ranges_) {
    if (r.family == family && prefix_equal(bytes, r.bytes, r.prefix)) return true;
  }
  return false;
}

namespace {

std::string resolve_address(const TrustedProxies& proxies, std::string_view socket_ip, std::string_view forwarded_for) {
  if (forwarded_for.empty() || !proxies.contains(socket_ip)) return std::string(socket_ip);
  // Walk X-Forwarded-For from the right: the nearest hop that is not one of
  // our proxies is the client as far as anyone we trust can tell.
  std::string_view rest = forwarded_for;
  std::string last_valid(socket_ip);
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    unsigned char bytes[16];
    int family = 0;
    if (!parse_address(hop, bytes, family)) break;  // garbage: stop at the last good hop
    last_valid = std::string(trim(hop));
    if (!proxies.contains(hop)) return last_valid;
  }
  return last_valid;
}

}  // namespace

std::string resolve_client_ip(const TrustedProxies& proxies, std::string_view socket_ip,
                              std::string_view forwarded_for) {
  std::string address = resolve_address(proxies, socket_ip, forwarded_for);
  // Everything downstream counts and blocks by this string: key it once here.
  auto key = core::address_key(address);
  return key ? std::move(*key) : address;
}

}  // namespace serendip::http
