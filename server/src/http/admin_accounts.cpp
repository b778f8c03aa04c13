// Signing in (POST /api/v1/admin/login), who am I, and the admin accounts.
#include <boost/json/array.hpp>

#include "http/admin_handlers.hpp"
#include "http/admin_json.hpp"

namespace serendip::http::admin {
namespace {

namespace json = boost::json;

Response set_disabled(const Call& c, bool disabled) {
  auto r = c.deps.moderation.set_disabled(c.actor(), c.params["username"], disabled);
  if (!r) return failure_response(r.error());
  return no_content();
}

}  // namespace

// {"username","password"}: no token needed; the service limits attempts per address.
Response login(const Call& c) {
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto username = f.text("username", true);
  const auto password = f.text("password", true);
  if (!f.ok()) return bad_request(f.error());
  auto res = c.deps.moderation.login(*username, *password, c.req.client_ip);
  if (!res) return failure_response(res.error());
  return no_store_json(200, json::object{{"token", res->token},
                                         {"expiresIn", res->expires_in_s},
                                         {"role", std::string(store::to_string(res->role))}});
}

Response me(const Call& c) {
  return no_store_json(
      200, json::object{{"username", c.actor().username}, {"role", std::string(store::to_string(c.actor().role))}});
}

// Every token of the caller's account stops working, on every instance.
Response logout(const Call& c) {
  auto r = c.deps.moderation.logout(c.actor());
  if (!r) return failure_response(r.error());
  return no_content();
}

Response list_accounts(const Call& c) {
  auto list = c.deps.moderation.list_admins(c.actor());
  if (!list) return failure_response(list.error());
  json::array items;
  for (const auto& a : *list) items.emplace_back(admin_json::account(a));
  return no_store_json(200, json::object{{"items", std::move(items)}});
}

// {"username","password","role":"moderator"|"admin"}
Response create_account(const Call& c) {
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto username = f.text("username", true);
  const auto password = f.text("password", true);
  const auto role_text = f.text("role", true);
  if (!f.ok()) return bad_request(f.error());
  const auto role = store::parse_role(*role_text);
  if (!role) return bad_request("role must be moderator or admin");
  auto made = c.deps.moderation.create_admin(c.actor(), *username, *password, *role);
  if (!made) return failure_response(made.error());
  return no_store_json(201, json::object{{"username", *username}, {"role", std::string(store::to_string(*role))}});
}

// POST accounts/{username}/password {"password"}
Response set_password(const Call& c) {
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto password = f.text("password", true);
  if (!f.ok()) return bad_request(f.error());
  auto r = c.deps.moderation.set_password(c.actor(), c.params["username"], *password);
  if (!r) return failure_response(r.error());
  return no_content();
}

Response disable_account(const Call& c) { return set_disabled(c, true); }
Response enable_account(const Call& c) { return set_disabled(c, false); }

}  // namespace serendip::http::admin
