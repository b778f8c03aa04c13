#include "http/route_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace serendip::http {
namespace {

struct TestRoute {
  Method method;
  std::string_view pattern;
  int id;
};

constexpr TestRoute kTable[] = {
    {Method::get, "/r", 1},
    {Method::post, "/r", 2},
    {Method::post, "/r/bulk", 3},
    {Method::del, "/r/{id}", 4},
    {Method::get, "/r/{id}/notes/{note}", 5},
    {Method::post, "/login", 6},
};

RouteMatch<TestRoute> find(std::string_view method, std::string_view path) {
  return find_route<TestRoute>(kTable, method, *decoded_segments(path));
}

TEST(RouteTable, MethodOf) {
  EXPECT_EQ(method_of("GET"), Method::get);
  EXPECT_EQ(method_of("HEAD"), Method::get);
  EXPECT_EQ(method_of("POST"), Method::post);
  EXPECT_EQ(method_of("DELETE"), Method::del);
  EXPECT_EQ(method_of("PUT"), std::nullopt);
  EXPECT_EQ(method_of("PATCH"), std::nullopt);
  EXPECT_EQ(method_of("OPTIONS"), std::nullopt);
  EXPECT_EQ(method_of("get"), std::nullopt);  // methods are case-sensitive
}

TEST(RouteTable, AllowHeaderKeepsOneOrder) {
  EXPECT_EQ(allow_header({}), "OPTIONS");
  EXPECT_EQ(allow_header({.post = true}), "POST, OPTIONS");
  EXPECT_EQ(allow_header({.get = true, .post = true}), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(allow_header({.del = true}), "DELETE, OPTIONS");
  EXPECT_EQ(allow_header({.get = true, .post = true, .del = true}), "GET, HEAD, POST, DELETE, OPTIONS");
}

TEST(RouteTable, DecodedSegments) {
  EXPECT_EQ(*decoded_segments("/a/b"), (Segments{"a", "b"}));
  EXPECT_EQ(*decoded_segments("//a///b/"), (Segments{"a", "b"}));
  EXPECT_EQ(*decoded_segments("/a%2Fb/%41+c"), (Segments{"a/b", "A+c"}));  // '+' stays in a path
  EXPECT_EQ(*decoded_segments("/"), Segments{});
  EXPECT_EQ(*decoded_segments(""), Segments{});
  EXPECT_FALSE(decoded_segments("/a/%zz"));
  EXPECT_FALSE(decoded_segments("/a/%4"));
}

TEST(RouteTable, LiteralSegments) {
  EXPECT_EQ(literal_segments("/a/b"), (Segments{"a", "b"}));
  EXPECT_EQ(literal_segments("/a//b/"), (Segments{"a", "", "b", ""}));
  EXPECT_EQ(literal_segments("/a%2Fb"), (Segments{"a%2Fb"}));
  EXPECT_EQ(literal_segments("/"), (Segments{""}));
}

TEST(RouteTable, MatchPatternCapturesParameters) {
  PathParams p;
  EXPECT_TRUE(match_pattern("/r/{id}/notes/{note}", Segments{"r", "42", "notes", "a b"}, p));
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p["id"], "42");
  EXPECT_EQ(p["note"], "a b");
  EXPECT_EQ(p["missing"], "");

  PathParams q;
  EXPECT_TRUE(match_pattern("/r", Segments{"r"}, q));
  EXPECT_EQ(q.size(), 0u);
  for (const Segments& s : {Segments{}, Segments{"r", "1"}, Segments{"x"}, Segments{"r", "1", "notes"},
                            Segments{"r", "1", "notes", "2", "3"}, Segments{"r", "1", "other", "2"}}) {
    PathParams fresh;
    EXPECT_FALSE(match_pattern("/r/{id}/notes/{note}", s, fresh)) << s.size();
  }
  // Literal segments compare exactly: no case folding.
  PathParams r;
  EXPECT_FALSE(match_pattern("/r", Segments{"R"}, r));
}

TEST(RouteTable, FindsTheRouteForMethodAndPath) {
  auto m = find("GET", "/r");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->id, 1);
  EXPECT_EQ(m.allow, "");
  EXPECT_EQ(find("HEAD", "/r").route->id, 1);
  EXPECT_EQ(find("POST", "/r").route->id, 2);
  EXPECT_EQ(find("POST", "//r/").route->id, 2);

  m = find("GET", "/r/7/notes/n%20one");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->id, 5);
  EXPECT_EQ(m.params["id"], "7");
  EXPECT_EQ(m.params["note"], "n one");
}

TEST(RouteTable, UnknownPathIsNoRouteAndNoAllow) {
  for (std::string_view path : {"/", "/nope", "/r/1/2", "/r/1/notes", "/login/x"}) {
    const auto m = find("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_EQ(m.allow, "") << path;
    EXPECT_EQ(m.params.size(), 0u) << path;
  }
}

TEST(RouteTable, WrongMethodListsThatResourcesMethods) {
  auto m = find("DELETE", "/r");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, HEAD, POST, OPTIONS");
  m = find("PUT", "/r");
  EXPECT_EQ(m.allow, "GET, HEAD, POST, OPTIONS");
  m = find("GET", "/login");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "POST, OPTIONS");
  m = find("POST", "/r/9");
  EXPECT_EQ(m.allow, "DELETE, OPTIONS");
  EXPECT_EQ(m.params.size(), 0u);  // nothing captured for a route that does not run
}

TEST(RouteTable, FirstFittingPatternDecidesTheResource) {
  // "/r/bulk" comes before "/r/{id}": DELETE /r/bulk is a wrong method on bulk,
  // not a DELETE of the item "bulk".
  auto m = find("DELETE", "/r/bulk");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "POST, OPTIONS");
  EXPECT_EQ(find("POST", "/r/bulk").route->id, 3);
  m = find("DELETE", "/r/bulky");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->id, 4);
  EXPECT_EQ(m.params["id"], "bulky");
}

TEST(RouteTable, LiteralSegmentsMatchOnlyTheExactSpelling) {
  const auto at = [](std::string_view method, std::string_view path) {
    return find_route<TestRoute>(kTable, method, literal_segments(path));
  };
  EXPECT_EQ(at("POST", "/login").route->id, 6);
  EXPECT_EQ(at("POST", "/login/").route, nullptr);
  EXPECT_EQ(at("POST", "/login/").allow, "");
  EXPECT_EQ(at("POST", "//login").route, nullptr);
  EXPECT_EQ(at("POST", "/%6cogin").route, nullptr);
}

}  // namespace
}  // namespace serendip::http
