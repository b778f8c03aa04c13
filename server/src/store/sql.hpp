// Internal to store/: the least a SQL connection must do for the domain stores,
// implemented once for SQLite and once for PostgreSQL (libpq). The domain
// stores are written once against this, in the SQL both dialects share, so the
// two backends behave alike by construction.
//
// Values are bound as parameters, never spliced into SQL text. Placeholders are
// '?' in both dialects (the PostgreSQL adapter renumbers them to $1..$n).
// Not thread-safe: the owner (SqlDatabase) serializes access.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/result.hpp"

namespace serendip::store::sql {

enum class Dialect : std::uint8_t { sqlite, postgres };

// NULL, an integer, or text.
using Param = std::variant<std::monostate, std::int64_t, std::string>;

inline Param text_or_null(std::string_view s) { return s.empty() ? Param{} : Param{std::string(s)}; }
inline Param int_or_null(std::optional<std::int64_t> v) { return v ? Param{*v} : Param{}; }

// Every column comes back as text (integers in decimal) or NULL.
struct Row {
  std::vector<std::optional<std::string>> values;

  bool is_null(std::size_t i) const { return !values.at(i).has_value(); }
  const std::string& text(std::size_t i) const;  // "" for NULL
  std::int64_t i64(std::size_t i) const;         // 0 for NULL; a non-number is a bug and throws
  std::optional<std::int64_t> opt_i64(std::size_t i) const;
};

struct QueryResult {
  std::vector<Row> rows;
  std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // One statement; `params` bound to its '?' placeholders in order. Unique
  // violations come back as ErrorKind::conflict, other constraint violations as
  // ErrorKind::invalid, everything else as ErrorKind::unavailable.
  virtual Result<QueryResult> query(std::string_view sql, const std::vector<Param>& params = {}) = 0;
  // Any number of statements without parameters (migrations, BEGIN, SAVEPOINT).
  virtual Result<void> exec(std::string_view sql) = 0;
};

// `path` is a file name; its parent directory is created. WAL, synchronous=FULL
// (a committed row survives a crash of the process or the machine),
// busy_timeout and foreign keys are set on the connection.
Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path);
// `url` is a libpq connection URI (postgresql://user:pass@host:port/db?...).
Result<std::unique_ptr<Connection>> open_postgres(const std::string& url);

// '?' -> $1, $2, ... outside quoted literals and identifiers.
std::string number_placeholders(std::string_view sql);

}  // namespace serendip::store::sql
