#include "cli/commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
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
constexpr std::string_view kAuditUsage =
    "usage: serendip-server audit verify [--key-file FILE] [--anchor FILE]\n"
    "       serendip-server audit anchor [--key-file FILE]\n"
    "The key: --key-file, else SERENDIP_AUDIT_KEY / SERENDIP_AUDIT_KEY_FILE, else the key file beside an SQLite "
    "database.\n";
constexpr std::string_view kAnchorFormat = "serendip-audit-anchor-v1";
constexpr std::size_t kMaxAnchorBytes = 4096;

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
  const auth::JwtCodec jwt(auth::random_hex(32), auth::Audience::admin);
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

namespace {

struct AuditArgs {
  std::string what;  // "verify" | "anchor"
  std::string key_file;
  std::string anchor;
};

std::optional<AuditArgs> parse_audit_args(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[0] != "audit" || (args[1] != "verify" && args[1] != "anchor")) return std::nullopt;
  AuditArgs a{args[1], "", ""};
  for (std::size_t i = 2; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    if (!value || value->empty()) return std::nullopt;
    if (name == "--key-file") {
      a.key_file = *value;
    } else if (name == "--anchor" && a.what == "verify") {
      a.anchor = *value;
    } else {
      return std::nullopt;
    }
  }
  return a;
}

struct Anchor {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t ts = 0;
};

// The anchor file, its signature checked: nullopt with `problem` set otherwise.
std::optional<Anchor> read_anchor(const std::string& path, std::string_view key, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = "cannot read the anchor file " + path;
    return std::nullopt;
  }
  std::string text(kMaxAnchorBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxAnchorBytes) {
    problem = "the anchor file is too large to be an anchor";
    return std::nullopt;
  }
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* format = o ? o->if_contains("format") : nullptr;
  const auto* seq = o ? o->if_contains("seq") : nullptr;
  const auto* hash = o ? o->if_contains("hash") : nullptr;
  const auto* ts = o ? o->if_contains("ts") : nullptr;
  const auto* signature = o ? o->if_contains("signature") : nullptr;
  if (!format || !format->is_string() || format->as_string() != kAnchorFormat || !seq || !seq->is_int64() || !hash ||
      !hash->is_string() || !ts || !ts->is_int64() || !signature || !signature->is_string()) {
    problem = "the anchor file is not a " + std::string(kAnchorFormat) + " anchor";
    return std::nullopt;
  }
  Anchor a{seq->as_int64(), std::string(hash->as_string()), ts->as_int64()};
  const std::string expected = store::audit_anchor_signature(key, a.seq, a.hash, a.ts);
  if (!auth::constant_time_equal(expected, std::string_view(signature->as_string()))) {
    problem = "the anchor's signature does not match this audit key (altered, or made with another key)";
    return std::nullopt;
  }
  return a;
}

}  // namespace

int run_audit_command(const std::vector<std::string>& args, store::Database& db, const store::AuditKeySources& keys,
                      Io& io) {
  const auto parsed = parse_audit_args(args);
  if (!parsed) {
    io.err << kAuditUsage;
    return kUsage;
  }
  store::AuditKeySources sources = keys;
  if (!parsed->key_file.empty()) {
    sources.key.clear();
    sources.key_file = parsed->key_file;
  }
  auto key = store::load_audit_key(sources, false);
  if (!key) {
    io.err << "serendip-server: " << key.error().message << '\n';
    return kUsage;
  }
  db.audit().set_key(key->key);

  auto v = db.audit().verify();
  if (!v) {
    io.err << "serendip-server: cannot read the audit log: " << v.error().message << '\n';
    return kFailed;
  }
  if (!v->ok) {
    io.out << "audit log BROKEN at seq " << v->first_bad_seq.value_or(0) << ": " << v->problem << '\n';
    return kFailed;
  }
  if (parsed->what == "anchor") {
    // Only an intact chain is worth signing.
    const std::int64_t ts = core::SystemClock().unix_ms();
    boost::json::object o;
    o["format"] = kAnchorFormat;
    o["seq"] = v->entries;
    o["hash"] = v->head_hash;
    o["ts"] = ts;
    o["time"] = core::rfc3339(ts);
    o["signature"] = store::audit_anchor_signature(key->key, v->entries, v->head_hash, ts);
    io.out << boost::json::serialize(o) << '\n';
    return kOk;
  }
  std::string anchor_note;
  if (!parsed->anchor.empty()) {
    std::string problem;
    const auto anchor = read_anchor(parsed->anchor, key->key, problem);
    if (!anchor) {
      io.err << "serendip-server: " << problem << '\n';
      return kFailed;
    }
    const std::string made = core::rfc3339(anchor->ts);
    if (anchor->seq > v->entries) {
      io.out << "audit log BROKEN at seq " << v->entries + 1 << ": the chain ends at seq " << v->entries
             << " but the anchor of " << made << " holds seq " << anchor->seq << " (entries removed from the end)\n";
      return kFailed;
    }
    if (anchor->seq > 0) {
      auto e = db.audit().at(anchor->seq);
      if (!e) {
        io.err << "serendip-server: cannot read the audit log: " << e.error().message << '\n';
        return kFailed;
      }
      if (!*e || !auth::constant_time_equal((*e)->hash, anchor->hash)) {
        io.out << "audit log BROKEN at seq " << anchor->seq << ": the entry differs from the anchor of " << made
               << " (the chain was rewritten)\n";
        return kFailed;
      }
    }
    anchor_note = "; holds the anchor of " + made + " (seq " + std::to_string(anchor->seq) + ")";
  }
  io.out << "audit log OK: " << v->entries << " entries" << anchor_note << '\n';
  return kOk;
}

int run_admin_command(const std::vector<std::string>& args, store::Database& db) {
  Io io = process_io();
  return run_admin_command(args, db, io);
}

int run_audit_command(const std::vector<std::string>& args, store::Database& db, const store::AuditKeySources& keys) {
  Io io = process_io();
  return run_audit_command(args, db, keys, io);
}

}  // namespace serendip::cli
