#include "cli/commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "moderation/service.hpp"

namespace serendip::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

constexpr std::string_view kAdminUsage =
    "usage: serendip-server admin create <username> <moderator|admin>\n"
    "       serendip-server admin passwd <username>\n"
    "       serendip-server admin disable <username>\n"
    "       serendip-server admin enable <username>\n"
    "       serendip-server admin list\n"
    "The password is read from SERENDIP_ADMIN_PASSWORD, else from standard input.\n";
constexpr std::string_view kAuditUsage = "usage: serendip-server audit verify\n";

// Turns terminal echo off for its lifetime.
class NoEcho {
 public:
  explicit NoEcho(bool active) {
    if (active && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

std::optional<std::string> read_password(Io& io) {
  if (auto env = io.getenv("SERENDIP_ADMIN_PASSWORD"); env && !env->empty()) return env;
  if (io.in_is_terminal) io.err << "Password: " << std::flush;
  std::string line;
  {
    NoEcho quiet(io.in_is_terminal);
    if (!std::getline(io.in, line)) line.clear();
  }
  if (io.in_is_terminal) io.err << '\n';
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

int refused(Io& io, const moderation::Failure& f) {
  io.err << "serendip-server: " << f.message << '\n';
  return kFailed;
}

std::string date_of(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

Io process_io() {
  Io io{std::cin, std::cout, std::cerr,
        [](std::string_view name) -> std::optional<std::string> {
          // NOLINTNEXTLINE(concurrency-mt-unsafe): a CLI command runs alone; nothing calls setenv.
          const char* v = std::getenv(std::string(name).c_str());
          if (v == nullptr) return std::nullopt;
          return std::string(v);
        },
        isatty(STDIN_FILENO) == 1};
  return io;
}

}  // namespace

int run_admin_command(const std::vector<std::string>& args, store::Database& db, Io& io) {
  const std::size_t n = args.size();
  if (n < 2 || args[0] != "admin") {
    io.err << kAdminUsage;
    return kUsage;
  }
  core::SystemClock clock;
  // The CLI signs no tokens; the service only needs a codec to exist.
  const auth::JwtCodec jwt(auth::random_hex(32));
  moderation::ModerationService service(db, clock, jwt);
  const moderation::Actor cli = moderation::Actor::system_actor("cli");
  const std::string& what = args[1];

  if (what == "list" && n == 2) {
    auto list = service.list_admins(cli);
    if (!list) return refused(io, list.error());
    io.out << std::left << std::setw(34) << "USERNAME" << std::setw(11) << "ROLE" << std::setw(10) << "STATUS"
           << "CREATED (UTC)\n";
    for (const auto& a : *list) {
      io.out << std::left << std::setw(34) << a.username << std::setw(11) << store::to_string(a.role) << std::setw(10)
             << (a.disabled ? "disabled" : "active") << date_of(a.created_at) << '\n';
    }
    return kOk;
  }
  if (what == "create" && n == 4) {
    const auto role = store::parse_role(args[3]);
    if (!role) {
      io.err << "serendip-server: role must be moderator or admin\n";
      return kUsage;
    }
    const auto password = read_password(io);
    if (!password) {
      io.err << "serendip-server: no password given (SERENDIP_ADMIN_PASSWORD or standard input)\n";
      return kUsage;
    }
    auto made = service.create_admin(cli, args[2], *password, *role);
    if (!made) return refused(io, made.error());
    io.out << "created " << store::to_string(*role) << " '" << args[2] << "'\n";
    return kOk;
  }
  if (what == "passwd" && n == 3) {
    const auto password = read_password(io);
    if (!password) {
      io.err << "serendip-server: no password given (SERENDIP_ADMIN_PASSWORD or standard input)\n";
      return kUsage;
    }
    auto changed = service.set_password(cli, args[2], *password);
    if (!changed) return refused(io, changed.error());
    io.out << "password changed for '" << args[2] << "'\n";
    return kOk;
  }
  if ((what == "disable" || what == "enable") && n == 3) {
    auto r = service.set_disabled(cli, args[2], what == "disable");
    if (!r) return refused(io, r.error());
    io.out << what << "d '" << args[2] << "'\n";
    return kOk;
  }
  io.err << kAdminUsage;
  return kUsage;
}

int run_audit_command(const std::vector<std::string>& args, store::Database& db, Io& io) {
  if (args.size() != 2 || args[0] != "audit" || args[1] != "verify") {
    io.err << kAuditUsage;
    return kUsage;
  }
  auto v = db.audit().verify();
  if (!v) {
    io.err << "serendip-server: cannot read the audit log: " << v.error().message << '\n';
    return kFailed;
  }
  if (v->ok) {
    io.out << "audit log OK: " << v->entries << " entries\n";
    return kOk;
  }
  io.out << "audit log BROKEN at seq " << v->first_bad_seq.value_or(0) << ": " << v->problem << '\n';
  return kFailed;
}

int run_admin_command(const std::vector<std::string>& args, store::Database& db) {
  Io io = process_io();
  return run_admin_command(args, db, io);
}

int run_audit_command(const std::vector<std::string>& args, store::Database& db) {
  Io io = process_io();
  return run_audit_command(args, db, io);
}

}  // namespace serendip::cli
