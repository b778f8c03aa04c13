#include "net/ws_session.hpp"

#include <atomic>

#include <boost/asio/post.hpp>

#include "net/blocking_pool.hpp"
#include "net/match_hub.hpp"
#include "net/worker.hpp"

namespace serendip::net {
namespace {
std::atomic<core::ParticipantId> g_next_participant{1};
}

WsSessionBase::WsSessionBase(Worker& worker, std::string client_ip)
    : worker_(worker),
      id_(g_next_participant.fetch_add(1, std::memory_order_relaxed)),
      handler_(worker.context().signaling, *this, worker.decoder(), std::move(client_ip),
               worker.context().clock.now_ms()) {}

Executor WsSessionBase::executor() { return worker_.executor(); }

void WsSessionBase::on_matched(const core::MatchedEvent& e, std::weak_ptr<WsSessionBase> peer,
                               std::uint64_t session_serial) {
  if (!handler_.on_matched(e)) return;
  peer_ = std::move(peer);
  remote_peer_.reset();
  session_serial_ = session_serial;
}

void WsSessionBase::on_matched_remote(const core::MatchedEvent& e, RemotePeer peer, std::uint64_t session_serial) {
  if (!handler_.on_matched(e)) return;
  peer_.reset();
  remote_peer_ = std::make_unique<RemotePeer>(std::move(peer));
  session_serial_ = session_serial;
}

bool WsSessionBase::relay(std::string_view frame) {
  if (remote_peer_) return worker_.context().hub.relay_remote(*this, frame);
  auto peer = peer_.lock();
  if (!peer) return false;
  SendNode* node = worker_.send_pool().acquire();
  node->data.assign(frame.data(), frame.size());
  Worker& target = peer->worker();
  if (&target == &worker_) {
    peer->deliver_relay(session_serial_, node);
  } else {
    target.post_relay(std::move(peer), session_serial_, node);
  }
  return true;
}

void WsSessionBase::connect(store::Party who) {
  auto& ctx = worker_.context();
  ctx.metrics.ws_authenticated.add(1);
  ctx.hub.connect(id_, std::move(who), shared_from_this());
  joined_hub_ = true;
}

void WsSessionBase::join(core::Preferences prefs, std::optional<std::int64_t> re) {
  worker_.context().hub.join(id_, std::move(prefs), re);
}

bool WsSessionBase::next(std::optional<std::int64_t> re) { return worker_.context().hub.next(id_, re); }

void WsSessionBase::leave(std::optional<std::int64_t> re) { worker_.context().hub.leave(id_, re); }

void WsSessionBase::offload(std::function<void()> work, std::function<void()> done) {
  // The session stays alive until `done` has run on its own thread.
  worker_.context().blocking.post(
      [self = shared_from_this(), work = std::move(work), done = std::move(done)]() mutable {
        work();
        Executor ex = self->executor();
        asio::post(ex, [self = std::move(self), done = std::move(done)] { done(); });
      });
}

void WsSessionBase::leave_hub() {
  forget_peer();
  if (!joined_hub_) return;
  joined_hub_ = false;
  auto& ctx = worker_.context();
  ctx.metrics.ws_authenticated.add(-1);
  ctx.hub.disconnect(id_);
}

}  // namespace serendip::net
