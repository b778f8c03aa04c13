#include "http/admin_call.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <boost/json/value.hpp>

#include "moderation/validation.hpp"

namespace serendip::http::admin {
namespace {

namespace json = boost::json;
using core::ErrorCode;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
constexpr std::size_t kMaxFilterText = 200;  // bytes, per query parameter

}  // namespace

const moderation::Actor& Call::actor() const {
  if (caller == nullptr) throw std::logic_error("admin route without an account reads the caller");
  return *caller;
}

std::variant<json::object, Response> Call::body(bool allow_empty) const {
  return json_object_body(req, deps.max_body_bytes, "body must be a JSON object", allow_empty);
}

std::optional<std::int64_t> id_param(const Call& c, std::string_view name) {
  auto id = parse_int(c.params[name]);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

Response bad_request(std::string_view message) { return error_response(ErrorCode::bad_request, message); }

Response no_content() {
  Response res;
  res.status = 204;
  return no_store(std::move(res));
}

Response failure_response(const moderation::Failure& f) {
  if (f.code == ErrorCode::rate_limited) return rate_limited(f.message, f.retry_after_ms);
  if (f.code == ErrorCode::unauthorized) return unauthorized(f.message);
  return error_response(f.code, f.message);
}

// ---------------------------------------------------------------- Fields

std::optional<std::string> Fields::text(std::string_view key, bool required) {
  const json::value* v = o_.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) fail(std::string(key) + " is required");
    return std::nullopt;
  }
  if (!v->is_string()) return fail(std::string(key) + " must be a string"), std::nullopt;
  return std::string(v->as_string());
}

std::optional<bool> Fields::boolean(std::string_view key) {
  const json::value* v = o_.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) return fail(std::string(key) + " must be true or false"), std::nullopt;
  return v->as_bool();
}

std::optional<std::int64_t> Fields::integer(std::string_view key) {
  const json::value* v = o_.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  fail(std::string(key) + " must be an integer");
  return std::nullopt;
}

std::optional<std::vector<std::string>> Fields::strings(std::string_view key) {
  const json::value* v = o_.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_array()) return fail(std::string(key) + " must be an array of strings"), std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return fail(std::string(key) + " must be an array of strings"), std::nullopt;
    out.emplace_back(item.as_string());
  }
  return out;
}

std::optional<std::optional<std::int64_t>> Fields::duration() {
  const auto permanent = boolean("permanent");
  const auto seconds = integer("durationS");
  if (!ok()) return std::nullopt;
  if (permanent.value_or(false)) {
    if (seconds) return fail("give durationS or permanent, not both"), std::nullopt;
    return std::optional<std::optional<std::int64_t>>(std::optional<std::int64_t>{});
  }
  if (!seconds) return fail("durationS (seconds) or \"permanent\": true is required"), std::nullopt;
  return std::optional<std::optional<std::int64_t>>(seconds);
}

void Fields::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

// ---------------------------------------------------------------- Params

std::optional<std::string> Params::text(std::string_view name) {
  for (const auto& [k, v] : q_) {
    if (k != name) continue;
    if (v.empty()) return std::nullopt;
    if (v.size() > kMaxFilterText) return fail(std::string(name) + " is too long"), std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::optional<std::int64_t> Params::integer(std::string_view name) {
  auto v = text(name);
  if (!v) return std::nullopt;
  auto n = parse_int(*v);
  if (!n) fail(std::string(name) + " must be an integer");
  return n;
}

std::optional<bool> Params::boolean(std::string_view name) {
  auto v = text(name);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  return fail(std::string(name) + " must be true or false"), std::nullopt;
}

std::optional<std::string> Params::ip(std::string_view name) {
  auto v = text(name);
  if (!v) return std::nullopt;
  auto c = moderation::canonical_ip(*v);
  if (!c) fail(std::string(name) + " must be an IPv4 or IPv6 address");
  return c;
}

std::optional<std::string> Params::device(std::string_view name) {
  auto v = text(name);
  if (v && !moderation::valid_device_key(*v)) return fail(std::string(name) + " must be a device key"), std::nullopt;
  return v;
}

store::PageRequest Params::page() {
  store::PageRequest p;
  // Checked as read, before narrowing to int: 4294967346 must not become 50.
  const std::int64_t limit = integer("limit").value_or(kDefaultLimit);
  if (limit < 1 || limit > kMaxLimit) {
    fail("limit must be between 1 and " + std::to_string(kMaxLimit));
  } else {
    p.limit = static_cast<int>(limit);
  }
  p.cursor = text("cursor").value_or("");
  return p;
}

void Params::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

}  // namespace serendip::http::admin
