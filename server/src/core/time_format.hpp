// Time stamps as text, for every wire format that carries one (the REST API's
// JSON, the signaling `banned` message): one formatter, so they cannot differ.
#pragma once

#include <cstdint>
#include <string>

namespace serendip::core {

// "2026-09-21T12:00:00.000Z" for unix milliseconds (UTC, millisecond precision).
std::string rfc3339(std::int64_t unix_ms);

}  // namespace serendip::core
