// One store test suite, two backends. The cases (store_suite_test.cpp) are
// TEST_Ps over a Backend; unit-store-tests instantiates them on SQLite in a
// temp dir (sqlite_backend_test.cpp), store_pgtest on the PostgreSQL named by
// SERENDIP_TEST_PG_URL (store_pgtest.cpp), and fails every case when it is unset.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/database.hpp"
#include "store/sql.hpp"

namespace serendip::store::testing {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // The URL of a new, empty database (adds a gtest failure if it cannot).
  virtual std::string fresh_url() = 0;
  // A raw connection to the database at `url`, for tampering the tests do
  // behind the store's back.
  virtual std::unique_ptr<sql::Connection> raw(const std::string& url) = 0;
  virtual void cleanup() {}
};

inline const std::string kIpKey = "store-test-ip-key-0123456789abcdef0123";

struct BackendParam {
  Backend* backend;  // Not owned; lives for the whole test program.
};

inline std::string PrintToString(const BackendParam& p) { return p.backend->name(); }

class StoreTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    url_ = backend().fresh_url();
    ASSERT_FALSE(url_.empty()) << "no database for backend " << backend().name();
    auto db = open_database(url_);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    db_->ip_privacy().set_key(kIpKey);  // as the server does (derived from the audit key)
  }
  void TearDown() override {
    db_.reset();
    backend().cleanup();
  }

  static Backend& backend() { return *GetParam().backend; }
  Database& db() { return *db_; }
  std::unique_ptr<Database> reopen() {
    db_.reset();
    auto db = open_database(url_);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    if (db) (*db)->ip_privacy().set_key(kIpKey);
    return db ? std::move(*db) : nullptr;
  }
  // Another connection to the same database, as another instance would open it.
  std::unique_ptr<Database> reopen_another() {
    auto db = open_database(url_);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    if (db) (*db)->ip_privacy().set_key(kIpKey);
    return db ? std::move(*db) : nullptr;
  }
  std::unique_ptr<sql::Connection> raw() { return backend().raw(url_); }

  std::string url_;
  std::unique_ptr<Database> db_;
};

}  // namespace serendip::store::testing
