// TLS to Redis (rediss://): the OpenSSL context every connection of a client
// shares, built once from Config::tls.
#pragma once

#include <memory>
#include <string>

#include "redis/config.hpp"

namespace serendip::redis {

// TLS 1.2 or later (managed Redis services stop at 1.2 or 1.3), peer
// verification on, the CA bundle (else the system's trust store) and the
// client certificate loaded. nullptr and a one-line `error` naming the file
// when one cannot be read.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const Tls& tls, std::string& error);

}  // namespace serendip::redis
