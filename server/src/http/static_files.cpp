#include "http/static_files.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace serendip::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPlaceholder = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Serendip</title></head>
<body>
<h1>The Serendip server is running</h1>
<p>The web app is not built yet. Run <code>make build</code> to build it, then reload this page.</p>
</body>
</html>
)";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Response text_response(int status, std::string_view text) {
  Response res;
  res.status = status;
  res.body = std::string(text);
  res.set("content-type", "text/plain; charset=utf-8");
  res.set("cache-control", "no-store");
  return res;
}

Response bad_request() { return text_response(400, "Bad Request\n"); }
Response not_found() { return text_response(404, "Not Found\n"); }

Response placeholder() {
  Response res;
  res.body = std::string(kPlaceholder);
  res.set("content-type", "text/html; charset=utf-8");
  res.set("cache-control", "no-cache");
  return res;
}

// True when `p` is `root` or below it, comparing whole components (so
// "/srv/www-evil" is not inside "/srv/www").
bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (r->empty() && std::next(r) == root.end()) break;  // root ends with a separator
    if (q == p.end() || *q != *r) return false;
  }
  return true;
}

// Strong validator from size and modification time: a rebuilt file gets a new one.
std::string etag_for(std::uintmax_t size, fs::file_time_type mtime) {
  const auto ticks = static_cast<unsigned long long>(mtime.time_since_epoch().count());
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(size), ticks);
  return buf;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  // A list of entity tags; weak comparison (RFC 9110 13.1.2): W/ prefixes ignored.
  const std::string_view bare = etag;
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == bare) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<Response> file_response(const fs::path& file, const Request& req, bool immutable) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return std::nullopt;
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return std::nullopt;

  Response res;
  const std::string etag = etag_for(size, mtime);
  res.set("etag", etag);
  res.set("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  const std::string_view inm = req.header("if-none-match");
  if (!inm.empty() && etag_matches(inm, etag)) {
    res.status = 304;
    return res;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  res.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  res.set("content-type", mime_type(file.filename().string()));
  return res;
}

}  // namespace

std::string_view mime_type(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string ext = lower(file_name.substr(dot + 1));
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"wasm", "application/wasm"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
  };
  for (const Entry& e : kTypes) {
    if (e.ext == ext) return e.type;
  }
  return "application/octet-stream";
}

Response serve_static(std::string_view root_dir, const Request& req) {
  const std::string_view raw = req.path;
  if (raw.empty() || raw.front() != '/') return bad_request();
  // Encoded separators and backslashes only ever serve to confuse path checks.
  const std::string raw_lower = lower(raw);
  if (raw.find('\\') != std::string_view::npos || raw_lower.find("%2f") != std::string::npos ||
      raw_lower.find("%5c") != std::string::npos) {
    return bad_request();
  }
  const auto decoded = percent_decode(raw);
  if (!decoded) return bad_request();

  // Segments after the leading '/'. The last may be empty ("/docs/").
  std::vector<std::string_view> segments;
  {
    std::string_view rest = std::string_view(*decoded).substr(1);
    while (true) {
      const auto slash = rest.find('/');
      segments.push_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string_view seg = segments[i];
    if (seg.empty() && i + 1 < segments.size()) return bad_request();  // "//"
    if (seg == "." || seg == "..") return bad_request();
    for (char c : seg) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return bad_request();
    }
    if (!seg.empty() && seg.front() == '.' && seg != ".well-known") return not_found();  // .git, .env
  }

  const std::string_view last = segments.back();
  const bool has_extension = last.find('.') != std::string_view::npos;
  const std::string_view path = *decoded;
  const bool immutable = path.starts_with("/assets/");
  // Paths that must never turn into the app's HTML: a missing script under
  // /assets/ has to fail loudly, not parse index.html as JavaScript.
  const bool no_fallback =
      immutable || path == "/api" || path.starts_with("/api/") || path == "/ws" || path.starts_with("/ws/");
  const bool spa_fallback = path == "/" || (!has_extension && !no_fallback);

  std::error_code ec;
  const fs::path root = fs::canonical(fs::path(std::string(root_dir)), ec);
  if (ec || !fs::is_directory(root, ec)) return spa_fallback ? placeholder() : not_found();

  // The admin dashboard is its own page (admin.html) with its own routes
  // under /admin; everything else falls back to the call app.
  const bool admin_route = path == "/admin" || path.starts_with("/admin/");
  auto index = [&]() -> Response {
    const fs::path index_path = root / (admin_route ? "admin.html" : "index.html");
    std::error_code iec;
    const fs::path resolved = fs::weakly_canonical(index_path, iec);
    if (iec || !inside(root, resolved) || !fs::is_regular_file(resolved, iec)) return placeholder();
    auto res = file_response(resolved, req, false);
    return res ? std::move(*res) : placeholder();
  };

  if (path == "/") return index();

  fs::path candidate = root;
  for (const std::string_view seg : segments) {
    if (!seg.empty()) candidate /= fs::path(std::string(seg));
  }
  const fs::path resolved = fs::weakly_canonical(candidate, ec);
  if (ec) return not_found();
  // Symlinks are followed by weakly_canonical: one pointing out of the root is refused here.
  if (!inside(root, resolved)) return not_found();
  if (fs::is_regular_file(resolved, ec)) {
    if (auto res = file_response(resolved, req, immutable)) return std::move(*res);
    return not_found();
  }
  return spa_fallback ? index() : not_found();
}

}  // namespace serendip::http
