#include "http/request.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace serendip::http {
namespace {

namespace json = boost::json;

Request with_auth(std::string value) {
  Request r;
  r.headers.push_back({"authorization", std::move(value)});
  return r;
}

Request with_body(std::string body) {
  Request r;
  r.body = std::move(body);
  return r;
}

TEST(Request, Iequals) {
  EXPECT_TRUE(iequals("Bearer ", "bEARER "));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("bearer", "bearer "));
  EXPECT_FALSE(iequals("a-b", "a_b"));
}

TEST(Request, BearerToken) {
  EXPECT_EQ(bearer_token(Request{}), "");
  EXPECT_EQ(bearer_token(with_auth("Bearer abc.def")), "abc.def");
  EXPECT_EQ(bearer_token(with_auth("bearer abc")), "abc");
  EXPECT_EQ(bearer_token(with_auth("BEARER   abc  ")), "abc");
  EXPECT_EQ(bearer_token(with_auth("Bearer")), "");
  EXPECT_EQ(bearer_token(with_auth("Bearer ")), "");
  EXPECT_EQ(bearer_token(with_auth("Basic abc")), "");
  EXPECT_EQ(bearer_token(with_auth("Bearerabc")), "");
}

TEST(Request, ParseQuery) {
  EXPECT_EQ(*parse_query(""), Query{});
  EXPECT_EQ(*parse_query("a=1&b=two+words&a=3"), (Query{{"a", "1"}, {"b", "two words"}, {"a", "3"}}));
  EXPECT_EQ(*parse_query("&&x&y=&=z&"), (Query{{"x", ""}, {"y", ""}, {"", "z"}}));
  EXPECT_EQ(*parse_query("ip=2001%3Adb8%3A%3A1&q=%27%20OR%201%3D1"), (Query{{"ip", "2001:db8::1"}, {"q", "' OR 1=1"}}));
  EXPECT_EQ(*parse_query("a=1=2"), (Query{{"a", "1=2"}}));
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_FALSE(parse_query("%g1=1"));
  EXPECT_FALSE(parse_query("ok=1&bad=%"));
}

TEST(Request, ParseInt) {
  EXPECT_EQ(parse_int("0"), 0);
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int("-7"), -7);
  EXPECT_EQ(parse_int("9223372036854775807"), INT64_MAX);
  for (std::string_view bad : {"", " 1", "1 ", "+1", "1x", "0x10", "1.0", "9223372036854775808", "abc"}) {
    EXPECT_EQ(parse_int(bad), std::nullopt) << bad;
  }
}

TEST(Request, JsonObjectBody) {
  auto ok = json_object_body(with_body(R"({"a":1})"), 64, "nope");
  ASSERT_TRUE(std::holds_alternative<json::object>(ok));
  EXPECT_EQ(json::serialize(std::get<json::object>(ok)), R"({"a":1})");

  for (std::string body : {"", "not json", "[]", "1", "\"s\"", R"({"a":1)", R"({"a":1} x)"}) {
    auto refused = json_object_body(with_body(body), 64, "body must be an object");
    ASSERT_TRUE(std::holds_alternative<Response>(refused)) << body;
    const Response& res = std::get<Response>(refused);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(res.body, R"({"error":{"code":"bad_request","message":"body must be an object"}})");
    EXPECT_EQ(res.header("cache-control"), "no-store");
  }

  // Nesting: 8 levels are read, 9 are refused.
  EXPECT_TRUE(std::holds_alternative<json::object>(json_object_body(with_body(R"({"a":[[[[[[[1]]]]]]]})"), 64, "x")));
  EXPECT_TRUE(std::holds_alternative<Response>(json_object_body(with_body(R"({"a":[[[[[[[[1]]]]]]]]})"), 64, "x")));

  // The size limit is checked first and is inclusive.
  EXPECT_TRUE(std::holds_alternative<json::object>(json_object_body(with_body("{}  "), 4, "x")));
  auto big = json_object_body(with_body("{}   "), 4, "x");
  ASSERT_TRUE(std::holds_alternative<Response>(big));
  EXPECT_EQ(std::get<Response>(big).status, 413);
  EXPECT_EQ(std::get<Response>(big).body, R"({"error":{"code":"too_large","message":"request body too large"}})");

  // An empty body reads as {} only when allowed.
  auto empty = json_object_body(with_body(""), 64, "x", true);
  ASSERT_TRUE(std::holds_alternative<json::object>(empty));
  EXPECT_TRUE(std::get<json::object>(empty).empty());
  EXPECT_TRUE(std::holds_alternative<Response>(json_object_body(with_body(" "), 64, "x", true)));
}

TEST(Request, CommonAnswers) {
  Response res = no_store(json_response(200, "{}"));
  EXPECT_EQ(res.header("cache-control"), "no-store");
  EXPECT_EQ(res.header("content-type"), "application/json");

  res = no_store_json(201, json::object{{"id", 5}, {"name", "x"}});
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, R"({"id":5,"name":"x"})");
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.header("cache-control"), "no-store");

  res = unauthorized("token expired");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.body, R"({"error":{"code":"unauthorized","message":"token expired"}})");
  EXPECT_EQ(res.header("www-authenticate"), "Bearer");
  EXPECT_EQ(res.header("cache-control"), "no-store");

  res = method_not_allowed("GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.body, R"({"error":{"code":"method_not_allowed","message":"method not allowed"}})");
  EXPECT_EQ(res.header("allow"), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(res.header("cache-control"), "no-store");
  EXPECT_EQ(res.headers.size(), 3u);  // content-type, cache-control, allow
}

TEST(RateLimited, RetryAfterSecondsRoundsUp) {
  EXPECT_EQ(retry_after_seconds(1), 1);
  EXPECT_EQ(retry_after_seconds(1'000), 1);
  EXPECT_EQ(retry_after_seconds(1'001), 2);
  EXPECT_EQ(retry_after_seconds(59'500), 60);
}

TEST(RateLimited, Is429WithRetryAfterInHeaderAndBody) {
  Response res = rate_limited("too many connections", 1'500);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.header("retry-after"), "2");
  auto e = json::parse(res.body).at("error");
  EXPECT_EQ(e.at("code").as_string(), "rate_limited");
  EXPECT_EQ(e.at("message").as_string(), "too many connections");
  EXPECT_EQ(e.at("retryAfterMs").as_int64(), 1'500);
}

}  // namespace
}  // namespace serendip::http
