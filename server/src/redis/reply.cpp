#include "redis/reply.hpp"

#include <charconv>

namespace serendip::redis {

std::string_view to_string(ClientError e) {
  switch (e) {
    case ClientError::none: return "none";
    case ClientError::timeout: return "timeout";
    case ClientError::down: return "down";
    case ClientError::overload: return "overload";
    case ClientError::closed: return "closed";
    case ClientError::protocol: return "protocol";
    case ClientError::redirect: return "redirect";
  }
  return "unknown";
}

Reply Reply::client_error(ClientError kind, std::string message) {
  Reply r(Type::error, std::move(message));
  r.client_error_ = kind;
  return r;
}

Reply Reply::integer(std::int64_t v) {
  Reply r;
  r.type_ = Type::integer;
  r.int_ = v;
  return r;
}

Reply Reply::array(std::vector<Reply> elements) {
  Reply r;
  r.type_ = Type::array;
  r.elements_ = std::move(elements);
  return r;
}

std::string_view Reply::error_code() const {
  if (type_ != Type::error) return {};
  std::string_view s = str_;
  return s.substr(0, s.find(' '));
}

std::optional<std::string_view> Reply::as_string() const {
  if (type_ == Type::string || type_ == Type::status) return std::string_view(str_);
  return std::nullopt;
}

std::optional<std::int64_t> Reply::as_integer() const {
  if (type_ == Type::integer) return int_;
  if (type_ == Type::string) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(str_.data(), str_.data() + str_.size(), v);
    if (ec == std::errc() && p == str_.data() + str_.size() && !str_.empty()) return v;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> Reply::as_strings() const {
  if (type_ != Type::array) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(elements_.size());
  for (const auto& e : elements_) {
    if (e.is_nil()) {
      out.emplace_back();
    } else if (auto s = e.as_string()) {
      out.emplace_back(*s);
    } else if (e.is_integer()) {
      out.push_back(std::to_string(e.integer()));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string Reply::to_debug_string() const {
  switch (type_) {
    case Type::nil: return "(nil)";
    case Type::status: return str_;
    case Type::error: return "(error) " + str_;
    case Type::integer: return "(integer) " + std::to_string(int_);
    case Type::string: return '"' + str_ + '"';
    case Type::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements_.size(); ++i) {
        if (i) out += ", ";
        out += elements_[i].to_debug_string();
      }
      return out + "]";
    }
  }
  return {};
}

bool operator==(const Reply& a, const Reply& b) {
  return a.type_ == b.type_ && a.client_error_ == b.client_error_ && a.int_ == b.int_ && a.str_ == b.str_ &&
         a.elements_ == b.elements_;
}

}  // namespace serendip::redis
