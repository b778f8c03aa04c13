#include "store/sql_stores.hpp"

namespace serendip::store::detail {
namespace {

// The token generation lives in settings ("admin_token_gen:<username>"), so
// revocation needs no schema change; an account without one is at 0.
constexpr const char* kColumns =
    "username, password_hash, role, created_at, disabled, "
    "(SELECT value FROM settings WHERE settings.name = 'admin_token_gen:' || admins.username)";
constexpr std::string_view kGenerationPrefix = "admin_token_gen:";

AdminAccount account_from_row(const sql::Row& row) {
  AdminAccount a;
  a.username = row.text(0);
  a.password_hash = row.text(1);
  a.role = parse_role(row.text(2)).value_or(Role::moderator);
  a.created_at = row.i64(3);
  a.disabled = row.i64(4) != 0;
  a.token_generation = row.opt_i64(5).value_or(0);
  return a;
}

}  // namespace

Result<void> SqlAdminStore::add(const AdminAccount& a) {
  return ex_.read([&](sql::Connection& c) -> Result<void> {
    auto r = c.query(
        "INSERT INTO admins (username, password_hash, role, created_at, disabled) VALUES (?, ?, ?, ?, ?)",
        {a.username, a.password_hash, std::string(to_string(a.role)), a.created_at, std::int64_t{a.disabled ? 1 : 0}});
    if (!r) {
      if (r.error().kind == ErrorKind::conflict) return Error{ErrorKind::conflict, "account exists"};
      return r.error();
    }
    return {};
  });
}

Result<std::optional<AdminAccount>> SqlAdminStore::find(std::string_view username) {
  return ex_.read([&](sql::Connection& c) -> Result<std::optional<AdminAccount>> {
    auto r = c.query(std::string("SELECT ") + kColumns + " FROM admins WHERE username = ?", {std::string(username)});
    if (!r) return r.error();
    if (r->rows.empty()) return std::optional<AdminAccount>{};
    return std::optional<AdminAccount>(account_from_row(r->rows.front()));
  });
}

Result<std::vector<AdminAccount>> SqlAdminStore::list() {
  return ex_.read([&](sql::Connection& c) -> Result<std::vector<AdminAccount>> {
    auto r = c.query(std::string("SELECT ") + kColumns + " FROM admins ORDER BY username");
    if (!r) return r.error();
    std::vector<AdminAccount> out;
    for (const auto& row : r->rows) out.push_back(account_from_row(row));
    return out;
  });
}

Result<void> SqlAdminStore::set_password_hash(std::string_view username, std::string_view hash) {
  return ex_.read([&](sql::Connection& c) -> Result<void> {
    auto r =
        c.query("UPDATE admins SET password_hash = ? WHERE username = ?", {std::string(hash), std::string(username)});
    if (!r) return r.error();
    if (r->affected == 0) return Error{ErrorKind::not_found, "no such account"};
    return {};
  });
}

Result<void> SqlAdminStore::set_disabled(std::string_view username, bool disabled) {
  return ex_.read([&](sql::Connection& c) -> Result<void> {
    auto r = c.query("UPDATE admins SET disabled = ? WHERE username = ?",
                     {std::int64_t{disabled ? 1 : 0}, std::string(username)});
    if (!r) return r.error();
    if (r->affected == 0) return Error{ErrorKind::not_found, "no such account"};
    return {};
  });
}

Result<void> SqlAdminStore::revoke_tokens(std::string_view username) {
  return ex_.atomic([&](sql::Connection& c) -> Result<void> {
    auto found = c.query("SELECT 1 FROM admins WHERE username = ?", {std::string(username)});
    if (!found) return found.error();
    if (found->rows.empty()) return Error{ErrorKind::not_found, "no such account"};
    auto r = c.query(
        "INSERT INTO settings (name, value) VALUES (?, '1') ON CONFLICT (name) DO UPDATE SET value = "
        "CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
        {std::string(kGenerationPrefix) + std::string(username)});
    if (!r) return r.error();
    return {};
  });
}

}  // namespace serendip::store::detail
