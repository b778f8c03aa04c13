#include "redis/tls.hpp"

#include <boost/asio/ssl/context.hpp>

namespace serendip::redis {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const Tls& tls, std::string& error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  auto failed = [&](const std::string& what) {
    error = what + ": " + ec.message();
    return nullptr;
  };
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return failed("TLS options");
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return failed("TLS verify mode");
  if (tls.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return failed("the system's CA certificates");
  } else {
    ctx->load_verify_file(tls.ca_file, ec);
    if (ec) return failed("CA file " + tls.ca_file);
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    error = "a client certificate needs both its certificate file and its key file";
    return nullptr;
  }
  if (!tls.cert_file.empty()) {
    ctx->use_certificate_chain_file(tls.cert_file, ec);
    if (ec) return failed("client certificate " + tls.cert_file);
    ctx->use_private_key_file(tls.key_file, ssl::context::pem, ec);
    if (ec) return failed("client key " + tls.key_file);
  }
  return ctx;
}

}  // namespace serendip::redis
