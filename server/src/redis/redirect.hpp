// Cluster redirections carried in error replies: "MOVED 3999 127.0.0.1:6381"
// (the slot lives elsewhere for good: update the map) and "ASK 3999
// 127.0.0.1:6381" (the slot is migrating: send ASKING then the command there,
// once, without touching the map).
#pragma once

#include <optional>
#include <string_view>

#include "redis/config.hpp"

namespace serendip::redis {

struct Redirect {
  enum class Kind { moved, ask };
  Kind kind;
  int slot;
  Endpoint endpoint;
};

// nullopt unless `error` is a well-formed MOVED or ASK error text.
std::optional<Redirect> parse_redirect(std::string_view error);

}  // namespace serendip::redis
