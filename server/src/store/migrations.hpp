// Schema migrations, embedded into the binary at build time from
// server/migrations/{sqlite,postgres}/NNNN_name.sql (see embed_migrations.cmake),
// so the server needs no files besides itself. Versions are applied in order at
// open, each in its own transaction, and recorded in schema_version.
#pragma once

#include <span>
#include <string_view>

#include "store/result.hpp"
#include "store/sql.hpp"

namespace serendip::store {

struct Migration {
  int version;            // NNNN from the file name
  std::string_view name;  // the rest of the file name, without ".sql"
  std::string_view sql;
};

// Ascending by version. Defined in the generated embedded_migrations.cpp.
std::span<const Migration> embedded_migrations(sql::Dialect dialect);

// Applies what `conn` has not applied yet. Safe when several processes start
// at once (SQLite: write lock; PostgreSQL: advisory lock). Returns the
// version the schema is at.
Result<int> migrate(sql::Connection& conn);

}  // namespace serendip::store
