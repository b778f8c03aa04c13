// Readiness for /readyz and /healthz: ready while the database answers and
// the instance is not draining (the one drain flag, set by the server).
#pragma once

#include <functional>
#include <utility>

#include "core/drain.hpp"
#include "http/router.hpp"

namespace serendip::app {

class ServerStatus final : public http::ServerStatus {
 public:
  // `store_ok` answers whether the database is reachable (called per /readyz).
  ServerStatus(const core::DrainFlag& drain, std::function<bool()> store_ok)
      : drain_(drain), store_ok_(std::move(store_ok)) {}
  bool ready() const override { return !drain_.draining() && (!store_ok_ || store_ok_()); }
  bool draining() const override { return drain_.draining(); }

 private:
  const core::DrainFlag& drain_;  // Passed by argument.
  std::function<bool()> store_ok_;
};

}  // namespace serendip::app
