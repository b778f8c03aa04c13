// The web app's files (Vite's build output) served from a directory: safe path
// resolution, MIME types, caching (ETag, immutable /assets/), and the SPA
// fallback to index.html. Internal to http/; the Router calls it for GET/HEAD
// requests that are not API, health or metrics paths.
#pragma once

#include <string_view>

#include "http/types.hpp"

namespace serendip::http {

// `root`: the static directory (relative to the working directory or absolute).
// Never serves anything whose resolved path lies outside the canonical root.
// For HEAD the body is still filled in; the router strips it.
Response serve_static(std::string_view root, const Request& req);

// "text/html; charset=utf-8" etc. by file extension; application/octet-stream if unknown.
std::string_view mime_type(std::string_view file_name);

}  // namespace serendip::http
