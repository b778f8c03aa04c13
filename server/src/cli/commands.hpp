// Operator subcommands of serendip-server, as plain functions main.cpp calls
// with the positional arguments (config::Loaded::rest) and an open database:
//
//   serendip-server admin create <username> <moderator|admin>
//   serendip-server admin passwd <username>
//   serendip-server admin disable <username> | enable <username>
//   serendip-server admin list
//   serendip-server audit verify [--key-file FILE] [--anchor FILE]
//   serendip-server audit anchor [--key-file FILE]
//
// The audit commands need the chain's HMAC key (store/audit_key.hpp):
// --key-file, else audit-key / audit-key-file from the configuration, else the
// key file the server made beside an SQLite database; they never make one.
// `audit anchor` prints the signed chain head (one JSON line) for the operator
// to keep elsewhere; `audit verify --anchor` checks the chain still holds it.
//
// Passwords come from SERENDIP_ADMIN_PASSWORD, else from the first line of
// standard input (not echoed when it is a terminal), never from the command
// line where `ps` would show them. Each change is in the audit log as actor "cli".
// Exit status: 0 done, 1 refused or failed (audit verify: chain broken), 2 usage.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit_key.hpp"
#include "store/database.hpp"

namespace serendip::cli {

// `args` starts with the subcommand word ("admin" / "audit").
int run_admin_command(const std::vector<std::string>& args, store::Database& db);
int run_audit_command(const std::vector<std::string>& args, store::Database& db, const store::AuditKeySources& keys);

// The same with the process's surroundings injected (tests).
struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::function<std::optional<std::string>(std::string_view)> getenv;
  bool in_is_terminal = false;
};
int run_admin_command(const std::vector<std::string>& args, store::Database& db, Io& io);
int run_audit_command(const std::vector<std::string>& args, store::Database& db, const store::AuditKeySources& keys,
                      Io& io);

}  // namespace serendip::cli
