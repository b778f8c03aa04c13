#include <boost/beast/websocket/ssl.hpp>

#include "net/ws_session_impl.hpp"

namespace serendip::net {

void start_ws_session(Worker& worker, TlsSocket&& stream, std::string client_ip, UpgradeRequest req,
                      ConnectionSlots slots) {
  std::make_shared<WsSession<WsTlsStream>>(worker, WsTlsStream(std::move(stream)), std::move(client_ip),
                                           std::move(slots))
      ->start(std::move(req));
}

}  // namespace serendip::net
