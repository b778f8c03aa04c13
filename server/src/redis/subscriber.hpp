// redis::Subscriber: sharded pub/sub (SSUBSCRIBE, Redis 7.0) on a Client's
// io_context. Each channel is subscribed on the node that owns its slot, over
// a dedicated subscriber connection per node (a connection in subscribe mode
// cannot run other commands). Subscriptions are kept alive: after a
// reconnect, after a failover (the slot's new master) and after a
// `sunsubscribe` push (the slot moved: the map is reloaded and the channel
// subscribed on the new owner). Standalone Redis 7 accepts SSUBSCRIBE too; on
// a server that does not know it, the subscriber falls back to SUBSCRIBE
// (publishers must then use PUBLISH: see sharded()).
//
// What cannot be seen from here is a subscription that the server dropped
// without telling us: InboxProbe (probe.hpp) covers that.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace serendip::redis {

class Client;

class Subscriber {
 public:
  // Runs on the io_context thread; the views are valid during the call only.
  using Handler = std::function<void(std::string_view channel, std::string_view payload)>;
  // Returns true when it consumed the message (the channel handler then does not see it).
  using Filter = std::function<bool(std::string_view channel, std::string_view payload)>;

  // Uses `client`'s io_context, configuration and slot map. Passed by
  // argument: `client` must outlive the subscriber.
  explicit Subscriber(Client& client);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Subscribes (or replaces the handler of) `channel`.
  void subscribe(std::string channel, Handler handler);
  void unsubscribe(std::string_view channel);
  void set_filter(Filter filter);

  bool subscribed(std::string_view channel) const;  // asked for, active or not
  // SSUBSCRIBE confirmed on the node currently believed to own the channel.
  bool active(std::string_view channel) const;
  std::size_t channel_count() const;
  std::size_t active_count() const;
  bool healthy() const { return active_count() == channel_count(); }
  // False once the server refused SSUBSCRIBE and SUBSCRIBE is used instead.
  bool sharded() const;

  // Sends SSUBSCRIBE for `channel` again even if it looks active (the probe
  // calls this when its message did not come back).
  void resubscribe(std::string_view channel);
  // Drops the connection holding `channel` (it reconnects and resubscribes
  // everything it held): for a connection that confirms but does not deliver.
  void reconnect(std::string_view channel);

  // Test hook: unsubscribes `channel` on the server behind the subscriber's
  // back (SUNSUBSCRIBE on its connection, the push that follows ignored), so
  // the channel looks active but receives nothing. False if not active.
  bool drop_silently_for_test(std::string_view channel);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::redis
