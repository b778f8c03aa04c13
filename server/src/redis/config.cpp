#include "redis/config.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

namespace serendip::redis {
namespace {

bool parse_port(std::string_view s, std::uint16_t& out) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Passwords may hold reserved characters, percent-encoded.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

}  // namespace

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint ep;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    ep.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) return std::nullopt;  // bare IPv6
    ep.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (ep.host.empty()) return std::nullopt;
  if (!rest.empty() && !parse_port(rest.substr(1), ep.port)) return std::nullopt;
  return ep;
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::standalone: return "standalone";
    case Mode::cluster: return "cluster";
    case Mode::automatic: return "auto";
  }
  return "unknown";
}

bool parse_url(std::string_view url, Config& out, std::string& error) {
  Config cfg = out;
  cfg.seeds.clear();
  cfg.user.clear();
  cfg.password.clear();
  cfg.db = 0;
  std::string_view rest;
  struct Scheme {
    std::string_view prefix;
    Mode mode;
    bool tls;
  };
  static constexpr Scheme kSchemes[] = {{"redis://", Mode::automatic, false},
                                        {"redis+cluster://", Mode::cluster, false},
                                        {"rediss://", Mode::automatic, true},
                                        {"rediss+cluster://", Mode::cluster, true}};
  const auto* scheme = std::find_if(std::begin(kSchemes), std::end(kSchemes),
                                    [&](const Scheme& sc) { return url.starts_with(sc.prefix); });
  if (scheme == std::end(kSchemes)) {
    error = "Redis URL must start with redis://, redis+cluster://, rediss:// or rediss+cluster://";
    return false;
  }
  cfg.mode = scheme->mode;
  rest = url.substr(scheme->prefix.size());
  cfg.tls.reset();
  if (scheme->tls) cfg.tls = Tls{};

  // Query strings and fragments have no meaning here: refuse rather than ignore.
  if (rest.find_first_of("?#") != std::string_view::npos) {
    error = "Redis URL: query strings are not supported";
    return false;
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    std::string_view user = colon == std::string_view::npos ? std::string_view() : userinfo.substr(0, colon);
    std::string_view pass = colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    if (!percent_decode(user, cfg.user) || !percent_decode(pass, cfg.password)) {
      error = "Redis URL: bad percent-encoding in the credentials";
      return false;
    }
  }
  if (rest.empty()) {
    error = "Redis URL: no host";
    return false;
  }
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    auto ep = parse_endpoint(item);
    if (!ep) {
      error = "Redis URL: bad host:port '" + std::string(item) + "'";
      return false;
    }
    cfg.seeds.push_back(std::move(*ep));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
    if (rest.empty()) {
      error = "Redis URL: trailing comma in the host list";
      return false;
    }
  }
  if (!path.empty()) {
    int db = 0;
    auto [p, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc() || p != path.data() + path.size() || db < 0) {
      error = "Redis URL: database must be a number, got '" + std::string(path) + "'";
      return false;
    }
    if (db != 0 && cfg.mode == Mode::cluster) {
      error = "Redis URL: a cluster has only database 0";
      return false;
    }
    cfg.db = db;
  }
  out = std::move(cfg);
  return true;
}

}  // namespace serendip::redis
