#include "geo/regions.hpp"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

namespace serendip::geo {
namespace {

bool in_v4(std::uint32_t a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == net;
}

bool locatable_v4(const unsigned char b[4]) {
  const std::uint32_t a = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  return !(in_v4(a, 0x00000000, 8) ||   // "this network"
           in_v4(a, 0x0A000000, 8) ||   // 10/8 private
           in_v4(a, 0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
           in_v4(a, 0x7F000000, 8) ||   // loopback
           in_v4(a, 0xA9FE0000, 16) ||  // link-local
           in_v4(a, 0xAC100000, 12) ||  // 172.16/12 private
           in_v4(a, 0xC0A80000, 16) ||  // 192.168/16 private
           in_v4(a, 0xE0000000, 4) ||   // multicast
           in_v4(a, 0xF0000000, 4));    // reserved, broadcast
}

}  // namespace

bool locatable_address(std::string_view ip) {
  std::string text(ip);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  unsigned char b[16];
  if (inet_pton(AF_INET, text.c_str(), b) == 1) return locatable_v4(b);
  if (inet_pton(AF_INET6, text.c_str(), b) != 1) return false;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return locatable_v4(b + 12);
  static constexpr unsigned char kZero[15] = {};
  if (std::memcmp(b, kZero, 15) == 0) return false;         // :: and ::1
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xff) return false;                           // multicast
  return true;
}

std::string Regions::region_of_address(std::string_view ip) const {
  // Client addresses arrive as their key (core/address_key.hpp): an IPv6
  // client as its /64, looked up by the /64's first address (one network).
  if (ip.ends_with("/64")) ip.remove_suffix(3);
  if (!countries_ || !locatable_address(ip)) return {};
  const std::optional<std::string> country = countries_->country(ip);
  if (!country) return {};
  return std::string(map_.for_country(*country));
}

}  // namespace serendip::geo
