// A deliberately small synchronous Redis client for the script tests
// (hiredis' blocking API, following MOVED): these tests check the scripts,
// not the server's client. Targets: SERENDIP_TEST_REDIS_URL and, when set,
// SERENDIP_TEST_REDIS_CLUSTER_URL (scripts/redis.sh starts both).
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "shared_state/lua_scripts.hpp"
#include "shared_state/match_protocol.hpp"

namespace serendip::shared_state::testing {

struct Endpoint {
  std::string host;
  int port = 0;
};

// "redis://host:port", "redis+cluster://host:port,host:port": the first address.
inline std::optional<Endpoint> first_endpoint(const char* url) {
  if (url == nullptr) return std::nullopt;
  std::string s(url);
  const auto scheme = s.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  s = s.substr(scheme + 3);
  s = s.substr(0, s.find_first_of(",/"));
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  return Endpoint{s.substr(0, colon), std::atoi(s.c_str() + colon + 1)};
}

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;
struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};

// Flattens a reply into strings (integers in decimal, nil as "").
inline void flatten(const redisReply* r, std::vector<std::string>& out) {
  switch (r->type) {
    case REDIS_REPLY_ARRAY:
      for (std::size_t i = 0; i < r->elements; ++i) flatten(r->element[i], out);
      break;
    case REDIS_REPLY_INTEGER: out.push_back(std::to_string(r->integer)); break;
    case REDIS_REPLY_NIL: out.emplace_back(); break;
    default: out.emplace_back(r->str, r->len);
  }
}

class SyncRedis {
 public:
  explicit SyncRedis(Endpoint e) { connect(std::move(e)); }

  // Runs a command; follows MOVED (the keys of one call share a slot).
  ReplyPtr command(const std::vector<std::string>& args) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lens;
      for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      ReplyPtr r(static_cast<redisReply*>(
          redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
      if (!r) throw std::runtime_error(std::string("redis: ") + ctx_->errstr);
      if (r->type == REDIS_REPLY_ERROR && std::string(r->str, r->len).rfind("MOVED ", 0) == 0) {
        // "MOVED <slot> <host>:<port>"
        const std::string msg(r->str, r->len);
        const std::string addr = msg.substr(msg.rfind(' ') + 1);
        const auto colon = addr.rfind(':');
        connect(Endpoint{addr.substr(0, colon), std::atoi(addr.c_str() + colon + 1)});
        continue;
      }
      return r;
    }
    throw std::runtime_error("redis: too many redirections");
  }

  std::vector<std::string> eval(const ScriptCall& call) {
    std::vector<std::string> args{"EVAL", std::string(lua_script(call.script)), std::to_string(call.keys.size())};
    args.insert(args.end(), call.keys.begin(), call.keys.end());
    args.insert(args.end(), call.args.begin(), call.args.end());
    ReplyPtr r = command(args);
    if (r->type == REDIS_REPLY_ERROR) throw std::runtime_error("script error: " + std::string(r->str, r->len));
    std::vector<std::string> out;
    flatten(r.get(), out);
    return out;
  }

 private:
  void connect(Endpoint e) {
    ctx_.reset(redisConnect(e.host.c_str(), e.port));
    if (!ctx_ || ctx_->err) throw std::runtime_error("redis: cannot connect to " + e.host);
  }
  std::unique_ptr<redisContext, ContextFree> ctx_;
};

inline std::vector<Endpoint> targets() {
  std::vector<Endpoint> out;
  for (const char* var : {"SERENDIP_TEST_REDIS_URL", "SERENDIP_TEST_REDIS_CLUSTER_URL"}) {
    if (auto e = first_endpoint(std::getenv(var))) out.push_back(*e);
  }
  return out;
}

}  // namespace serendip::shared_state::testing
