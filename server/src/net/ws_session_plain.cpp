#include "net/ws_session_impl.hpp"

namespace serendip::net {

void start_ws_session(Worker& worker, Socket&& stream, std::string client_ip, UpgradeRequest req) {
  std::make_shared<WsSession<Socket>>(worker, std::move(stream), std::move(client_ip))->start(std::move(req));
}

}  // namespace serendip::net
