#include "store/audit_key.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "auth/crypto.hpp"

namespace serendip::store {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

Result<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorKind::invalid, "cannot read the audit key file " + path + ": " + std::strerror(errno)};
  std::string line;
  line.resize(kMaxKeyFileBytes);
  in.read(line.data(), static_cast<std::streamsize>(line.size()));
  line.resize(static_cast<std::size_t>(in.gcount()));
  if (const auto nl = line.find_first_of("\r\n"); nl != std::string::npos) line.resize(nl);
  return line;
}

Result<std::string> checked(std::string key, std::string_view what) {
  if (key.size() < kMinAuditKeyBytes) {
    return Error{ErrorKind::invalid, std::string(what) + " is " + std::to_string(key.size()) +
                                         " bytes; the audit key must be at least " + std::to_string(kMinAuditKeyBytes)};
  }
  return key;
}

// Makes the file with a new key unless it exists (O_EXCL: two processes
// starting together end up with the one that won).
Result<AuditKey> create_or_read(const std::string& path) {
  const std::string fresh = auth::random_hex(32);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string line = fresh + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!written || !synced) {
      ::unlink(path.c_str());
      return Error{ErrorKind::invalid, "cannot write the audit key file " + path};
    }
    return AuditKey{fresh, "key file", true};
  }
  if (errno != EEXIST) {
    return Error{ErrorKind::invalid, "cannot create the audit key file " + path + ": " + std::strerror(errno)};
  }
  auto key = read_key_file(path);
  if (!key) return key.error();
  auto ok = checked(std::move(*key), path);
  if (!ok) return ok.error();
  return AuditKey{std::move(*ok), "key file", false};
}

}  // namespace

std::string default_audit_key_file(std::string_view database_url) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (database_url.substr(0, kSqlite.size()) != kSqlite) return "";
  const std::string_view path = database_url.substr(kSqlite.size());
  if (path.empty() || path == ":memory:") return "";
  return std::string(path) + ".audit-key";
}

Result<AuditKey> load_audit_key(const AuditKeySources& sources, bool create) {
  if (!sources.key.empty()) {
    auto ok = checked(sources.key, "audit-key (SERENDIP_AUDIT_KEY)");
    if (!ok) return ok.error();
    return AuditKey{std::move(*ok), "audit-key", false};
  }
  if (!sources.key_file.empty()) {
    auto key = read_key_file(sources.key_file);
    if (!key) return key.error();
    auto ok = checked(std::move(*key), "the audit key file " + sources.key_file);
    if (!ok) return ok.error();
    return AuditKey{std::move(*ok), "audit-key-file", false};
  }
  const std::string path = default_audit_key_file(sources.database_url);
  if (sources.database_url == "sqlite://:memory:") return AuditKey{auth::random_hex(32), "per process", true};
  if (path.empty()) {
    return Error{ErrorKind::invalid,
                 "no audit key: with PostgreSQL set SERENDIP_AUDIT_KEY (or SERENDIP_AUDIT_KEY_FILE) to the same "
                 "32+ random bytes on every instance (e.g. openssl rand -hex 32)"};
  }
  if (create) return create_or_read(path);
  auto key = read_key_file(path);
  if (!key) {
    return Error{ErrorKind::invalid, "no audit key: set SERENDIP_AUDIT_KEY or --audit-key-file, or keep " + path +
                                         " (made by the server on its first start)"};
  }
  auto ok = checked(std::move(*key), path);
  if (!ok) return ok.error();
  return AuditKey{std::move(*ok), "key file", false};
}

}  // namespace serendip::store
