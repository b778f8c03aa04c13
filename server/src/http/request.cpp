#include "http/request.hpp"

#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace serendip::http {

namespace json = boost::json;

std::string_view bearer_token(const Request& req) {
  std::string_view h = req.header("authorization");
  if (h.size() < 7 || !iequals(h.substr(0, 7), "bearer ")) return {};
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return h;
}

std::optional<Query> parse_query(std::string_view query) {
  Query out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::variant<json::object, Response> json_object_body(const Request& req, std::size_t max_bytes,
                                                      std::string_view malformed_message, bool allow_empty) {
  if (req.body.size() > max_bytes) return error_response(core::ErrorCode::too_large, "request body too large");
  if (allow_empty && req.body.empty()) return json::object{};
  json::parse_options opts;
  opts.max_depth = 8;
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(req.body.data(), req.body.size()), ec, {}, opts);
  if (ec || !v.is_object()) return error_response(core::ErrorCode::bad_request, malformed_message);
  return std::move(v.as_object());
}

Response no_store(Response res) {
  res.set("cache-control", "no-store");
  return res;
}

Response no_store_json(int status, const json::object& body) {
  return no_store(json_response(status, json::serialize(body)));
}

Response unauthorized(std::string_view message) {
  Response res = error_response(core::ErrorCode::unauthorized, message);
  res.set("www-authenticate", "Bearer");
  return res;
}

Response method_not_allowed(std::string_view allow) {
  Response res = error_response(core::ErrorCode::method_not_allowed, "method not allowed");
  res.set("allow", allow);
  return res;
}

std::int64_t retry_after_seconds(std::int64_t retry_after_ms) {
  return retry_after_ms <= 1000 ? 1 : (retry_after_ms + 999) / 1000;
}

Response rate_limited(std::string_view message, std::int64_t retry_after_ms) {
  Response res = error_response(core::ErrorCode::rate_limited, message, {{"retryAfterMs", retry_after_ms}});
  res.set("retry-after", std::to_string(retry_after_seconds(retry_after_ms)));
  return res;
}

}  // namespace serendip::http
