#include "http/types.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace serendip::http {
namespace {

std::string_view find(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

// connect-src 'self' covers the own origin's ws:/wss: (CSP Level 3, every current
// browser): the app signals only to its own /ws, so no other WebSocket host is
// allowed (an injected script could not talk to one).
constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  auto hex_value = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string_view Request::header(std::string_view lower_name) const { return find(headers, lower_name); }

std::string_view Response::header(std::string_view lower_name) const { return find(headers, lower_name); }

void Response::set(std::string_view name, std::string_view value) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  bool replaced = false;
  for (auto it = headers.begin(); it != headers.end();) {
    if (it->name != lower) {
      ++it;
    } else if (!replaced) {
      it->value = std::string(value);
      replaced = true;
      ++it;
    } else {
      it = headers.erase(it);
    }
  }
  if (!replaced) headers.push_back(Header{std::move(lower), std::string(value)});
}

Response error_response(core::ErrorCode code, std::string_view message) {
  return error_response(code, message, boost::json::object{});
}

Response error_response(core::ErrorCode code, std::string_view message, const boost::json::object& extra) {
  boost::json::object error;
  error["code"] = core::wire_name(code);
  error["message"] = message;
  for (const auto& member : extra) error[member.key()] = member.value();
  boost::json::object outer;
  outer["error"] = std::move(error);
  Response res = json_response(core::http_status(code), boost::json::serialize(outer));
  res.set("cache-control", "no-store");
  return res;
}

Response json_response(int status, std::string body) {
  Response res;
  res.status = status;
  res.body = std::move(body);
  res.set("content-type", "application/json");
  return res;
}

void add_security_headers(Response& res, bool tls) {
  res.set("x-content-type-options", "nosniff");
  res.set("referrer-policy", "no-referrer");
  res.set("permissions-policy", "camera=(self), microphone=(self), geolocation=()");
  res.set("x-frame-options", "DENY");
  if (tls) res.set("strict-transport-security", "max-age=31536000");
  const std::string_view type = res.header("content-type");
  if (type.substr(0, 9) == "text/html" || type.substr(0, 13) == "image/svg+xml") {
    res.set("content-security-policy", kCsp);
  }
}

}  // namespace serendip::http
