// PostgreSQL adapter for sql::Connection over libpq (text protocol).
#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "store/sql.hpp"

namespace serendip::store::sql {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

Error error_of(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = std::string(what) + ": " + PQerrorMessage(conn);
  if (state != nullptr) {
    msg += " (SQLSTATE ";
    msg += state;
    msg += ')';
    if (std::strcmp(state, "23505") == 0) return Error{ErrorKind::conflict, std::move(msg)};
    if (std::strncmp(state, "23", 2) == 0) return Error{ErrorKind::invalid, std::move(msg)};
  }
  return Error{ErrorKind::unavailable, std::move(msg)};
}

void ignore_notice(void*, const char*) {}

// synchronous_commit=on (the default, made explicit): COMMIT returns after the WAL is flushed.
constexpr const char* kSessionSetup = "SET synchronous_commit = on; SET client_min_messages = warning;";

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }
  PostgresConnection(const PostgresConnection&) = delete;  // one owner of conn_
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Dialect dialect() const override { return Dialect::postgres; }

  Result<QueryResult> query(std::string_view sql, const std::vector<Param>& params) override {
    if (auto r = ensure_connected(); !r) return r.error();
    struct Track {  // NOLINT(cppcoreguidelines-special-member-functions): a scope guard, never copied
      PostgresConnection& c;
      ~Track() { c.track_transaction(); }
    } track{*this};
    const std::string text = number_placeholders(sql);
    std::vector<std::string> storage;
    storage.reserve(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<std::int64_t>(&params[i])) {
        storage.push_back(std::to_string(*v));
        values[i] = storage.back().c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
      }
    }
    // Text parameters, types inferred by the server from the statement.
    PgResult res(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                              nullptr, 0));
    const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error_of(conn_, res.get(), "query");

    QueryResult out;
    const int rows = PQntuples(res.get());
    const int cols = PQnfields(res.get());
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      Row row;
      row.values.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res.get(), r, c)) {
          row.values.emplace_back(std::nullopt);
        } else {
          row.values.emplace_back(
              std::string(PQgetvalue(res.get(), r, c), static_cast<std::size_t>(PQgetlength(res.get(), r, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
    const char* affected = PQcmdTuples(res.get());
    if (affected != nullptr && *affected != '\0') {
      std::from_chars(affected, affected + std::strlen(affected), out.affected);
    }
    return out;
  }

  Result<void> exec(std::string_view sql) override {
    if (PQstatus(conn_) != CONNECTION_OK && in_transaction_ && sql == "ROLLBACK") {
      // The server already rolled back when the connection went; nothing to send.
      in_transaction_ = false;
      return {};
    }
    if (auto r = ensure_connected(); !r) return r.error();
    struct Track {  // NOLINT(cppcoreguidelines-special-member-functions): a scope guard, never copied
      PostgresConnection& c;
      ~Track() { c.track_transaction(); }
    } track{*this};
    PgResult res(PQexec(conn_, std::string(sql).c_str()));
    const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return error_of(conn_, res.get(), "exec");
    return {};
  }

 private:
  // A connection lost between calls (server restart, network) is re-opened on
  // the next call. A call that fails mid-way is not retried: it may have committed.
  // A connection lost inside a transaction is not re-opened until the owner's
  // ROLLBACK: the rest of that transaction must not run, one statement at a time
  // with autocommit, on a new connection (and its COMMIT "succeed" with a warning).
  Result<void> ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return {};
    if (in_transaction_) {
      return Error{ErrorKind::unavailable, "the connection was lost inside a transaction (rolled back)"};
    }
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Error{ErrorKind::unavailable, std::string("reconnect: ") + PQerrorMessage(conn_)};
    }
    // A new session: its settings again.
    PgResult res(PQexec(conn_, kSessionSetup));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return error_of(conn_, res.get(), "reconnect");
    return {};
  }

  // Whether a transaction is open, as of the last answer; kept while the
  // connection is down (libpq then says "unknown").
  void track_transaction() {
    switch (PQtransactionStatus(conn_)) {
      case PQTRANS_IDLE: in_transaction_ = false; break;
      case PQTRANS_INTRANS:
      case PQTRANS_INERROR: in_transaction_ = true; break;
      default: break;
    }
  }

  PGconn* conn_;                 // Owned.
  bool in_transaction_ = false;  // a BEGIN not yet ended by COMMIT or ROLLBACK
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Error{ErrorKind::unavailable, "connect: out of memory"};
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e{ErrorKind::unavailable, std::string("connect: ") + PQerrorMessage(conn)};
    PQfinish(conn);
    return e;
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto c = std::make_unique<PostgresConnection>(conn);
  if (auto r = c->exec(kSessionSetup); !r) return r.error();
  return std::unique_ptr<Connection>(std::move(c));
}

std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;  // inside '...' or "..."
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote reopens at once: same result
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace serendip::store::sql
