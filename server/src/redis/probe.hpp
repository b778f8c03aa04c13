// redis::InboxProbe: proves end to end that one of our subscriptions still
// delivers. Every `interval` it SPUBLISHes a probe to `channel` (a channel the
// subscriber holds, typically this worker's inbox) and expects it back within
// `deadline`. A subscription the server dropped without a word (or a
// subscriber connection that silently stopped delivering) turns probe_ok()
// false and forces a resubscribe (from the second failure in a row, a new
// connection); the next probe that arrives turns it back true. /readyz should
// include probe_ok().
//
// Probe messages are recognised by a prefix and a random per-probe token and
// consumed by a filter installed on the subscriber: the channel's own handler
// never sees them. SPUBLISH answering 0 receivers fails the probe at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace serendip::redis {

class Client;
class Subscriber;

class InboxProbe {
 public:
  struct Options {
    std::chrono::milliseconds interval{1000};  // between probes
    std::chrono::milliseconds deadline{2000};  // for one probe to come back
  };

  // Subscribes `channel` (with no handler) unless the subscriber already has
  // it, and starts probing. `client` and `subscriber`: Passed by argument,
  // must outlive the probe. The subscriber's filter is taken by the probe.
  InboxProbe(Client& client, Subscriber& subscriber, std::string channel, Options options);
  InboxProbe(Client& client, Subscriber& subscriber, std::string channel);
  ~InboxProbe();
  InboxProbe(const InboxProbe&) = delete;
  InboxProbe& operator=(const InboxProbe&) = delete;

  // False until the first probe came back, and after a probe failed until one
  // comes back. May be called from any thread (for /readyz); the rest of the
  // probe belongs to the client's io_context thread.
  bool probe_ok() const;
  std::uint64_t sent() const;
  std::uint64_t received() const;
  std::uint64_t failures() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::redis
