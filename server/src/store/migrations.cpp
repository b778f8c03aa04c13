#include "store/migrations.hpp"

#include <string>

namespace serendip::store {
namespace {

// Arbitrary constant naming the migration lock among PostgreSQL advisory locks.
constexpr std::int64_t kMigrationLockKey = 0x5e4e0d1901;

Result<int> current_version(sql::Connection& conn) {
  auto r = conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!r) return r.error();
  return static_cast<int>(r->rows.at(0).i64(0));
}

Result<int> apply_pending(sql::Connection& conn) {
  auto applied = current_version(conn);
  if (!applied) return applied.error();
  int version = *applied;
  for (const Migration& m : embedded_migrations(conn.dialect())) {
    if (m.version <= version) continue;
    const bool sqlite = conn.dialect() == sql::Dialect::sqlite;
    if (auto r = conn.exec(sqlite ? "BEGIN IMMEDIATE" : "BEGIN"); !r) return r.error();
    // Re-read inside the transaction: another process may have just applied it.
    auto now = current_version(conn);
    if (!now) {
      (void)conn.exec("ROLLBACK");
      return now.error();
    }
    if (*now >= m.version) {
      (void)conn.exec("ROLLBACK");
      version = *now;
      continue;
    }
    auto step = conn.exec(m.sql);
    if (step) {
      auto rec = conn.query("INSERT INTO schema_version (version, name) VALUES (?, ?)",
                            {std::int64_t{m.version}, std::string(m.name)});
      if (!rec) step = rec.error();
    }
    if (step) step = conn.exec("COMMIT");
    if (!step) {
      (void)conn.exec("ROLLBACK");
      return Error{step.error().kind, "migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                                          "): " + step.error().message};
    }
    version = m.version;
  }
  return version;
}

}  // namespace

Result<int> migrate(sql::Connection& conn) {
  constexpr std::string_view kCreate =
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL)";
  if (conn.dialect() == sql::Dialect::sqlite) {
    if (auto r = conn.exec(kCreate); !r) return r.error();
    return apply_pending(conn);
  }
  // Several instances may start at once against one PostgreSQL; even
  // CREATE TABLE IF NOT EXISTS races there, so the lock comes first.
  if (auto r = conn.query("SELECT pg_advisory_lock(?)", {kMigrationLockKey}); !r) return r.error();
  Result<int> result = Error{ErrorKind::internal, "not run"};
  if (auto r = conn.exec(kCreate); !r) {
    result = r.error();
  } else {
    result = apply_pending(conn);
  }
  (void)conn.query("SELECT pg_advisory_unlock(?)", {kMigrationLockKey});
  return result;
}

}  // namespace serendip::store
