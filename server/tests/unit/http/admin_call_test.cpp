// The admin handlers' toolkit on its own: the Call, the JSON member and query
// parameter readers, and how moderation failures become answers.
#include "http/admin_call.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace serendip::http::admin {
namespace {

namespace json = boost::json;
using core::ErrorCode;

json::object object(std::string_view s) { return json::parse(s).as_object(); }

TEST(AdminCall, FailureResponses) {
  Response res = failure_response(moderation::Failure{ErrorCode::rate_limited, "slow down", 1001});
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.body, R"({"error":{"code":"rate_limited","message":"slow down","retryAfterMs":1001}})");
  EXPECT_EQ(res.header("retry-after"), "2");  // whole seconds, rounded up
  EXPECT_EQ(failure_response(moderation::Failure{ErrorCode::rate_limited, "x", 0}).header("retry-after"), "1");

  res = failure_response(moderation::Failure{ErrorCode::unauthorized, "invalid token", 0});
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.header("www-authenticate"), "Bearer");
  EXPECT_EQ(res.body, R"({"error":{"code":"unauthorized","message":"invalid token"}})");

  res = failure_response(moderation::Failure{ErrorCode::conflict, "already decided", 0});
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.header("www-authenticate"), "");
  EXPECT_EQ(res.header("retry-after"), "");

  EXPECT_EQ(bad_request("x").body, R"({"error":{"code":"bad_request","message":"x"}})");
  res = no_content();
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
  EXPECT_EQ(res.header("cache-control"), "no-store");
}

TEST(AdminCall, FieldsReadTypedMembersFirstProblemWins) {
  const json::object o =
      object(R"({"s":"v","b":true,"i":7,"u":18446744073709551615,"a":["x","y"],"n":null,"bad":[1]})");
  Fields f(o);
  EXPECT_EQ(f.text("s"), "v");
  EXPECT_EQ(f.text("n"), std::nullopt);
  EXPECT_EQ(f.text("absent"), std::nullopt);
  EXPECT_EQ(f.boolean("b"), true);
  EXPECT_EQ(f.integer("i"), 7);
  EXPECT_EQ(f.strings("a"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(f.ok());

  EXPECT_EQ(f.text("required", true), std::nullopt);
  EXPECT_EQ(f.error(), "required is required");
  EXPECT_EQ(f.integer("u"), std::nullopt);  // above INT64_MAX
  EXPECT_EQ(f.error(), "required is required");

  Fields g(o);
  EXPECT_EQ(g.integer("u"), std::nullopt);
  EXPECT_EQ(g.error(), "u must be an integer");
  Fields h(o);
  EXPECT_EQ(h.strings("bad"), std::nullopt);
  EXPECT_EQ(h.error(), "bad must be an array of strings");
  Fields k(o);
  EXPECT_EQ(k.boolean("s"), std::nullopt);
  EXPECT_EQ(k.error(), "s must be true or false");
}

TEST(AdminCall, FieldsDuration) {
  const json::object seconds = object(R"({"durationS":60})");
  const json::object permanent = object(R"({"permanent":true})");
  const json::object both = object(R"({"durationS":60,"permanent":true})");
  const json::object neither = object(R"({"permanent":false})");
  Fields a(seconds);
  EXPECT_EQ(a.duration(), std::optional<std::optional<std::int64_t>>(60));
  Fields b(permanent);
  const auto p = b.duration();
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->has_value());
  Fields c(both);
  EXPECT_EQ(c.duration(), std::nullopt);
  EXPECT_EQ(c.error(), "give durationS or permanent, not both");
  Fields d(neither);
  EXPECT_EQ(d.duration(), std::nullopt);
  EXPECT_EQ(d.error(), "durationS (seconds) or \"permanent\": true is required");
}

TEST(AdminCall, ParamsValidateQueryValues) {
  const Query q = {{"t", "text"},
                   {"empty", ""},
                   {"n", "12"},
                   {"nan", "x"},
                   {"yes", "true"},
                   {"maybe", "perhaps"},
                   {"ip", "2001:DB8:0::9"},
                   {"dev", "abc_DEF-1"},
                   {"long", std::string(201, 'x')}};
  Params p(q);
  EXPECT_EQ(p.text("t"), "text");
  EXPECT_EQ(p.text("empty"), std::nullopt);
  EXPECT_EQ(p.text("absent"), std::nullopt);
  EXPECT_EQ(p.integer("n"), 12);
  EXPECT_EQ(p.boolean("yes"), true);
  EXPECT_EQ(p.ip("ip"), "2001:db8::/64");
  EXPECT_EQ(p.device("dev"), "abc_DEF-1");
  const store::PageRequest page = p.page();
  EXPECT_EQ(page.limit, 50);
  EXPECT_EQ(page.cursor, "");
  EXPECT_TRUE(p.ok());

  EXPECT_EQ(p.integer("nan"), std::nullopt);
  EXPECT_EQ(p.error(), "nan must be an integer");
  EXPECT_EQ(p.boolean("maybe"), std::nullopt);
  EXPECT_EQ(p.error(), "nan must be an integer");  // the first problem stays

  for (const auto& [query, message] : std::vector<std::pair<Query, std::string>>{
           {{{"long", std::string(201, 'x')}}, "long is too long"},
           {{{"maybe", "perhaps"}}, "maybe must be true or false"},
           {{{"ip", "1.2.3"}}, "ip must be an IPv4 or IPv6 address"},
           {{{"dev", "a b"}}, "dev must be a device key"},
           // parse_query decodes %00: the bytes after it must not be ignored (found by fuzz-admin).
           {{{"ip", std::string("192.0.2.7\0junk", 14)}}, "ip must be an IPv4 or IPv6 address"},
       }) {
    Params one(query);
    one.text("long");
    one.boolean("maybe");
    one.ip("ip");
    one.device("dev");
    EXPECT_EQ(one.error(), message);
  }
  const Query longest = {{"long", std::string(200, 'x')}};
  EXPECT_EQ(Params(longest).text("long"), std::string(200, 'x'));
}

TEST(AdminCall, ParamsPage) {
  const Query full = {{"limit", "200"}, {"cursor", "c1"}};
  Params p(full);
  const store::PageRequest page = p.page();
  EXPECT_EQ(page.limit, 200);
  EXPECT_EQ(page.cursor, "c1");
  EXPECT_TRUE(p.ok());
  // 2^32 + 50 and 2^32 + 1: out of range however an int would wrap them (found by fuzz-admin).
  for (const char* bad : {"0", "201", "-1", "4294967346", "4294967297", "-4294967096"}) {
    const Query query = {{"limit", bad}};
    Params q(query);
    q.page();
    EXPECT_EQ(q.error(), "limit must be between 1 and 200") << bad;
    EXPECT_EQ(q.page().limit, 50) << bad;  // the default, never the wrapped number
  }
}

}  // namespace
}  // namespace serendip::http::admin
