// HTTP request pieces as the router sees them after Beast has framed the
// request: the static file server's path resolution (percent-decoding, dot
// segments, the SPA fallback: it must never leave its root), query strings,
// bearer tokens and JSON bodies. Input lines: method, path, query,
// Authorization header; the rest is the body.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/static_files.hpp"
#include "http/types.hpp"

namespace {

// A web root with a file outside it that must never be served.
const std::string& web_root() {
  static const std::string root = [] {
    namespace fs = std::filesystem;
    const fs::path base = fs::temp_directory_path() / ("serendip-fuzz-http-" + std::to_string(::getpid()));
    fs::create_directories(base / "web" / "assets");
    std::ofstream(base / "web" / "index.html") << "<!doctype html><title>index</title>";
    std::ofstream(base / "web" / "assets" / "app-1234.js") << "console.log(1)";
    std::ofstream(base / "secret.txt") << "OUTSIDE-THE-ROOT";
    return (base / "web").string();
  }();
  return root;
}

std::string_view next_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  const std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = serendip::http;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  http::Request req;
  req.method = next_line(rest) == "HEAD" ? "HEAD" : "GET";
  req.path = std::string(next_line(rest));
  req.query = std::string(next_line(rest));
  req.headers.push_back({"authorization", std::string(next_line(rest))});
  req.headers.push_back({"content-type", "application/json"});
  req.body = std::string(rest);

  const http::Response res = http::serve_static(web_root(), req);
  if (res.body.find("OUTSIDE-THE-ROOT") != std::string::npos) __builtin_trap();
  (void)http::parse_query(req.query);
  (void)http::bearer_token(req);
  (void)http::json_object_body(req, 4096, "malformed");
  return 0;
}
