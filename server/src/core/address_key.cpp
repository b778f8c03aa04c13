#include "core/address_key.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace serendip::core {

std::optional<std::string> address_key(std::string_view address) {
  // The longest IPv6 literal with a mapped IPv4 tail is 45 characters; "/64" and brackets add 5.
  if (address.empty() || address.size() > 64) return std::nullopt;
  // inet_pton reads a C string: whatever follows a NUL would be ignored, and
  // "192.0.2.7\0junk" is no address literal.
  if (address.find('\0') != std::string_view::npos) return std::nullopt;
  std::string text(address);
  std::string prefix;
  if (const auto slash = text.find('/'); slash != std::string::npos) {
    prefix = text.substr(slash + 1);
    text.resize(slash);
  }
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);

  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    if (!prefix.empty() && prefix != "32") return std::nullopt;
    inet_ntop(AF_INET, &v4, out, sizeof out);
    return std::string(out);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::nullopt;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kMapped, sizeof kMapped) == 0) {
    if (!prefix.empty() && prefix != "128" && prefix != "32") return std::nullopt;
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    inet_ntop(AF_INET, &v4, out, sizeof out);
    return std::string(out);
  }
  // Only the /64 a key names (or a full address) is accepted: a wider prefix
  // would block or count more than one subscriber under one key.
  if (!prefix.empty() && prefix != "64" && prefix != "128") return std::nullopt;
  std::memset(v6.s6_addr + 8, 0, 8);
  inet_ntop(AF_INET6, &v6, out, sizeof out);
  return std::string(out) + "/64";
}

}  // namespace serendip::core
