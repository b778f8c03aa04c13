// Where the audit chain's HMAC key comes from. Never from the database: the
// key is what someone with write access to the database must not have.
//
//   1. audit-key (SERENDIP_AUDIT_KEY): the key itself, at least 32 bytes;
//   2. audit-key-file (SERENDIP_AUDIT_KEY_FILE): a file whose first line is the key;
//   3. neither, with an SQLite database file: "<database file>.audit-key",
//      made on first start (32 random bytes as hex, mode 0600), so `make run`
//      works with nothing set; an in-memory database gets a key per process;
//   4. neither, with PostgreSQL: refused (instances sharing the database must
//      share the key, and only the operator can give it to all of them).
#pragma once

#include <string>
#include <string_view>

#include "store/result.hpp"

namespace serendip::store {

inline constexpr std::size_t kMinAuditKeyBytes = 32;

struct AuditKeySources {
  std::string key;           // audit-key
  std::string key_file;      // audit-key-file
  std::string database_url;  // for the default beside an SQLite file
};

struct AuditKey {
  std::string key;       // never logged
  std::string origin;    // where it came from, for the log: "audit-key", "audit-key-file", "key file", "per process"
  bool created = false;  // the default key file was made just now
};

// `create`: make the default key file when it is missing (the server);
// false for operator commands, which must not invent a key to check with.
Result<AuditKey> load_audit_key(const AuditKeySources& sources, bool create);

// The default key file for an SQLite database URL ("" when there is none:
// PostgreSQL, or an in-memory database).
std::string default_audit_key_file(std::string_view database_url);

}  // namespace serendip::store
