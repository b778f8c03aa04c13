#include "redis/info.hpp"

#include <charconv>

namespace serendip::redis {

MemoryInfo parse_memory_info(std::string_view info) {
  MemoryInfo out;
  auto number = [](std::string_view v, std::int64_t& into) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc() && p == v.data() + v.size() && n >= 0) into = n;
  };
  while (!info.empty()) {
    const auto eol = info.find('\n');
    std::string_view line = info.substr(0, eol);
    info.remove_prefix(eol == std::string_view::npos ? info.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto colon = line.find(':');
    if (line.empty() || line.front() == '#' || colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);
    if (key == "maxmemory") {
      number(value, out.maxmemory);
    } else if (key == "maxmemory_policy") {
      out.maxmemory_policy = std::string(value.substr(0, 64));
    } else if (key == "evicted_keys") {
      number(value, out.evicted_keys);
    }
  }
  return out;
}

}  // namespace serendip::redis
