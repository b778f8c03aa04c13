// The route table of the moderation REST API and the one place that applies
// it: path and method (404 by leaving it to the router, 405 here), then who
// is calling (401), then their role (403), then the handler.
#include "http/admin_api.hpp"

#include <memory>

#include <boost/json/object.hpp>

#include "core/time_format.hpp"
#include "http/admin_handlers.hpp"
#include "http/route_table.hpp"
#include "moderation/validation.hpp"

namespace serendip::http {
namespace {

using core::ErrorCode;

// Who may call a route.
enum class Access : std::uint8_t {
  anyone,     // no account: the public routes and login (their query string is not read)
  moderator,  // any signed-in account, moderator or admin
  admin,      // signed in with the admin role
};

struct Route {
  Method method;
  std::string_view pattern;
  Access access;
  admin::Handler handler;
};

// The first pattern that fits a path decides its resource, so literal
// segments come before parameters ("blocks/bulk" before "blocks/{id}").
constexpr Route kRoutes[] = {
    {Method::post, "/api/v1/appeals", Access::anyone, admin::post_appeal},
    {Method::post, "/api/v1/reports", Access::anyone, admin::post_report},
    {Method::post, "/api/v1/admin/login", Access::anyone, admin::login},
    {Method::get, "/api/v1/admin/me", Access::moderator, admin::me},
    {Method::post, "/api/v1/admin/logout", Access::moderator, admin::logout},

    {Method::get, "/api/v1/admin/reports", Access::moderator, admin::list_reports},
    {Method::get, "/api/v1/admin/reports/{id}", Access::moderator, admin::report_detail},
    {Method::post, "/api/v1/admin/reports/{id}/decision", Access::moderator, admin::decide_report},

    {Method::get, "/api/v1/admin/blocks", Access::moderator, admin::list_blocks},
    {Method::post, "/api/v1/admin/blocks", Access::moderator, admin::create_block},
    {Method::post, "/api/v1/admin/blocks/bulk", Access::moderator, admin::bulk_blocks},
    {Method::del, "/api/v1/admin/blocks/{id}", Access::moderator, admin::lift_block},

    {Method::get, "/api/v1/admin/appeals", Access::moderator, admin::list_appeals},
    {Method::post, "/api/v1/admin/appeals/{id}/decision", Access::moderator, admin::decide_appeal},

    {Method::get, "/api/v1/admin/reputation", Access::moderator, admin::reputation},
    {Method::get, "/api/v1/admin/stats", Access::moderator, admin::stats},
    {Method::get, "/api/v1/admin/watchlist", Access::moderator, admin::watchlist},
    {Method::get, "/api/v1/admin/analytics/match-wait", Access::moderator, admin::match_wait},
    {Method::get, "/api/v1/admin/audit", Access::moderator, admin::audit},
    {Method::get, "/api/v1/admin/audit/verify", Access::moderator, admin::audit_verify},

    {Method::get, "/api/v1/admin/accounts", Access::admin, admin::list_accounts},
    {Method::post, "/api/v1/admin/accounts", Access::admin, admin::create_account},
    {Method::post, "/api/v1/admin/accounts/{username}/password", Access::admin, admin::set_password},
    {Method::post, "/api/v1/admin/accounts/{username}/disable", Access::admin, admin::disable_account},
    {Method::post, "/api/v1/admin/accounts/{username}/enable", Access::admin, admin::enable_account},
};

constexpr std::string_view kAdminPrefix = "/api/v1/admin";

// Paths under /api/v1/admin are read leniently: percent-decoded, empty segments
// ignored ("/api/v1/admin//reports/" is the list). The public paths outside it
// must be spelled exactly as in the table.
std::optional<Segments> segments_of(std::string_view path) {
  if (path == kAdminPrefix || (path.starts_with(kAdminPrefix) && path[kAdminPrefix.size()] == '/')) {
    return decoded_segments(path);
  }
  return literal_segments(path);
}

class AdminApi {
 public:
  explicit AdminApi(AdminApiDeps deps) : d_(std::move(deps)) {}

  std::optional<Response> handle(const Request& req) const {
    // OPTIONS: the router answers the CORS preflight for routes it does not know.
    if (req.method == "OPTIONS") return std::nullopt;
    const auto segments = segments_of(req.path);
    if (!segments) return admin::bad_request("malformed path");
    const auto match = find_route<Route>(kRoutes, req.method, *segments);
    if (match.route == nullptr) {
      if (match.allow.empty()) return std::nullopt;  // not ours: the router answers 404
      return method_not_allowed(match.allow);
    }
    const Route& route = *match.route;
    if (route.access == Access::anyone) {
      const Query none;
      return route.handler(admin::Call{d_, req, match.params, none, nullptr});
    }
    // Who before what: 401, then 403, then the request itself.
    const auto actor = d_.moderation.authenticate(bearer_token(req));
    if (!actor) return admin::failure_response(actor.error());
    if (route.access == Access::admin && actor->role != store::Role::admin) {
      return error_response(ErrorCode::forbidden, "admin role required");
    }
    const auto query = parse_query(req.query);
    if (!query) return admin::bad_request("malformed query string");
    return route.handler(admin::Call{d_, req, match.params, *query, &*actor});
  }

 private:
  AdminApiDeps d_;
};

}  // namespace

ApiHandler make_admin_api(AdminApiDeps deps) {
  auto api = std::make_shared<const AdminApi>(std::move(deps));
  return [api](const Request& req) { return api->handle(req); };
}

ImmediateCheck make_ban_check(moderation::ModerationService& moderation) {
  return [&moderation](const Request& req, std::string_view device_key) -> std::optional<Response> {
    auto info = moderation.active_block(req.client_ip, device_key);
    if (!info) return std::nullopt;
    return banned_response(*info);
  };
}

Response banned_response(const moderation::BlockInfo& info) {
  if (info.unavailable) {
    Response res = error_response(ErrorCode::unavailable, "the ban check is unavailable; try again shortly",
                                  boost::json::object{{"retryAfterMs", 5000}});
    res.set("retry-after", "5");
    return res;
  }
  boost::json::object extra;
  if (info.until) {
    extra["until"] = core::rfc3339(*info.until);
  } else {
    extra["until"] = nullptr;
  }
  extra["reason"] = info.reason;
  extra["appealable"] = true;  // every block can be appealed
  return error_response(ErrorCode::banned, "this device or network is blocked", extra);
}

}  // namespace serendip::http
