#include "http/types.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>

namespace serendip::http {
namespace {

TEST(Types, RequestHeaderLookup) {
  Request r;
  r.headers = {{"host", "a"}, {"x-dup", "1"}, {"x-dup", "2"}};
  EXPECT_EQ(r.header("host"), "a");
  EXPECT_EQ(r.header("x-dup"), "1");
  EXPECT_EQ(r.header("Host"), "a");
  EXPECT_EQ(r.header("missing"), "");
}

TEST(Types, ResponseSetReplaces) {
  Response res;
  res.set("Content-Type", "text/plain");
  res.set("content-type", "application/json");
  res.headers.push_back({"x-a", "1"});
  res.headers.push_back({"x-a", "2"});
  res.set("X-A", "3");
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.headers.size(), 2u);
  EXPECT_EQ(res.header("x-a"), "3");
  EXPECT_EQ(res.headers[0].name, "content-type");
}

TEST(Types, ErrorResponse) {
  const Response res = error_response(core::ErrorCode::rate_limited, "slow \"down\"", {{"retryAfterMs", 1200}});
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.body, R"({"error":{"code":"rate_limited","message":"slow \"down\"","retryAfterMs":1200}})");
  const Response plain = error_response(core::ErrorCode::not_found, "nope");
  EXPECT_EQ(plain.status, 404);
  EXPECT_EQ(plain.body, R"({"error":{"code":"not_found","message":"nope"}})");
  EXPECT_EQ(error_response(core::ErrorCode::banned, "x").status, 403);
  EXPECT_EQ(error_response(core::ErrorCode::unavailable, "x").status, 503);
}

TEST(Types, JsonResponse) {
  const Response res = json_response(201, "{}");
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "{}");
  EXPECT_EQ(res.header("content-type"), "application/json");
}

TEST(Types, SecurityHeaders) {
  Response json = json_response(200, "{}");
  add_security_headers(json, false);
  EXPECT_EQ(json.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(json.header("referrer-policy"), "no-referrer");
  EXPECT_EQ(json.header("permissions-policy"), "camera=(self), microphone=(self), geolocation=()");
  EXPECT_EQ(json.header("x-frame-options"), "DENY");
  EXPECT_EQ(json.header("strict-transport-security"), "");
  EXPECT_EQ(json.header("content-security-policy"), "");

  Response html;
  html.set("content-type", "text/html; charset=utf-8");
  add_security_headers(html, true);
  EXPECT_EQ(html.header("strict-transport-security"), "max-age=31536000");
  EXPECT_EQ(html.header("content-security-policy"),
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'");
}

}  // namespace
}  // namespace serendip::http
