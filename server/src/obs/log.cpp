#include "obs/log.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace serendip::obs {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_write_mutex;  // one line at a time, never interleaved

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

void append_timestamp(std::string& out, std::int64_t unix_ms) {
  std::int64_t secs = unix_ms / 1000;
  std::int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];  // generous: the compiler cannot bound tm_year
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  out += '"';
  out += buf;
  out += '"';
}

void append_value(std::string& out, const Field& f) {
  if (const auto* s = std::get_if<std::string_view>(&f.value)) {
    append_string(out, *s);
  } else if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
    out += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&f.value)) {
    if (!std::isfinite(*d)) {
      out += "null";
    } else {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, *d);
      out.append(buf, r.ptr);
    }
  } else {
    out += std::get<bool>(f.value) ? "true" : "false";
  }
}

}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn") out = Level::warn;
  else if (text == "error") out = Level::error;
  else return false;
  return true;
}

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

std::string format_line(Level level, std::string_view component, std::string_view event,
                        std::initializer_list<Field> fields, std::int64_t unix_ms) {
  std::string out;
  out.reserve(128);
  out += "{\"ts\":";
  append_timestamp(out, unix_ms);
  out += ",\"level\":\"";
  out += to_string(level);
  out += "\",\"component\":";
  append_string(out, component);
  out += ",\"event\":";
  append_string(out, event);
  for (const Field& f : fields) {
    out += ',';
    append_string(out, f.key);
    out += ':';
    append_value(out, f);
  }
  out += "}\n";
  return out;
}

void log(Level level, std::string_view component, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  using namespace std::chrono;
  const std::int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::string line = format_line(level, component, event, fields, now);
  std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace serendip::obs
