// One entry of RTCConfiguration.iceServers, as the server hands it to clients.
#pragma once

#include <string>
#include <vector>

namespace serendip::core {

struct IceServer {
  std::vector<std::string> urls;
  std::string username;    // empty for STUN-only entries
  std::string credential;  // empty for STUN-only entries
};

}  // namespace serendip::core
