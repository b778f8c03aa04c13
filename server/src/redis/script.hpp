// A Lua script sent with EVALSHA, falling back to EVAL when a node answers
// NOSCRIPT (a node that restarted or was just promoted has an empty script
// cache); EVAL also caches it there, so each node is loaded lazily, once.
#pragma once

#include <memory>
#include <string>

namespace serendip::redis {

class Script {
 public:
  explicit Script(std::string body);
  const std::string& body() const { return *body_; }
  // The body, shared: a call in flight keeps it for a NOSCRIPT answer
  // without a copy (the EVAL form is built only then).
  const std::shared_ptr<const std::string>& shared_body() const { return body_; }
  const std::string& sha1() const { return sha1_; }  // lower-case hex, as SCRIPT LOAD returns it

 private:
  std::shared_ptr<const std::string> body_;
  std::string sha1_;
};

}  // namespace serendip::redis
