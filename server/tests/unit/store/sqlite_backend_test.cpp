// Instantiates the store suite on SQLite: each case gets a new file in a temp
// dir (under a directory that does not exist yet, so open_database makes it).
#include <filesystem>
#include <random>

#include "store_suite.hpp"

namespace serendip::store::testing {
namespace {

class SqliteBackend final : public Backend {
 public:
  std::string name() const override { return "sqlite"; }
  std::string fresh_url() override {
    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("serendip-store-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    dirs_.push_back(dir);
    return "sqlite://" + (dir / "nested" / "serendip.db").string();
  }
  std::unique_ptr<sql::Connection> raw(const std::string& url) override {
    auto c = sql::open_sqlite(url.substr(9));
    EXPECT_TRUE(c.has_value());
    return c ? std::move(*c) : nullptr;
  }
  void cleanup() override {
    std::error_code ec;
    for (const auto& d : dirs_) std::filesystem::remove_all(d, ec);
    dirs_.clear();
  }

 private:
  std::vector<std::filesystem::path> dirs_;
};

SqliteBackend sqlite_backend;

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(BackendParam{&sqlite_backend}),
                         [](const auto& info) { return info.param.backend->name(); });

}  // namespace
}  // namespace serendip::store::testing
