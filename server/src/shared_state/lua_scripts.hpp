// The Lua scripts that keep shared state consistent in Redis, embedded from
// shared_state/lua/*.lua at build time.
#pragma once

#include <span>
#include <string_view>

namespace serendip::shared_state {

struct LuaScript {
  std::string_view name;    // file name without .lua
  std::string_view source;  // the whole file
};

std::span<const LuaScript> lua_scripts();
// The source of lua/<name>.lua; empty when there is none.
std::string_view lua_script(std::string_view name);

}  // namespace serendip::shared_state
