// Structured logs: one JSON object per line on stdout with ts, level,
// component, event and fields. Never log SDP, ICE candidates, chat, tokens
// or raw IPs at info level: they are strangers' data.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace serendip::obs {

enum class Level : std::uint8_t { debug, info, warn, error };

struct Field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double, bool> value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  Field(std::string_view k, std::uint64_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

void set_level(Level level);                          // default: info
bool parse_level(std::string_view text, Level& out);  // "debug", "info", "warn", "error"
bool enabled(Level level);
std::string_view to_string(Level level);

// Thread-safe; one write(2)-sized line per call.
void log(Level level, std::string_view component, std::string_view event, std::initializer_list<Field> fields = {});

// The line log() writes (with its trailing '\n'), for a given wall-clock time
// in unix milliseconds. Strings are JSON-escaped; invalid UTF-8 becomes U+FFFD
// and non-finite doubles become null, so every line is valid JSON.
std::string format_line(Level level, std::string_view component, std::string_view event,
                        std::initializer_list<Field> fields, std::int64_t unix_ms);

}  // namespace serendip::obs
