#include "moderation/validation.hpp"

#include <array>
#include <cstdint>

#include "core/address_key.hpp"

namespace serendip::moderation {

bool valid_report_reason(std::string_view reason) {
  static constexpr std::array<std::string_view, 6> kReasons = {"nudity",   "harassment", "spam",
                                                               "underage", "violence",   "other"};
  for (auto r : kReasons) {
    if (r == reason) return true;
  }
  return false;
}

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    if (c < 0x80) len = 1;
    else if ((c >> 5) == 0x6 && c >= 0xc2) len = 2;
    else if ((c >> 4) == 0xe) len = 3;
    else if ((c >> 3) == 0x1e && c <= 0xf4) len = 4;
    else return std::nullopt;
    if (i + len > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return std::nullopt;
    }
    i += len;
    ++n;
  }
  return n;
}

std::optional<std::string> canonical_ip(std::string_view ip) { return core::address_key(ip); }

bool valid_device_key(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_username(std::string_view u) {
  if (u.size() < 3 || u.size() > 32) return false;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

void JsonText::key(std::string_view k) {
  if (!body_.empty()) body_ += ',';
  body_ += json_quote(k);
  body_ += ':';
}

JsonText& JsonText::add(std::string_view k, std::string_view value) {
  key(k);
  body_ += json_quote(value);
  return *this;
}

JsonText& JsonText::add(std::string_view k, std::int64_t value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

JsonText& JsonText::add(std::string_view k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}

JsonText& JsonText::add_null(std::string_view k) {
  key(k);
  body_ += "null";
  return *this;
}

JsonText& JsonText::add_raw(std::string_view k, std::string_view json) {
  key(k);
  body_ += json;
  return *this;
}

}  // namespace serendip::moderation
