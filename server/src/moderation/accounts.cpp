// Admin accounts, login and admin-token authentication.
#include <algorithm>

#include "auth/crypto.hpp"
#include "moderation/audited.hpp"
#include "moderation/service.hpp"
#include "moderation/service_internal.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {

using core::ErrorCode;
using namespace detail;

namespace {

constexpr std::size_t kMinPassword = 8;     // bytes
constexpr std::size_t kMaxPassword = 1024;  // bytes: Argon2 would take more, but nobody types that

std::optional<Failure> require_admin(const Actor& actor) {
  if (actor.role != Role::admin) return fail(ErrorCode::forbidden, "admin role required");
  return std::nullopt;
}

std::optional<Failure> check_password(std::string_view password) {
  if (password.size() < kMinPassword) {
    return fail(ErrorCode::bad_request, "password must be at least " + std::to_string(kMinPassword) + " characters");
  }
  if (password.size() > kMaxPassword) return fail(ErrorCode::bad_request, "password is too long");
  return std::nullopt;
}

std::string account_target(std::string_view username) { return "account:" + std::string(username); }

}  // namespace

Outcome<void> ModerationService::create_admin(const Actor& actor, std::string_view username, std::string_view password,
                                              Role role) {
  if (auto f = require_admin(actor)) return *f;
  if (!valid_username(username)) {
    return fail(ErrorCode::bad_request, "username must be 3-32 characters of a-z, 0-9, '_', '.', '-'");
  }
  if (auto f = check_password(password)) return *f;
  auto hash = hash_password(password, options_.password_cost);
  if (!hash) return fail(ErrorCode::internal, "could not hash the password");
  const std::int64_t now = clock_.unix_ms();
  return commit_audited(db_, "account", [&]() -> Outcome<Audited<void>> {
    auto r = db_.admins().add(store::AdminAccount{std::string(username), *hash, role, now, false});
    if (!r) {
      if (r.error().kind == store::ErrorKind::conflict) return fail(ErrorCode::conflict, "account exists");
      return from_store(r.error(), "account");
    }
    return Audited<void>{
        {store::AuditRecord{now, actor.audit_name(), std::string(action::account_create), account_target(username), "",
                            JsonText().add("role", store::to_string(role)).str()}}};
  });
}

Outcome<void> ModerationService::set_password(const Actor& actor, std::string_view username,
                                              std::string_view password) {
  if (auto f = require_admin(actor)) return *f;
  if (auto f = check_password(password)) return *f;
  auto hash = hash_password(password, options_.password_cost);
  if (!hash) return fail(ErrorCode::internal, "could not hash the password");
  const std::int64_t now = clock_.unix_ms();
  return commit_audited(db_, "account", [&]() -> Outcome<Audited<void>> {
    auto r = db_.admins().set_password_hash(username, *hash);
    if (!r) {
      if (r.error().kind == store::ErrorKind::not_found) return fail(ErrorCode::not_found, "no such account");
      return from_store(r.error(), "account");
    }
    // Whoever held a token made with the old password is signed out.
    if (auto revoked = db_.admins().revoke_tokens(username); !revoked) return from_store(revoked.error(), "account");
    // The entry says that the password changed, never what to.
    return Audited<void>{{store::AuditRecord{now, actor.audit_name(), std::string(action::account_password),
                                             account_target(username), "", "{}"}}};
  });
}

Outcome<void> ModerationService::set_disabled(const Actor& actor, std::string_view username, bool disabled) {
  if (auto f = require_admin(actor)) return *f;
  if (disabled && !actor.system && actor.username == username) {
    return fail(ErrorCode::bad_request, "you cannot disable your own account");
  }
  const std::int64_t now = clock_.unix_ms();
  return commit_audited(db_, "account", [&]() -> Outcome<Audited<void>> {
    auto r = db_.admins().set_disabled(username, disabled);
    if (!r) {
      if (r.error().kind == store::ErrorKind::not_found) return fail(ErrorCode::not_found, "no such account");
      return from_store(r.error(), "account");
    }
    // Enabling again must not bring old tokens back to life.
    if (disabled) {
      if (auto revoked = db_.admins().revoke_tokens(username); !revoked) return from_store(revoked.error(), "account");
    }
    return Audited<void>{{store::AuditRecord{now, actor.audit_name(),
                                             std::string(disabled ? action::account_disable : action::account_enable),
                                             account_target(username), "", "{}"}}};
  });
}

Outcome<std::vector<store::AdminAccount>> ModerationService::list_admins(const Actor& actor) {
  if (auto f = require_admin(actor)) return *f;
  auto r = db_.admins().list();
  if (!r) return from_store(r.error(), "accounts");
  return std::move(*r);
}

Outcome<bool> ModerationService::ensure_bootstrap_admin(std::string_view user_colon_password) {
  const auto colon = user_colon_password.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorCode::bad_request, "the bootstrap admin must be given as user:password");
  }
  const std::string_view username = user_colon_password.substr(0, colon);
  const std::string_view password = user_colon_password.substr(colon + 1);
  auto existing = db_.admins().find(username);
  if (!existing) return from_store(existing.error(), "account");
  if (*existing) return false;  // never touch an existing account's password or role
  auto made = create_admin(Actor::system_actor("bootstrap"), username, password, Role::admin);
  if (!made) {
    // Another instance bootstrapped it a moment ago.
    if (made.error().code == ErrorCode::conflict) return false;
    return made.error();
  }
  obs::log(obs::Level::info, "moderation", "bootstrap_admin_created", {{"username", username}});
  return true;
}

Outcome<LoginResult> ModerationService::login(std::string_view username, std::string_view password,
                                              std::string_view ip) {
  const std::int64_t mono = clock_.now_ms();
  // Counted before the hash: a flood of guesses is refused without hashing.
  const LoginAdmission admitted = login_limiter_.admit(username, ip, mono);
  if (admitted.wait_ms > 0) {
    return Failure{ErrorCode::rate_limited,
                   admitted.everyone ? "too many logins right now; try again shortly" : "too many failed logins",
                   admitted.wait_ms};
  }
  if (username.empty() || username.size() > 64 || password.size() > kMaxPassword) {
    return fail(ErrorCode::unauthorized, "invalid username or password");
  }
  auto found = db_.admins().find(username);
  if (!found) return from_store(found.error(), "login");
  const auto& account = *found;
  // Hash even for an unknown user, so the answer's timing does not tell which usernames exist.
  const bool password_ok = verify_password(account ? account->password_hash : dummy_hash_, password);
  if (!account || !password_ok || account->disabled) {
    obs::log(obs::Level::warn, "moderation", "admin_login_failed", {{"username", username}});
    return fail(ErrorCode::unauthorized, "invalid username or password");
  }
  login_limiter_.succeeded(username, ip, mono);

  const std::int64_t now_s = clock_.unix_ms() / 1000;
  auth::Claims claims;
  claims.sub = account->username;
  claims.jti = auth::random_hex(16);
  claims.role = std::string(store::to_string(account->role));
  claims.iat = now_s;
  claims.exp = now_s + options_.admin_token_ttl_s;
  claims.gen = account->token_generation;
  auto a = db_.audit().append(store::AuditRecord{clock_.unix_ms(), "admin:" + account->username,
                                                 std::string(action::admin_login), account_target(account->username),
                                                 "", "{}"});
  if (!a) return from_store(a.error(), "audit");
  return LoginResult{jwt_.sign(claims), options_.admin_token_ttl_s, account->role};
}

Outcome<Actor> ModerationService::authenticate(std::string_view token) {
  if (token.empty()) return fail(ErrorCode::unauthorized, "missing bearer token");
  const auth::JwtResult r = jwt_.verify(token, clock_.unix_ms() / 1000);
  if (!r.claims) {
    return fail(ErrorCode::unauthorized, r.error == auth::JwtError::expired ? "token expired" : "invalid token");
  }
  if (!store::parse_role(r.claims->role)) return fail(ErrorCode::unauthorized, "not an admin token");
  auto found = db_.admins().find(r.claims->sub);
  if (!found) return from_store(found.error(), "authenticate");
  if (!*found || (*found)->disabled) return fail(ErrorCode::unauthorized, "account disabled or removed");
  // Read from the database on every request: a logout, password change or
  // disable on any instance refuses the older tokens at once, everywhere.
  if (r.claims->gen != (*found)->token_generation) return fail(ErrorCode::unauthorized, "token revoked");
  // The role as it is now: a demotion takes effect before the token expires.
  return Actor::admin((*found)->username, (*found)->role);
}

Outcome<void> ModerationService::logout(const Actor& actor) {
  if (actor.system) return fail(ErrorCode::bad_request, "only a signed-in account can sign out");
  const std::int64_t now = clock_.unix_ms();
  return commit_audited(db_, "account", [&]() -> Outcome<Audited<void>> {
    if (auto r = db_.admins().revoke_tokens(actor.username); !r) {
      if (r.error().kind == store::ErrorKind::not_found) return fail(ErrorCode::not_found, "no such account");
      return from_store(r.error(), "account");
    }
    return Audited<void>{{store::AuditRecord{now, actor.audit_name(), std::string(action::admin_logout),
                                             account_target(actor.username), "", "{}"}}};
  });
}

}  // namespace serendip::moderation
