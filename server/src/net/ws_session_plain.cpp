#include "net/ws_session_impl.hpp"

namespace serendip::net {

// Plain TCP runs on WsSocket for its teardown (ws_teardown.hpp).
void start_ws_session(Worker& worker, Socket&& stream, std::string client_ip, UpgradeRequest req,
                      ConnectionSlots slots) {
  std::make_shared<WsSession<WsSocket>>(worker, WsSocket(std::move(stream)), std::move(client_ip), std::move(slots))
      ->start(std::move(req));
}

}  // namespace serendip::net
