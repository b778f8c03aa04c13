// Framework-free HTTP request and response. net/ converts Beast messages to
// and from these, so every handler is a plain function with its own tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_code.hpp"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serendip::http {

// %XX decoding of a URL path or query component; `plus_is_space` for
// application/x-www-form-urlencoded query strings. nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

// ASCII case-insensitive equality, for header names, auth schemes and origins.
bool iequals(std::string_view a, std::string_view b);

struct Header {
  std::string name;  // lower-case
  std::string value;
};

struct Request {
  std::string method;  // upper-case: GET, HEAD, POST, ...
  std::string path;    // percent-encoded path as received, without the query
  std::string query;   // after '?', without it; empty if none
  std::vector<Header> headers;
  std::string body;
  std::string client_ip;  // already resolved (trusted proxies applied by net/)
  bool tls = false;
  bool internal = false;  // arrived on the metrics listener (metrics-listen), not the public one

  // First header with that (lower-case) name, or empty.
  std::string_view header(std::string_view lower_name) const;
};

// Header names are stored lower-case. For HEAD the router leaves `body` empty
// and sets "content-length" to the size the GET body would have: net/ must
// send that header as is instead of computing it from `body`.
struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  void set(std::string_view name, std::string_view value);  // replaces a header of that name
  std::string_view header(std::string_view lower_name) const;
};

// {"error": {"code": "...", "message": "..."}} with the code's HTTP status;
// `extra`'s members join the error object, for the codes that carry more
// (e.g. retryAfterMs). Every body is built and escaped by Boost.JSON.
Response error_response(core::ErrorCode code, std::string_view message);
Response error_response(core::ErrorCode code, std::string_view message, const boost::json::object& extra);
Response json_response(int status, std::string body);

// Headers every response carries (the router adds them itself; net/ calls this
// for the responses it makes on its own, e.g. a refused WebSocket upgrade):
// nosniff, no-referrer, Permissions-Policy, X-Frame-Options, HSTS when `tls`,
// and the Content-Security-Policy when the content type is HTML or SVG.
void add_security_headers(Response& res, bool tls);

}  // namespace serendip::http
