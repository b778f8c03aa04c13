// open_database(): the URL picks the connection; everything above it is shared.
#include <string>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store {
namespace {

class SqlDatabase final : public Database {
 public:
  SqlDatabase(std::unique_ptr<sql::Connection> conn, int version)
      : ex_(std::move(conn)),
        version_(version),
        reports_(ex_, ip_key_),
        blocks_(ex_, ip_key_),
        appeals_(ex_),
        admins_(ex_),
        audit_(ex_),
        reputation_(ex_, ip_key_),
        settings_(ex_),
        ip_privacy_(ex_, ip_key_) {}

  ReportStore& reports() override { return reports_; }
  BlockStore& blocks() override { return blocks_; }
  AppealStore& appeals() override { return appeals_; }
  AdminStore& admins() override { return admins_; }
  AuditLog& audit() override { return audit_; }
  ReputationStore& reputation() override { return reputation_; }
  SettingsStore& settings() override { return settings_; }
  IpPrivacy& ip_privacy() override { return ip_privacy_; }

  Result<void> transaction(const std::function<Result<void>()>& fn) override {
    return ex_.atomic([&](sql::Connection&) { return fn(); });
  }

  std::string_view backend() const override { return ex_.dialect() == sql::Dialect::sqlite ? "sqlite" : "postgresql"; }
  int schema_version() const override { return version_; }

  Result<void> ping() override {
    return ex_.read([](sql::Connection& c) -> Result<void> {
      auto r = c.query("SELECT 1");
      if (!r) return r.error();
      return {};
    });
  }

 private:
  detail::Executor ex_;
  detail::IpKey ip_key_;  // before the stores that refer to it
  int version_;
  detail::SqlReportStore reports_;
  detail::SqlBlockStore blocks_;
  detail::SqlAppealStore appeals_;
  detail::SqlAdminStore admins_;
  detail::SqlAuditLog audit_;
  detail::SqlReputationStore reputation_;
  detail::SqlSettingsStore settings_;
  detail::SqlIpPrivacy ip_privacy_;
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Result<std::unique_ptr<Database>> open_database(std::string_view url) {
  Result<std::unique_ptr<sql::Connection>> conn = Error{ErrorKind::invalid, "unsupported database URL scheme"};
  if (starts_with(url, "sqlite://")) {
    // sqlite://./data/x.db and sqlite://data/x.db are relative, sqlite:///abs/x.db is absolute.
    const std::string path(url.substr(9));
    if (path.empty()) return Error{ErrorKind::invalid, "sqlite URL without a path"};
    conn = sql::open_sqlite(path);
  } else if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    conn = sql::open_postgres(std::string(url));
  }
  if (!conn) return conn.error();
  auto version = migrate(**conn);
  if (!version) return version.error();
  return std::unique_ptr<Database>(std::make_unique<SqlDatabase>(std::move(*conn), *version));
}

}  // namespace serendip::store
