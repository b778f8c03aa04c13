#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace serendip::http {
namespace {

using testing::make_request;

constexpr std::string_view kIndex = "<!doctype html><title>Serendip app</title>";

class StaticTest : public testing::RouterTest {
 protected:
  StaticTest() {
    write("index.html", std::string(kIndex));
    write("assets/index-4f3a9b.js", "console.log('app')");
  }
};

TEST_F(StaticTest, MimeTypes) {
  const std::pair<std::string, std::string> cases[] = {
      {"a.html", "text/html; charset=utf-8"},
      {"a.js", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.css", "text/css; charset=utf-8"},
      {"a.json", "application/json"},
      {"manifest.webmanifest", "application/manifest+json"},
      {"a.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"a.jpg", "image/jpeg"},
      {"favicon.ico", "image/x-icon"},
      {"a.woff2", "font/woff2"},
      {"a.wasm", "application/wasm"},
      {"robots.txt", "text/plain; charset=utf-8"},
      {"a.js.map", "application/json"},
      {"A.PNG", "image/png"},
      {"blob.bin", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) {
    EXPECT_EQ(mime_type(name), type) << name;
    write(name, "x");
    const Response res = get("/" + name);
    EXPECT_EQ(res.status, 200) << name;
    EXPECT_EQ(res.header("content-type"), type) << name;
  }
}

TEST_F(StaticTest, IndexAndCaching) {
  const Response index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, kIndex);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  EXPECT_FALSE(index.header("etag").empty());
  EXPECT_FALSE(index.header("content-security-policy").empty());

  const Response asset = get("/assets/index-4f3a9b.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(asset.body, "console.log('app')");
  EXPECT_EQ(asset.header("cache-control"), "public, max-age=31536000, immutable");

  write("favicon.ico", "ico");
  EXPECT_EQ(get("/favicon.ico").header("cache-control"), "no-cache");
  EXPECT_EQ(get("/index.html").body, kIndex);
}

TEST_F(StaticTest, ETagConditionalGet) {
  const Response first = get("/assets/index-4f3a9b.js");
  const std::string etag(first.header("etag"));
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');

  Response again = get("/assets/index-4f3a9b.js", {{"if-none-match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.header("etag"), etag);
  EXPECT_EQ(again.header("cache-control"), "public, max-age=31536000, immutable");

  EXPECT_EQ(get("/assets/index-4f3a9b.js", {{"if-none-match", "\"other\", W/" + etag}}).status, 304);
  EXPECT_EQ(get("/assets/index-4f3a9b.js", {{"if-none-match", "*"}}).status, 304);
  EXPECT_EQ(get("/assets/index-4f3a9b.js", {{"if-none-match", "\"other\""}}).status, 200);

  // A rebuilt file (different size) gets a different validator.
  write("assets/index-4f3a9b.js", "console.log('app v2')");
  const Response changed = get("/assets/index-4f3a9b.js", {{"if-none-match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.header("etag"), etag);
}

TEST_F(StaticTest, Head) {
  const Response head = handle(make_request("HEAD", "/assets/index-4f3a9b.js"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("content-length"), std::to_string(std::string("console.log('app')").size()));
  EXPECT_EQ(head.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_FALSE(head.header("etag").empty());
  const Response head_index = handle(make_request("HEAD", "/"));
  EXPECT_EQ(head_index.header("content-length"), std::to_string(kIndex.size()));
}

TEST_F(StaticTest, AdminRoutesFallBackToTheAdminPage) {
  write("admin.html", "<!doctype html><title>admin</title>");
  for (const char* path : {"/admin", "/admin/", "/admin/reports", "/admin/reports/42"}) {
    const Response res = get(path);
    EXPECT_EQ(res.status, 200) << path;
    EXPECT_EQ(res.body, "<!doctype html><title>admin</title>") << path;
  }
  // Only the /admin prefix: "/administrator" is the call app's route.
  EXPECT_EQ(get("/administrator").body, kIndex);
}

TEST_F(StaticTest, SpaFallback) {
  for (const char* path : {"/chat", "/settings/"}) {
    const Response res = get(path);
    EXPECT_EQ(res.status, 200) << path;
    EXPECT_EQ(res.body, kIndex) << path;
    EXPECT_EQ(res.header("cache-control"), "no-cache") << path;
  }
  // With an extension, or under /assets/ or /ws/: a real 404, never HTML.
  for (const char* path : {"/missing.js", "/img/logo.png", "/assets/gone", "/assets/gone-123.js", "/ws/x"}) {
    const Response res = get(path);
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_NE(res.body, kIndex) << path;
  }
  EXPECT_EQ(get("/api/v1/unknown").status, 404);
}

TEST_F(StaticTest, PlaceholderWhenNotBuilt) {
  config_.static_dir = (base_ / "not-built").string();
  for (const char* path : {"/", "/chat"}) {
    const Response res = get(path);
    EXPECT_EQ(res.status, 200) << path;
    EXPECT_NE(res.body.find("Serendip server is running"), std::string::npos);
    EXPECT_NE(res.body.find("make build"), std::string::npos);
    EXPECT_EQ(res.header("content-type"), "text/html; charset=utf-8");
  }
  EXPECT_EQ(get("/app.js").status, 404);
}

TEST_F(StaticTest, PlaceholderWhenIndexMissing) {
  std::filesystem::remove(root_ / "index.html");
  EXPECT_NE(get("/").body.find("Serendip server is running"), std::string::npos);
  EXPECT_NE(get("/somewhere").body.find("make build"), std::string::npos);
  EXPECT_EQ(get("/assets/index-4f3a9b.js").status, 200);
}

TEST_F(StaticTest, TraversalIsRefused) {
  write("secret.txt", "TOP SECRET", base_);  // next to the root, not inside
  const char* attacks[] = {
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/assets%2f..%2f..%2fsecret.txt",
      "/%2e%2e%5csecret.txt",
      "/..\\secret.txt",
      "//etc/passwd",
      "/.%2e/secret.txt",
      "/%00",
      "/index.html%00.js",
      "/bad%zz",
      "/bad%",
      "/./index.html",
      "/etc/passwd",
      "/%2fetc%2fpasswd",
      "/.env",
  };
  for (const char* path : attacks) {
    const Response res = get(path);
    EXPECT_TRUE(res.status == 400 || res.status == 404 || (res.status == 200 && res.body == kIndex))
        << path << " -> " << res.status;
    EXPECT_EQ(res.body.find("TOP SECRET"), std::string::npos) << path;
    EXPECT_EQ(res.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_EQ(get("/../secret.txt").status, 400);
  EXPECT_EQ(get("/%2e%2e/secret.txt").status, 400);
  EXPECT_EQ(get("/..%2fsecret.txt").status, 400);
  EXPECT_EQ(get("//etc/passwd").status, 400);
  write(".env", "SECRET=1");
  EXPECT_EQ(get("/.env").status, 404);
}

TEST_F(StaticTest, SymlinkOutOfRootIsRefused) {
  write("outside/secret.txt", "TOP SECRET", base_);
  std::filesystem::create_symlink(base_ / "outside" / "secret.txt", root_ / "leak.txt");
  std::filesystem::create_directory_symlink(base_ / "outside", root_ / "leakdir");
  EXPECT_EQ(get("/leak.txt").status, 404);
  EXPECT_EQ(get("/leakdir/secret.txt").status, 404);
  EXPECT_EQ(get("/leakdir/secret.txt").body.find("TOP SECRET"), std::string::npos);

  // A symlink that stays inside the root is fine.
  std::filesystem::create_symlink(root_ / "index.html", root_ / "alias.html");
  EXPECT_EQ(get("/alias.html").status, 200);
}

TEST_F(StaticTest, SiblingDirectoryWithSamePrefixIsOutside) {
  // root is .../www; .../www-evil must not count as inside it.
  write("x.txt", "EVIL", base_ / "www-evil");
  std::filesystem::create_symlink(base_ / "www-evil" / "x.txt", root_ / "x.txt");
  EXPECT_EQ(get("/x.txt").status, 404);
}

TEST_F(StaticTest, PercentEncodedNames) {
  write("hello world.txt", "hi");
  EXPECT_EQ(get("/hello%20world.txt").body, "hi");
}

TEST_F(StaticTest, RelativeRootWorks) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(base_);
  config_.static_dir = "www";
  const Response res = get("/assets/index-4f3a9b.js");
  std::filesystem::current_path(cwd);
  EXPECT_EQ(res.status, 200);
}

}  // namespace
}  // namespace serendip::http
