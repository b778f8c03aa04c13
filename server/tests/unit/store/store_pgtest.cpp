// Instantiates the store suite on PostgreSQL at SERENDIP_TEST_PG_URL (run it
// as `scripts/pg.sh run -- build/tests/store_pgtest`). Without the variable
// every case fails: a PostgreSQL suite that quietly skips proves nothing.
#include <cstdlib>

#include "store_suite.hpp"

namespace serendip::store::testing {
namespace {

class PostgresBackend final : public Backend {
 public:
  std::string name() const override { return "postgresql"; }
  std::string fresh_url() override {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): the test harness never calls setenv.
    const char* url = std::getenv("SERENDIP_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
      ADD_FAILURE() << "SERENDIP_TEST_PG_URL is not set: run under scripts/pg.sh run -- <this binary>";
      return {};
    }
    // A clean schema per case: drop everything the previous case made.
    auto c = raw(url);
    if (!c) return {};
    auto r = c->exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return url;
  }
  std::unique_ptr<sql::Connection> raw(const std::string& url) override {
    auto c = sql::open_postgres(url);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
};

PostgresBackend postgres_backend;

INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(BackendParam{&postgres_backend}),
                         [](const auto& info) { return info.param.backend->name(); });

}  // namespace
}  // namespace serendip::store::testing
