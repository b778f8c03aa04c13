#include "http/route_table.hpp"

#include "http/types.hpp"

namespace serendip::http {

std::optional<Method> method_of(std::string_view request_method) {
  if (request_method == "GET" || request_method == "HEAD") return Method::get;
  if (request_method == "POST") return Method::post;
  if (request_method == "DELETE") return Method::del;
  return std::nullopt;
}

std::string allow_header(MethodSet methods) {
  std::string allow;
  if (methods.get) allow += "GET, HEAD, ";
  if (methods.post) allow += "POST, ";
  if (methods.del) allow += "DELETE, ";
  return allow + "OPTIONS";
}

std::string_view PathParams::operator[](std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return v;
  }
  return {};
}

std::optional<Segments> decoded_segments(std::string_view path) {
  Segments out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const std::size_t slash = path.find('/');
    auto segment = percent_decode(path.substr(0, slash), false);
    if (!segment) return std::nullopt;
    out.push_back(std::move(*segment));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

Segments literal_segments(std::string_view path) {
  Segments out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

bool match_pattern(std::string_view pattern, std::span<const std::string> segments, PathParams& params) {
  if (pattern.starts_with('/')) pattern.remove_prefix(1);
  for (std::size_t i = 0;; ++i) {
    const std::size_t slash = pattern.find('/');
    const std::string_view part = pattern.substr(0, slash);
    if (i == segments.size()) return false;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      params.add(part.substr(1, part.size() - 2), segments[i]);
    } else if (part != segments[i]) {
      return false;
    }
    if (slash == std::string_view::npos) return i + 1 == segments.size();
    pattern.remove_prefix(slash + 1);
  }
}

}  // namespace serendip::http
