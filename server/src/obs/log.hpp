// Structured logs: one JSON object per line on stdout with ts, level,
// component, event and fields. Never log SDP, ICE candidates, chat, tokens
// or raw IPs at info level: they are strangers' data.
#pragma once

#include <cstdint>
#include <initializer_list>
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

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
bool enabled(Level level);

// Thread-safe; one write(2)-sized line per call.
void log(Level level, std::string_view component, std::string_view event,
         std::initializer_list<Field> fields = {});

}  // namespace serendip::obs
