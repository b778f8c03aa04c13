// SQLite adapter for sql::Connection.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "store/sql.hpp"

namespace serendip::store::sql {
namespace {

constexpr int kBusyTimeoutMs = 5'000;  // milliseconds another process may hold the write lock
constexpr std::size_t kMaxCachedStatements = 64;

Error error_of(sqlite3* db, int rc, std::string_view what) {
  const int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return Error{ErrorKind::conflict, std::move(msg)};
    default: break;
  }
  if ((ext & 0xff) == SQLITE_CONSTRAINT) return Error{ErrorKind::invalid, std::move(msg)};
  return Error{ErrorKind::unavailable, std::move(msg)};
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  SqliteConnection(const SqliteConnection&) = delete;  // one owner of db_ and the statements
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  Result<QueryResult> query(std::string_view sql, const std::vector<Param>& params) override {
    auto prepared = prepare(sql);
    if (!prepared) return prepared.error();
    sqlite3_stmt* st = *prepared;
    // Reset on every way out so the cached statement releases its read snapshot.
    struct Reset {  // NOLINT(cppcoreguidelines-special-member-functions): a scope guard, never copied
      sqlite3_stmt* st;
      ~Reset() {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
      }
    } reset{st};

    const int expected = sqlite3_bind_parameter_count(st);
    if (expected != static_cast<int>(params.size())) {
      return Error{ErrorKind::internal, "parameter count mismatch for: " + std::string(sql)};
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* v = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(st, idx, *v);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text64(st, idx, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(st, idx);
      }
      if (rc != SQLITE_OK) return error_of(db_, rc, "bind");
    }

    QueryResult out;
    const int cols = sqlite3_column_count(st);
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return error_of(db_, rc, "step");
      Row row;
      row.values.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        if (sqlite3_column_type(st, c) == SQLITE_NULL) {
          row.values.emplace_back(std::nullopt);
        } else {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
          const int n = sqlite3_column_bytes(st, c);
          row.values.emplace_back(std::string(p != nullptr ? p : "", static_cast<std::size_t>(n)));
        }
      }
      out.rows.push_back(std::move(row));
    }
    out.affected = sqlite3_changes(db_);
    return out;
  }

  Result<void> exec(std::string_view sql) override {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
    if (err != nullptr) sqlite3_free(err);
    if (rc != SQLITE_OK) return error_of(db_, rc, "exec");
    return {};
  }

 private:
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) return error_of(db_, rc, "prepare");
    if (cache_.size() >= kMaxCachedStatements) {
      // Filter combinations make a bounded but open set of statements; start over rather than track use.
      for (auto& [s, old] : cache_) sqlite3_finalize(old);
      cache_.clear();
    }
    cache_.emplace(std::move(key), st);
    return st;
  }

  sqlite3* db_;                                           // Owned.
  std::unordered_map<std::string, sqlite3_stmt*> cache_;  // Owned statements, keyed by SQL text.
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path) {
  namespace fs = std::filesystem;
  if (path != ":memory:") {
    std::error_code ec;
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) return Error{ErrorKind::unavailable, "cannot create directory for the database: " + ec.message()};
  }
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serializes every call, SQLite need not lock again.
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = error_of(db, rc, "open");
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_extended_result_codes(db, 1);
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Switching a fresh file to WAL needs the file to itself: processes opening
  // one file together (instances starting at once) get SQLITE_BUSY at once,
  // without the busy handler (SQLite's deadlock avoidance). Try again for as
  // long as the busy timeout allows.
  for (int waited_ms = 0;; waited_ms += 10) {
    const int wal = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (wal == SQLITE_OK) break;
    const int primary = wal & 0xff;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || waited_ms >= kBusyTimeoutMs) {
      return error_of(db, wal, "exec");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // synchronous=FULL: a commit is on disk before the call returns, so an
  // acknowledged report survives kill -9 and power loss alike.
  if (auto r = conn->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r) return r.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace serendip::store::sql
