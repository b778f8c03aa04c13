// Connection state, as the client and subscriber report it (see connection.hpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace serendip::redis {

enum class State : std::uint8_t { down, connecting, connected };
std::string_view to_string(State s);

}  // namespace serendip::redis
