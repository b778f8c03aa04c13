// Internal to the admin API: what a handler works with. The Call it gets (the
// route table has already checked path, method, token and role), the readers
// of typed JSON members and query parameters, and the answers for moderation
// results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "http/admin_api.hpp"
#include "http/request.hpp"
#include "http/route_table.hpp"
#include "moderation/service.hpp"
#include "store/model.hpp"

namespace serendip::http::admin {

struct Call {
  const AdminApiDeps& deps;
  const Request& req;
  const PathParams& params;         // what the route's pattern captured
  const Query& query;               // empty on public routes: their query string is not read
  const moderation::Actor* caller;  // the signed-in account; null on public routes

  // The caller; throws std::logic_error on a public route (a mistake in the table).
  const moderation::Actor& actor() const;
  std::int64_t now() const { return deps.clock.unix_ms(); }  // unix milliseconds
  // The body as a JSON object, or the 413/400 refusing it.
  std::variant<boost::json::object, Response> body(bool allow_empty = false) const;
};

// The positive integer id in path parameter `name`; nullopt otherwise (the
// handler answers its own 404: "no such report").
std::optional<std::int64_t> id_param(const Call& c, std::string_view name);

Response bad_request(std::string_view message);
Response no_content();  // 204, no-store
// The Failure's code and message; 429 adds retryAfterMs and Retry-After (whole
// seconds, rounded up), 401 adds WWW-Authenticate.
Response failure_response(const moderation::Failure& f);

// Reads typed members of a JSON body; the first problem wins.
class Fields {
 public:
  explicit Fields(const boost::json::object& o) : o_(o) {}

  std::optional<std::string> text(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key);
  std::optional<std::vector<std::string>> strings(std::string_view key);
  // durationS (seconds) or "permanent": true; nullopt inside = permanent.
  std::optional<std::optional<std::int64_t>> duration();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void fail(std::string message);

  const boost::json::object& o_;  // Passed by argument.
  std::string error_;
};

// Reads validated query parameters; the first problem wins. An empty value
// counts as absent.
class Params {
 public:
  explicit Params(const Query& q) : q_(q) {}

  std::optional<std::string> text(std::string_view name);  // at most 200 bytes
  std::optional<std::int64_t> integer(std::string_view name);
  std::optional<bool> boolean(std::string_view name);        // "true" | "false"
  std::optional<std::string> ip(std::string_view name);      // canonical form
  std::optional<std::string> device(std::string_view name);  // a device key
  store::PageRequest page();                                 // ?limit= (1..200, default 50) and ?cursor=

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void fail(std::string message);

  const Query& q_;  // Passed by argument.
  std::string error_;
};

}  // namespace serendip::http::admin
