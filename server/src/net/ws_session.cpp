#include "net/ws_session.hpp"

#include <atomic>

#include "net/worker.hpp"

namespace serendip::net {
namespace {
std::atomic<core::ParticipantId> g_next_participant{1};
}

WsSessionBase::WsSessionBase(Worker& worker)
    : worker_(worker), id_(g_next_participant.fetch_add(1, std::memory_order_relaxed)) {}

Executor WsSessionBase::executor() { return worker_.executor(); }

}  // namespace serendip::net
