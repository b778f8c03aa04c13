#include "net/ws_session_impl.hpp"

namespace serendip::net {

void start_ws_session(Worker& worker, TlsSocket&& stream, std::string client_ip, Upgrade upgrade,
                      ConnectionSlots slots) {
  std::make_shared<WsSession<TlsSocket>>(worker, std::move(stream), std::move(client_ip), std::move(slots))
      ->start(std::move(upgrade));
}

}  // namespace serendip::net
