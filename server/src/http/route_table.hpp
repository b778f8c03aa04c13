// Finding the route for a request in a table of {method, pattern, ...}
// entries, where a pattern names a path with parameters:
// "/api/v1/admin/reports/{id}/decision". No I/O and no knowledge of what the
// routes do: callers keep their own entry type (handler, required role) and
// answer 404 and 405 from what find_route reports.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serendip::http {

enum class Method : std::uint8_t {
  get,  // answers HEAD as well (the router drops the body)
  post,
  del,
};

// The Method a request's method string asks for; nullopt for PUT, PATCH, ...
std::optional<Method> method_of(std::string_view request_method);

// The Allow header for a resource: "GET, HEAD, POST, DELETE, OPTIONS" less
// what it lacks, always in that order.
struct MethodSet {
  bool get = false;
  bool post = false;
  bool del = false;
};
std::string allow_header(MethodSet methods);

// The values a pattern's {name} segments captured.
class PathParams {
 public:
  // The decoded segment captured as {name}; empty when the pattern has no such name.
  std::string_view operator[](std::string_view name) const;
  void add(std::string_view name, std::string value) { values_.emplace_back(name, std::move(value)); }
  std::size_t size() const { return values_.size(); }

 private:
  // Names view the pattern they came from, which must outlive them (table patterns are literals).
  std::vector<std::pair<std::string_view, std::string>> values_;
};

using Segments = std::vector<std::string>;

// A path as percent-decoded segments, empty ones dropped: "/a//b%2Fc/" gives
// {"a", "b/c"}. nullopt on a malformed escape.
std::optional<Segments> decoded_segments(std::string_view path);
// A path cut at every '/' as it is, nothing decoded or dropped: "/a//b/" gives
// {"a", "", "b", ""}. Matching these is matching the path's exact spelling.
Segments literal_segments(std::string_view path);

// Whether `segments` fit `pattern`: as many segments, literal ones equal, each
// {name} taking any one segment, added to `params` (which holds leftovers when
// the answer is false: pass a fresh one per attempt).
bool match_pattern(std::string_view pattern, std::span<const std::string> segments, PathParams& params);

// What a table says about a request.
template <class Route>
struct RouteMatch {
  const Route* route = nullptr;  // the entry to run; null when there is none
  PathParams params;             // what its pattern captured
  std::string allow;             // when route is null: empty = no such path (404), else the 405's Allow header
};

// The first entry whose pattern fits the segments decides the resource, so
// list literal segments before parameters ("/blocks/bulk" before
// "/blocks/{id}"). Among the entries sharing that pattern, the one for the
// request's method is the route; if none is, `allow` lists theirs.
// Route needs members `Method method` and `std::string_view pattern`.
template <class Route>
RouteMatch<Route> find_route(std::span<const Route> table, std::string_view request_method,
                             std::span<const std::string> segments) {
  RouteMatch<Route> out;
  for (const Route& candidate : table) {
    PathParams params;
    if (!match_pattern(candidate.pattern, segments, params)) continue;
    const std::optional<Method> wanted = method_of(request_method);
    MethodSet methods;
    for (const Route& r : table) {
      if (r.pattern != candidate.pattern) continue;
      if (wanted == r.method) {
        out.route = &r;
        out.params = std::move(params);
        return out;
      }
      methods.get = methods.get || r.method == Method::get;
      methods.post = methods.post || r.method == Method::post;
      methods.del = methods.del || r.method == Method::del;
    }
    out.allow = allow_header(methods);
    return out;
  }
  return out;
}

}  // namespace serendip::http
