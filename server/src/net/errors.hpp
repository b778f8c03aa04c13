// Which I/O errors are an ordinary end of a connection (the client left, the
// server closed it, a deadline fired) and not worth a warning. One list for
// HTTP and WebSocket sessions alike.
#pragma once

#include <boost/system/error_code.hpp>

namespace serendip::net {

bool is_benign(const boost::system::error_code& ec);

}  // namespace serendip::net
