// What the REST handlers (router.cpp and the admin API) share: reading a
// request (bearer token, query string, JSON body) and the answers they all give
// the same way (no-store JSON, 401 with WWW-Authenticate, 405 with Allow).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "http/types.hpp"

namespace serendip::http {

// The token of "Authorization: Bearer <token>" (scheme case-insensitive,
// spaces around the token dropped); empty when there is none.
std::string_view bearer_token(const Request& req);

// A query string's name/value pairs, decoded as x-www-form-urlencoded, in
// order, repeats kept, empty parts ("a=1&&b=2") skipped.
using Query = std::vector<std::pair<std::string, std::string>>;
// nullopt when a name or value holds a malformed %-escape.
std::optional<Query> parse_query(std::string_view query);

// A decimal integer spelling all of `s` (leading '-' allowed, nothing else
// before or after); nullopt otherwise or when out of range.
std::optional<std::int64_t> parse_int(std::string_view s);

// The body as a JSON object (nested at most 8 deep), or the answer refusing it:
// 413 too_large above `max_bytes`, else 400 bad_request with `malformed_message`.
// With `allow_empty` an empty body reads as {}.
std::variant<boost::json::object, Response> json_object_body(const Request& req, std::size_t max_bytes,
                                                             std::string_view malformed_message,
                                                             bool allow_empty = false);

// Adds "Cache-Control: no-store": for every answer that carries tokens or
// moderation data.
Response no_store(Response res);
// `body` serialized, with that status, Content-Type JSON and no-store.
Response no_store_json(int status, const boost::json::object& body);
// 401 unauthorized with "WWW-Authenticate: Bearer".
Response unauthorized(std::string_view message);
// 405 method_not_allowed with "Allow: <allow>".
Response method_not_allowed(std::string_view allow);
// 429 rate_limited with "retryAfterMs" in the error and a Retry-After header
// (whole seconds, rounded up, at least 1): every refused rate limit over HTTP.
Response rate_limited(std::string_view message, std::int64_t retry_after_ms);
// Retry-After's value for a wait in milliseconds.
std::int64_t retry_after_seconds(std::int64_t retry_after_ms);

}  // namespace serendip::http
